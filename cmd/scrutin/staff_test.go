package main

import (
	"context"
	"strings"
	"testing"

	"scrutin/database/dbtest"
)

// `staff add` and `staff token` write their change and its audit row
// together: when the row cannot be written, the command fails and changes
// nothing (no account, no token printed nor kept).
func TestStaffChangesAuditedInOneTransaction(t *testing.T) {
	url := dbtest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	if code, _, stderr := runCLI(t, "", "staff", "add", "--email", "org04@example.org", "--role", "organizer", "--scope", "04"); code != 0 {
		t.Fatalf("staff add: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "staff", "token", "--email", "org04@example.org"); code != 0 {
		t.Fatalf("staff token: exit %d\n%s", code, stderr)
	}
	pool := connect(t, url)
	ctx := context.Background()
	count := func(sql string) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action IN ('staff.add', 'staff.token') AND entity_id = 'org04@example.org'`); n != 2 {
		t.Fatalf("%d audit rows for staff add and token, want 2", n)
	}

	dbtest.RefuseAudit(t, pool, "staff.%")
	tokens := count(`SELECT count(*) FROM staff_tokens`)
	code, stdout, stderr := runCLI(t, "", "staff", "add", "--email", "new@example.org", "--role", "admin")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "audit refused") {
		t.Errorf("staff add without its audit row: exit %d, %q\n%s", code, stdout, stderr)
	}
	if n := count(`SELECT count(*) FROM staff_users WHERE email = 'new@example.org'`); n != 0 {
		t.Error("staff add without its audit row created the account")
	}
	code, stdout, stderr = runCLI(t, "", "staff", "token", "--email", "org04@example.org")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "audit refused") {
		t.Errorf("staff token without its audit row: exit %d, %q\n%s", code, stdout, stderr)
	}
	if n := count(`SELECT count(*) FROM staff_tokens`); n != tokens {
		t.Errorf("staff token without its audit row kept a token: %d tokens, then %d", tokens, n)
	}
}
