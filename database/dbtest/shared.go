package dbtest

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedData returns the path of a reference file in ../shared/data (next
// to the repository). The files are real public data that the repository
// must not copy; a missing file fails the test.
func SharedData(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("dbtest: go.mod not found above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("reference data %s missing: it lives in ../shared/data next to the repository: %v", name, err)
	}
	return p
}
