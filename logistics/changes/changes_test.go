package changes_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/logistics/changes"
	"scrutin/logistics/check"
	"scrutin/logistics/elections"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// A held change is found by its token until it expires, and then deleted
// with its form (personal data): by DeleteExpired, which serve runs every
// hour, or by the next Hold.
func TestHeldChangesExpire(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	now := time.Now()
	if err := demo.Load(ctx, pool, now, ""); err != nil {
		t.Fatal(err)
	}
	e, err := elections.BySlug(ctx, pool, demo.ElectionSlug)
	if err != nil {
		t.Fatal(err)
	}
	form := map[string]string{"voter_number": "123456789"}
	plain, err := changes.Hold(ctx, pool, changes.ProxyVolunteer, e.ID, "paul@example.org", form, now)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := changes.Find(ctx, pool, plain, now.Add(changes.TTL), changes.ProxyVolunteer); err != nil || c.Email != "paul@example.org" {
		t.Fatalf("within its time: %+v, %v", c, err)
	}
	if _, err := changes.Find(ctx, pool, plain, now, changes.ProxyRequest); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("found as another kind: %v", err)
	}
	later := now.Add(changes.TTL + time.Minute)
	if _, err := changes.Find(ctx, pool, plain, later, changes.ProxyVolunteer); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("expired: %v", err)
	}
	if n, err := changes.DeleteExpired(ctx, pool, now); err != nil || n != 0 {
		t.Fatalf("deleted %d before its time, %v", n, err)
	}
	if n, err := changes.DeleteExpired(ctx, pool, later); err != nil || n != 1 {
		t.Fatalf("deleted %d once expired, %v", n, err)
	}
	var left int
	pool.QueryRow(ctx, `SELECT count(*) FROM pending_changes`).Scan(&left)
	if left != 0 {
		t.Fatalf("%d held changes left", left)
	}
}
