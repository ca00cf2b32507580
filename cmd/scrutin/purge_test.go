package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"scrutin/database"
	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/logistics/delegates"
	"scrutin/logistics/materials"
	"scrutin/logistics/notify"
	"scrutin/logistics/proxies"
)

func TestPurgeDeletesPersonalDataOnlyWhenAsked(t *testing.T) {
	url := dbtest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	ctx := context.Background()
	pool, err := database.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := demo.Load(ctx, pool, time.Now(), "", proxies.LoadDemo, delegates.LoadDemo, materials.LoadDemo); err != nil {
		t.Fatal(err)
	}
	if err := notify.Enqueue(ctx, pool, notify.Message{Channel: notify.Email, Recipient: "a@example.org", Subject: "s", Body: "NNE 123456789"}); err != nil {
		t.Fatal(err)
	}
	people := func() int {
		var n int
		err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM proxy_requests) + (SELECT count(*) FROM proxy_volunteers)
			+ (SELECT count(*) FROM delegate_volunteers) + (SELECT count(*) FROM material_orders) + (SELECT count(*) FROM outbox)`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := people()
	if before == 0 {
		t.Fatal("the demo data holds nobody to purge")
	}

	// The demo election is weeks away: purging it now is refused.
	code, _, stderr := runCLI(t, "", "purge", "--election", demo.ElectionSlug)
	if code == 0 || !strings.Contains(stderr, "purge from") || people() != before {
		t.Fatalf("purge of a running election: exit %d, %s; people %d -> %d", code, stderr, before, people())
	}
	// Counting is allowed before the date, and says when the purge can run.
	code, stdout, stderr := runCLI(t, "", "purge", "--election", demo.ElectionSlug, "--dry-run")
	if code != 0 || !strings.Contains(stdout, "would delete") || !strings.Contains(stderr, "purge from") || people() != before {
		t.Fatalf("early dry run: exit %d, %s%s; people %d -> %d", code, stdout, stderr, before, people())
	}
	// A stray word must not hide the --dry-run after it.
	code, _, stderr = runCLI(t, "", "purge", "--election", demo.ElectionSlug, "--force", "now", "--dry-run")
	if code != 2 || !strings.Contains(stderr, "Usage: scrutin purge") || people() != before {
		t.Fatalf("purge with a stray word: exit %d, %s; people %d -> %d", code, stderr, before, people())
	}
	code, stdout, stderr = runCLI(t, "", "purge", "--election", demo.ElectionSlug, "--force", "--dry-run")
	if code != 0 || !strings.Contains(stdout, "would delete") || people() != before {
		t.Fatalf("dry run: exit %d, %s%s; people %d -> %d", code, stdout, stderr, before, people())
	}
	code, stdout, stderr = runCLI(t, "", "purge", "--election", demo.ElectionSlug, "--force")
	if code != 0 || people() != 0 {
		t.Fatalf("purge: exit %d, %s%s; %d people left", code, stdout, stderr, people())
	}
	var audited int
	pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'election.purge' AND entity_id = $1`, demo.ElectionSlug).Scan(&audited)
	if audited != 1 {
		t.Fatalf("%d audit rows for the purge, want 1", audited)
	}
	var elections int
	pool.QueryRow(ctx, `SELECT count(*) FROM elections WHERE slug = $1`, demo.ElectionSlug).Scan(&elections)
	if elections != 1 {
		t.Fatal("the purge removed the election itself")
	}
}
