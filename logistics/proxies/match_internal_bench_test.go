package proxies

import (
	"context"
	"testing"
	"time"

	"scrutin/database/dbtest"
)

// BenchmarkMatchLoadWriteNational measures the batch's database side alone
// (what Match adds around Plan): loading 100,000 requests and 100,000
// volunteers, then writing 100,000 offers with their statuses, links and
// messages, with a stand-in plan (request i to volunteer i). Together with
// the solver's own BenchmarkPlanNational it splits the end-to-end figure
// of BenchmarkMatchBatchNational.
//
//	go test -run '^$' -bench MatchLoadWriteNational -benchtime 1x ./logistics/proxies/
func BenchmarkMatchLoadWriteNational(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	pool := dbtest.New(b)
	e, _, err := BenchElection(ctx, pool, dbtest.SharedData(b, "communes-laposte-hexasmal.csv"), n, 1)
	if err != nil {
		b.Fatal(err)
	}
	d := NewDesk(pool, "http://bench", nil)
	d.InstantOff = true
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, err := pool.Exec(ctx, `DELETE FROM proxy_offers; DELETE FROM proxy_links; DELETE FROM outbox;
			UPDATE proxy_request_rounds SET status = 'open', volunteer_id = NULL`); err != nil {
			b.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `VACUUM ANALYZE proxy_offers, proxy_request_rounds, outbox, proxy_links`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		tx, err := pool.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		in, err := d.load(ctx, tx, e.ID, nil, time.Now(), true)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		var add []Assignment
		served := map[dkey]bool{}
		s := 0
		for _, dm := range in.demands {
			for s < len(in.supplies) && in.supplies[s].Round != dm.Round {
				s++
			}
			if s == len(in.supplies) {
				break
			}
			add = append(add, Assignment{RequestID: dm.RequestID, Round: dm.Round, VolunteerID: in.supplies[s].VolunteerID, Cost: 3})
			served[dkey{dm.RequestID, dm.Round}] = true
			s++
		}
		t2 := time.Now()
		if err := d.write(ctx, tx, e.ID, in, add, nil, served, time.Now()); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(t1.Sub(t0).Milliseconds()), "load-ms")
		b.ReportMetric(float64(time.Since(t2).Milliseconds()), "write+commit-ms")
		b.ReportMetric(float64(len(add)), "offers")
	}
}
