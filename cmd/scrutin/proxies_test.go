package main

import (
	"context"
	"strings"
	"testing"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/logistics/proxies"
)

func TestMatchProxiesCommand(t *testing.T) {
	url := dbtest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	if code, _, stderr := runCLI(t, "", "demo"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	// A volunteer in Sisteron, where the demo's last request waits, added
	// without the instant matching: the command must propose it.
	pool := connect(t, url)
	desk := proxies.NewDesk(pool, "http://cli", nil)
	desk.InstantOff = true
	if _, err := desk.SubmitVolunteer(context.Background(), proxies.NewVolunteerInput(proxies.Person{Election: demo.ElectionSlug,
		FirstName: "Sam", LastName: "Blanc", Email: "sam@example.org", Phone: "0612121212", CommuneCode: "04209",
		Rounds: []int{1}, Consent: true}, "1975-02-03", "11223344", 10)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"match", "proxies", "--dry-run"}, 0, "would propose 1 new offers"},
		{[]string{"match", "proxies", "--election", demo.ElectionSlug}, 0, "proposed 1 new offers"},
		{[]string{"match", "proxies"}, 0, "proposed 0 new offers, moved 0, withdrew 0, kept 5; 0 unmatched"},
		{[]string{"match", "proxies", "--election", "nope"}, 1, "Élection inconnue"},
		{[]string{"match", "delegates"}, 2, "Usage: scrutin match"},
	}
	for _, tc := range tests {
		code, stdout, stderr := runCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
			t.Errorf("scrutin %s: exit %d, want %d and %q:\n%s%s", strings.Join(tc.args, " "), code, tc.code, tc.want, stdout, stderr)
		}
	}
	var n int
	pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE recipient = 'sam@example.org' AND kind = 'proxy.offer'`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d offer messages to the volunteer", n)
	}
}
