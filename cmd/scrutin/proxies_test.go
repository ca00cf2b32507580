package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
)

// addUnplannedVolunteer signs up a volunteer in Sisteron, where the demo's
// last request waits, without the instant matching: only a batch can
// propose them.
func addUnplannedVolunteer(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	desk := proxies.NewDesk(pool, "http://cli", nil)
	desk.InstantOff = true
	if _, err := desk.SubmitVolunteer(context.Background(), proxies.NewVolunteerInput(proxies.Person{Election: demo.ElectionSlug,
		FirstName: "Sam", LastName: "Blanc", Email: "sam@example.org", Phone: "0612121212", CommuneCode: "04209",
		Rounds: []int{1}, Consent: true}, "1975-02-03", "11223344", 10)); err != nil {
		t.Fatal(err)
	}
}

func offersToSam(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE recipient = 'sam@example.org' AND kind = 'proxy.offer'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMatchProxiesCommand(t *testing.T) {
	url := dbtest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	if code, _, stderr := runCLI(t, "", "demo"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	pool := connect(t, url)
	addUnplannedVolunteer(t, pool)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"match", "proxies", "--dry-run"}, 0, "would propose 1 new offer,"},
		{[]string{"match", "proxies", "--election", demo.ElectionSlug}, 0, "proposed 1 new offer,"},
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
	if n := offersToSam(t, pool); n != 1 {
		t.Fatalf("%d offer messages to the volunteer", n)
	}
}

// TestServeRunsTheProxyBatch: serve runs the batch on its own, every
// --proxy-batch-every, and proposes what the instant path could not.
func TestServeRunsTheProxyBatch(t *testing.T) {
	url := dbtest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("SCRUTIN_ADDR", "127.0.0.1:0")
	t.Setenv("SMTP_URL", "")
	t.Setenv("SMS_URL", "")
	startServe(t, "serve", "--demo", "--proxy-batch-every", "200ms")
	pool := connect(t, url)
	addUnplannedVolunteer(t, pool)
	deadline := time.Now().Add(time.Minute) // only keeps a broken worker from hanging the run
	for offersToSam(t, pool) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no batch proposed the volunteer")
		}
		time.Sleep(50 * time.Millisecond)
	}
	var actor string
	if err := pool.QueryRow(context.Background(), `SELECT actor FROM audit_log WHERE action = 'proxy_matching.run'
		AND details->>'proposed' = '1' AND details->>'instant' = 'false'`).Scan(&actor); err != nil {
		t.Fatalf("the batch's audit row: %v", err)
	}
	if actor != staff.ActorSystem {
		t.Errorf("batch audited as %q, want %q", actor, staff.ActorSystem)
	}
}

// TestBenchProxiesMatch: the batch bench runs on a scratch database of the
// configured server and reports the figures the README quotes, memory
// included, then drops its database.
func TestBenchProxiesMatch(t *testing.T) {
	url := dbtest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	communes := dbtest.SharedData(t, "communes-laposte-hexasmal.csv")
	code, stdout, stderr := runCLI(t, "", "bench", "proxies", "match", "-n", "300", "--communes", communes)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	for _, want := range []string{"300 requests and 300 volunteers generated", "batch: ", " offers, ", "batch memory: peak Go heap ",
		"instant: a request in 75104 is ", "instant: a request in 04070 is "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("missing %q in:\n%s", want, stdout)
		}
	}
	var left int
	if err := connect(t, url).QueryRow(context.Background(), `SELECT count(*) FROM pg_database WHERE datname LIKE 'scrutin_bench_%'`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d scratch databases left (%v)", left, err)
	}
}
