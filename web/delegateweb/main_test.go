package delegateweb

import (
	"testing"

	"scrutin/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
