package exports_test

import (
	"testing"

	"scrutin/database/dbtest"
)

// One test binary, one TestMain: every test file of package exports (and
// exports_test) shares this one.
func TestMain(m *testing.M) { dbtest.Main(m) }
