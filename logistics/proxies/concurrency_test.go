package proxies_test

import (
	"fmt"
	"sync"
	"testing"

	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
)

// Accepts, declines, expiries, withdrawals, sign-ups (instant matching)
// and batch runs fired at once never give a volunteer more than their
// capacity per round nor a request round two live offers, and statuses
// stay in step with offers.
func TestConcurrentChangesKeepCapacityAndConsistency(t *testing.T) {
	f := setup(t)
	communes := []struct{ code, bureau string }{{"04070", "1"}, {"04070", "2"}, {"04070", "3"}, {"04112", "1"}, {"04112", "2"}, {"04049", "1"}}
	var reqs, vols []int64
	f.desk.InstantOff = true // build the starting point quietly
	for i := 0; i < 40; i++ {
		c := communes[i%len(communes)]
		rounds := []int{1 + i%2}
		if i%3 == 0 {
			rounds = []int{1, 2}
		}
		reqs = append(reqs, f.request(t, f.person(fmt.Sprintf("r%d", i), c.code, c.bureau, rounds...)))
		if i < 30 {
			vols = append(vols, f.volunteer(t, f.person(fmt.Sprintf("v%d", i), c.code, c.bureau, 1, 2), 20))
		}
	}
	if _, err := f.desk.Match(f.ctx, f.e.ID, proxies.MatchOptions{}); err != nil {
		t.Fatal(err)
	}
	// A third of the pending offers are past their deadline: the expiry
	// runs race with the answers to them.
	if _, err := f.pool.Exec(f.ctx, `UPDATE proxy_offers SET expires_at = $1 WHERE status = 'pending' AND id % 3 = 0`, f.clock.Now().Add(-1)); err != nil {
		t.Fatal(err)
	}
	type pairKey struct{ vol, req int64 }
	rows, err := f.pool.Query(f.ctx, `SELECT DISTINCT volunteer_id, request_id FROM proxy_offers WHERE status = 'pending'`)
	if err != nil {
		t.Fatal(err)
	}
	var pending []pairKey
	for rows.Next() {
		var p pairKey
		rows.Scan(&p.vol, &p.req)
		pending = append(pending, p)
	}
	rows.Close()
	if len(pending) < 20 {
		t.Fatalf("only %d pending pairs to race on", len(pending))
	}
	f.desk.InstantOff = false

	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 1000)
	do := func(name string, fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := fn(); err != nil && !isConflict(err) {
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	for i, p := range pending {
		do("accept", func() error { return f.desk.Accept(f.ctx, p.vol, p.req) })
		if i%2 == 0 {
			do("decline", func() error { return f.desk.Decline(f.ctx, p.vol, p.req) })
		}
	}
	for i := 0; i < 4; i++ {
		do("expire", func() error { _, err := f.desk.ExpireOffers(f.ctx); return err })
		do("batch", func() error { _, err := f.desk.Match(f.ctx, f.e.ID, proxies.MatchOptions{}); return err })
	}
	for i := 0; i < 3; i++ {
		do("withdraw", func() error { return f.desk.WithdrawVolunteer(f.ctx, vols[i*7], staff.ActorPublic) })
		do("cancel", func() error { return f.desk.CancelRequest(f.ctx, reqs[i*11]) })
	}
	for i := 0; i < 10; i++ {
		c := communes[i%len(communes)]
		p := f.person(fmt.Sprintf("late%d", i), c.code, c.bureau, 1, 2)
		if i%2 == 0 {
			do("sign-up", func() error {
				_, err := f.desk.SubmitVolunteer(f.ctx, proxies.NewVolunteerInput(p, "1970-01-01", nne(p), 20))
				return err
			})
		} else {
			do("request", func() error { _, err := f.desk.SubmitRequest(f.ctx, proxies.RequestInput(p)); return err })
		}
	}
	close(start)
	wg.Wait()
	f.desk.Settle()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	checks := []struct {
		name string
		sql  string
	}{
		{"volunteer over capacity in a round", fmt.Sprintf(`SELECT count(*) FROM (SELECT volunteer_id, round FROM proxy_offers
			WHERE status IN ('pending', 'accepted') GROUP BY 1, 2 HAVING count(*) > %d) x`, proxies.MaxProxiesPerRound)},
		{"request round with two live offers", `SELECT count(*) FROM (SELECT request_id, round FROM proxy_offers
			WHERE status IN ('pending', 'accepted') GROUP BY 1, 2 HAVING count(*) > 1) x`},
		{"proposed round without exactly its pending offer", `SELECT count(*) FROM proxy_request_rounds rr WHERE rr.status = 'proposed'
			AND (SELECT count(*) FROM proxy_offers o WHERE o.request_id = rr.request_id AND o.round = rr.round AND o.status = 'pending') <> 1`},
		{"accepted/established round without its accepted offer", `SELECT count(*) FROM proxy_request_rounds rr WHERE rr.status IN ('accepted', 'established')
			AND NOT EXISTS (SELECT 1 FROM proxy_offers o WHERE o.request_id = rr.request_id AND o.round = rr.round AND o.status = 'accepted' AND o.volunteer_id = rr.volunteer_id)`},
		{"open or cancelled round with a live offer", `SELECT count(*) FROM proxy_request_rounds rr WHERE rr.status IN ('open', 'cancelled')
			AND EXISTS (SELECT 1 FROM proxy_offers o WHERE o.request_id = rr.request_id AND o.round = rr.round AND o.status IN ('pending', 'accepted'))`},
		{"withdrawn volunteer with a live offer", `SELECT count(*) FROM proxy_offers o JOIN proxy_volunteers v ON v.id = o.volunteer_id
			WHERE v.status = 'withdrawn' AND o.status IN ('pending', 'accepted')`},
		{"declined or expired pair proposed again", `SELECT count(*) FROM proxy_offers a JOIN proxy_offers b
			ON a.request_id = b.request_id AND a.volunteer_id = b.volunteer_id AND a.round = b.round AND b.id > a.id
			WHERE a.status IN ('declined', 'expired')`},
	}
	for _, c := range checks {
		var n int
		if err := f.pool.QueryRow(f.ctx, c.sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s: %d", c.name, n)
		}
	}
	var accepted, declined, expired int
	f.pool.QueryRow(f.ctx, `SELECT count(*) FILTER (WHERE status = 'accepted'), count(*) FILTER (WHERE status = 'declined'),
		count(*) FILTER (WHERE status = 'expired') FROM proxy_offers`).Scan(&accepted, &declined, &expired)
	if accepted == 0 || expired == 0 {
		t.Errorf("the race did not exercise everything: %d accepted, %d declined, %d expired", accepted, declined, expired)
	}
	t.Logf("%d pending pairs raced: %d accepted, %d declined, %d expired offers", len(pending), accepted, declined, expired)
}
