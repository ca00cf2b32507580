package database_test

import (
	"context"
	"testing"

	"scrutin/database"
	"scrutin/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestMigrateIsIdempotent(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	from, to, err := database.Migrate(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if from != to || to == 0 {
		t.Fatalf("second migration moved the schema from %d to %d", from, to)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'communes'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("communes table missing: %v %d", err, n)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `UPDATE schema_version SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := database.Migrate(ctx, pool); err == nil {
		t.Fatal("migrating a database newer than the binary succeeded")
	}
}
