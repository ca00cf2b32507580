package delegates_test

import (
	"testing"

	"scrutin/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
