package proxies_test

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"scrutin/database/dbtest"
	"scrutin/logistics/elections"
	"scrutin/logistics/places"
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
	f, err := os.Open(dbtest.SharedData(b, "communes-laposte-hexasmal.csv"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := places.ImportCommunes(ctx, pool, f, nil); err != nil {
		b.Fatal(err)
	}
	f.Close()
	r1 := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	r2 := time.Now().AddDate(0, 1, 7).Format(time.DateOnly)
	e, err := elections.Create(ctx, pool, elections.Input{Name: "Bench", Slug: "bench",
		Rounds: []elections.RoundInput{{Number: 1, Date: r1}, {Number: 2, Date: r2}}})
	if err != nil {
		b.Fatal(err)
	}
	if err := proxies.GenerateLoad(ctx, pool, e.ID, n, 1); err != nil {
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
