package proxies_test

import (
	"context"
	"runtime"
	"testing"

	"scrutin/database/dbtest"
	"scrutin/logistics/proxies"
)

// BenchmarkMatchBatchNational: the batch end to end (load from
// PostgreSQL, solve, withdraw/insert offers with COPY, statuses, links and
// messages) for 100,000 open requests against 100,000 volunteers placed in
// the real communes of ../shared/data. Run it alone:
//
//	go test -run '^$' -bench MatchBatchNational -benchtime 1x ./logistics/proxies/
func BenchmarkMatchBatchNational(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	pool := dbtest.New(b)
	e, _, err := proxies.BenchElection(ctx, pool, dbtest.SharedData(b, "communes-laposte-hexasmal.csv"), n, 1)
	if err != nil {
		b.Fatal(err)
	}
	desk := proxies.NewDesk(pool, "http://bench", nil)
	desk.InstantOff = true
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// Every iteration starts from no offer at all.
		if _, err := pool.Exec(ctx, `DELETE FROM proxy_offers; DELETE FROM proxy_links; DELETE FROM outbox;
			UPDATE proxy_request_rounds SET status = 'open', volunteer_id = NULL`); err != nil {
			b.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `VACUUM ANALYZE proxy_offers, proxy_request_rounds`); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		b.StartTimer()
		res, err := desk.Match(ctx, e.ID, proxies.MatchOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Proposed), "proposed")
		b.ReportMetric(float64(res.Unmatched), "unmatched")
		b.ReportMetric(float64(res.LoadMs), "load-ms")
		b.ReportMetric(float64(res.SolveMs), "solve-ms")
		b.ReportMetric(float64(res.WriteMs), "write-ms")
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.Sys)/(1<<20), "sys-MiB")
}
