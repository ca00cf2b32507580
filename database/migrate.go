package database

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"

	"scrutin/migrations"
)

// migrationLock is the advisory lock key that serialises migrations across
// instances starting at the same time.
const migrationLock = 7_231_001

const versionTable = "schema_version"

// Migrate brings the schema to the version this binary embeds. It refuses a
// database whose schema is newer than the binary: an old binary must not
// serve (and possibly corrupt) data it does not understand.
func Migrate(ctx context.Context, pool *pgxpool.Pool) (from, to int32, err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return 0, 0, err
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLock)

	m, err := migrator(ctx, conn)
	if err != nil {
		return 0, 0, err
	}
	from, err = m.GetCurrentVersion(ctx)
	if err != nil {
		return 0, 0, err
	}
	latest := int32(len(m.Migrations))
	if from > latest {
		return from, from, fmt.Errorf("database schema is at version %d but this scrutin knows only %d: upgrade scrutin", from, latest)
	}
	if err := m.Migrate(ctx); err != nil {
		return from, 0, err
	}
	return from, latest, nil
}

// MigrateTo brings the schema to version, up or down: tests of a
// migration start from the database it finds.
func MigrateTo(ctx context.Context, pool *pgxpool.Pool, version int32) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	m, err := migrator(ctx, conn)
	if err != nil {
		return err
	}
	return m.MigrateTo(ctx, version)
}

// migrator reads the migrations this binary embeds, on conn.
func migrator(ctx context.Context, conn *pgxpool.Conn) (*migrate.Migrator, error) {
	m, err := migrate.NewMigrator(ctx, conn.Conn(), versionTable)
	if err != nil {
		return nil, err
	}
	return m, m.LoadMigrations(migrations.FS)
}
