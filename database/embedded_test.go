package database_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"scrutin/database"
)

// What `scrutin serve` relies on without DATABASE_URL: the embedded
// cluster keeps its data across restarts, and a second scrutin process (a
// CLI command while serve runs) uses the running server instead of
// starting another one, and leaves it running when it exits.
func TestEmbeddedClusterRestartsAndIsShared(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	pidFile := filepath.Join(dir, "pg", "pgdata", "postmaster.pid")

	first, err := database.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Close() })
	if first.Cluster == nil || !first.Cluster.Started() {
		t.Fatal("the first Open did not start the embedded server")
	}
	if _, err := first.Pool.Exec(ctx, `CREATE TABLE notes (body text); INSERT INTO notes VALUES ('bonjour')`); err != nil {
		t.Fatal(err)
	}

	second, err := database.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	if second.Cluster.Started() {
		second.Close()
		t.Fatal("a second Open on the same directory started another server")
	}
	var body string
	if err := second.Pool.QueryRow(ctx, `SELECT body FROM notes`).Scan(&body); err != nil || body != "bonjour" {
		t.Fatalf("second connection reads %q, %v", body, err)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	if err := first.Pool.Ping(ctx); err != nil {
		t.Fatalf("closing the second user stopped the server: %v", err)
	}

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pidFile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("server still running after Close (postmaster.pid: %v)", err)
	}

	third, err := database.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if !third.Cluster.Started() {
		t.Fatal("Open after a stop did not start the server")
	}
	body = ""
	if err := third.Pool.QueryRow(ctx, `SELECT body FROM notes`).Scan(&body); err != nil || body != "bonjour" {
		t.Fatalf("after a restart the row reads %q, %v", body, err)
	}
}
