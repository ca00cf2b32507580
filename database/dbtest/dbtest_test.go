package dbtest

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

func TestEachDatabaseIsFreshAndMigrated(t *testing.T) {
	a, b := New(t), New(t)
	ctx := context.Background()
	if _, err := a.Exec(ctx, `INSERT INTO communes (code, name, departement, search_name) VALUES ('04070', 'Digne', '04', 'digne')`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRow(ctx, `SELECT count(*) FROM communes`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("second database sees %d communes (%v): tests would leak into each other", n, err)
	}
}

// A test binary killed before Main stops its cluster must not leave a
// PostgreSQL server running: the watchdog stops it and removes its files.
func TestKilledTestBinaryLeavesNoServer(t *testing.T) {
	if os.Getenv("DBTEST_CHILD") == "1" {
		New(t)
		os.Stdout.WriteString("DIR " + tmpDir + "\n")
		time.Sleep(time.Hour) // killed by the parent
		return
	}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		t.Log("TEST_DATABASE_URL set: no throwaway cluster to watch")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledTestBinaryLeavesNoServer$", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), "DBTEST_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dir := ""
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "DIR "); ok {
			dir = d
			break
		}
	}
	if dir == "" {
		cmd.Process.Kill()
		t.Fatal("child did not start a cluster")
	}
	pidFile := filepath.Join(dir, "pgdata", "postmaster.pid")
	if _, err := os.Stat(pidFile); err != nil {
		t.Fatalf("child cluster not running: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	for i := 0; i < 300; i++ { // the watchdog polls every second
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("cluster in %s still there 30 s after its test binary was killed", dir)
}
