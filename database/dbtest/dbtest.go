// Package dbtest gives each test a fresh, migrated PostgreSQL database.
//
// A package's tests share one throwaway cluster (started in a temporary
// directory with fsync off) unless TEST_DATABASE_URL names a server to use.
// Each call to New clones a migrated template database, so tests never see
// each other's rows. Use dbtest.Main from TestMain so that the cluster stops
// when the tests end.
package dbtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database"
)

var (
	mu       sync.Mutex
	cluster  *database.Cluster
	adminURL string // a URL to the server's maintenance database
	tmpDir   string
	template string
	counter  atomic.Int64
)

// Main runs the tests and stops the throwaway cluster afterwards.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	if cluster != nil {
		cluster.Stop()
	}
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
	}
	mu.Unlock()
	os.Exit(code)
}

// New returns a pool on a new migrated database, closed when t ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	url := NewURL(t)
	pool, err := database.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// NewURL creates a new migrated database and returns its URL.
func NewURL(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if err := setup(); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), counter.Add(1))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	return withDatabase(adminURL, name)
}

func setup() error {
	if template != "" {
		return nil
	}
	ctx := context.Background()
	if env := os.Getenv("TEST_DATABASE_URL"); env != "" {
		adminURL = env
	} else {
		dir, err := os.MkdirTemp("", "scrutin-test-")
		if err != nil {
			return err
		}
		tmpDir = dir
		c, err := database.NewCluster(dir)
		if err != nil {
			return fmt.Errorf("%w (tests need a real PostgreSQL: run `make test`, which installs it)", err)
		}
		c.Options = []string{"fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=200"}
		if err := c.Start(ctx); err != nil {
			return err
		}
		cluster = c
		adminURL = c.URL("postgres")
		// Main stops the cluster; this covers a test binary killed before.
		if err := c.StopWhenGone(os.Getpid(), dir); err != nil {
			return err
		}
	}
	name := fmt.Sprintf("tmpl_%d", os.Getpid())
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return err
	}
	pool, err := database.Connect(ctx, withDatabase(adminURL, name))
	if err != nil {
		return err
	}
	_, _, err = database.Migrate(ctx, pool)
	pool.Close()
	if err != nil {
		return err
	}
	template = name
	return nil
}

// withDatabase swaps the database name in a URL or keyword/value string.
func withDatabase(base, name string) string {
	if u, err := url.Parse(base); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + name
		return u.String()
	}
	var parts []string
	for _, f := range strings.Fields(base) {
		if !strings.HasPrefix(f, "dbname=") {
			parts = append(parts, f)
		}
	}
	return strings.Join(append(parts, "dbname="+name), " ")
}

// MigrateTo empties the schema of pool's database and migrates it to
// version (database.MigrateTo): the database as the next migration finds
// it, for tests of that migration.
func MigrateTo(t testing.TB, pool *pgxpool.Pool, version int32) {
	t.Helper()
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	if err := database.MigrateTo(ctx, pool, version); err != nil {
		t.Fatalf("migrate to %03d: %v", version, err)
	}
}

// RefuseAudit makes every later audit row whose action is LIKE pattern
// fail ("audit refused"), to prove that a change and its audit row are
// one: refused together.
func RefuseAudit(t testing.TB, pool *pgxpool.Pool, pattern string) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), `
		CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'audit refused'; END $$`); err != nil {
		t.Fatal(err)
	}
	// A trigger's WHEN takes no parameter: the pattern is quoted in.
	if _, err := pool.Exec(context.Background(), fmt.Sprintf(`
		CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log
		FOR EACH ROW WHEN (NEW.action LIKE %s) EXECUTE FUNCTION refuse_audit()`, quoteLiteral(pattern))); err != nil {
		t.Fatal(err)
	}
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
