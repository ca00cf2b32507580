package main

import (
	"context"
	"strings"
	"testing"

	"scrutin/database/dbtest"
	"scrutin/demo"
)

// TestServeDemoOnlyWhereAsked: a database of one's own gets no demo data
// unless --demo asks for it (the demo admin's password is published), and
// serve refuses to listen beyond this machine while that password works.
func TestServeDemoOnlyWhereAsked(t *testing.T) {
	url := dbtest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("SMTP_URL", "")
	t.Setenv("SMS_URL", "")
	pool := connect(t, url)
	staffCount := func() int {
		t.Helper()
		var n int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM staff_users`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Setenv("SCRUTIN_ADDR", "127.0.0.1:0")
	startServe(t, "serve") // it loads the demo, if at all, before it listens
	if n := staffCount(); n != 0 {
		t.Fatalf("serve without --demo on DATABASE_URL created %d staff accounts", n)
	}

	code, _, stderr := runCLI(t, "", "serve", "--demo", "--addr", "0.0.0.0:0")
	if code == 0 || !strings.Contains(stderr, "refusing to listen on 0.0.0.0:0") || !strings.Contains(stderr, demo.AdminEmail) {
		t.Fatalf("serve --demo on every interface: exit %d, %s", code, stderr)
	}
	if n := staffCount(); n != 2 {
		t.Fatalf("--demo loaded %d staff accounts, want the demo's 2", n)
	}
	code, _, stderr = runCLI(t, "", "serve", "--no-demo", "--addr", ":0")
	if code == 0 || !strings.Contains(stderr, "refusing to listen") {
		t.Fatalf("serve with the demo password alive on every interface: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "a-password-of-our-own\n", "staff", "add", "--email", demo.AdminEmail, "--role", "admin", "--password-stdin"); code != 0 {
		t.Fatalf("staff add: %d %s", code, stderr)
	}
	if _, _, ok := demo.StaffLogin(context.Background(), pool); ok {
		t.Fatal("the demo password still logs in after it was changed")
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:80": true, "[::1]:8080": true, "127.0.0.2:1": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:8080": false, "192.168.1.10:8080": false,
		"example.org:80": false, "nonsense": false,
	} {
		if got := loopback(addr); got != want {
			t.Errorf("loopback(%q) = %v, want %v", addr, got, want)
		}
	}
}
