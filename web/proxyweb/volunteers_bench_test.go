package proxyweb_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"scrutin/database/dbtest"
	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
	"scrutin/web"
	"scrutin/web/proxyweb"
	"scrutin/web/webtest"
)

// BenchmarkVolunteerListPage: the staff list of volunteers, over HTTP
// (session, counts per situation, one page of 50, template), with 100,000
// volunteers in the real communes (proxies.GenerateLoad): 30 % with a
// pending offer, 30 % carrying a proxy, 5 % withdrawn, declined offers in
// the history. Run it alone:
//
//	go test -run '^$' -bench VolunteerListPage -benchtime 20x ./web/proxyweb
func BenchmarkVolunteerListPage(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	env := webtest.Start(b, webtest.Options{Modules: []web.Module{proxyweb.Routes}})
	e, _, err := proxies.BenchElection(ctx, env.Pool, dbtest.SharedData(b, "communes-laposte-hexasmal.csv"), n, 1)
	if err != nil {
		b.Fatal(err)
	}
	// Volunteer k (in id order) gets request k: pending for k % 10 in 0..2,
	// accepted in 3..5, declined in 6..7; withdrawn when k % 20 = 19.
	if _, err := env.Pool.Exec(ctx, `
		WITH v AS (SELECT id, row_number() OVER (ORDER BY id) AS k FROM proxy_volunteers WHERE election_id = $1),
			r AS (SELECT id, row_number() OVER (ORDER BY id) AS k FROM proxy_requests WHERE election_id = $1)
		INSERT INTO proxy_offers (election_id, request_id, round, volunteer_id, status, expires_at, answered_at)
		SELECT $1, r.id, 1, v.id, CASE WHEN v.k % 10 < 3 THEN 'pending' WHEN v.k % 10 < 6 THEN 'accepted' ELSE 'declined' END,
			now() + interval '1 day', CASE WHEN v.k % 10 >= 3 THEN now() END
		FROM v JOIN r USING (k) WHERE v.k % 10 < 8`, e.ID); err != nil {
		b.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `
		UPDATE proxy_request_rounds rr SET status = CASE o.status WHEN 'pending' THEN 'proposed' ELSE 'accepted' END,
			volunteer_id = CASE WHEN o.status = 'accepted' THEN o.volunteer_id END
		FROM proxy_offers o WHERE o.request_id = rr.request_id AND o.round = rr.round AND o.status IN ('pending', 'accepted');
		UPDATE proxy_volunteers v SET status = 'withdrawn' FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM proxy_volunteers) x
		WHERE x.id = v.id AND x.k % 20 = 19`); err != nil {
		b.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `VACUUM ANALYZE proxy_offers, proxy_request_rounds, proxy_volunteers, proxy_volunteer_rounds`); err != nil {
		b.Fatal(err)
	}
	var deep int64
	if err := env.Pool.QueryRow(ctx, `SELECT id FROM proxy_volunteers ORDER BY id OFFSET 90000 LIMIT 1`).Scan(&deep); err != nil {
		b.Fatal(err)
	}
	admin := env.AdminToken(b)
	org13 := env.StaffToken(b, "org13@example.org", staff.Organizer, "13")
	for _, c := range []struct{ name, token, path string }{
		{"national/first-page", admin, "/staff/procurations/volontaires"},
		{"national/page-after-90000", admin, fmt.Sprintf("/staff/procurations/volontaires?after=%d", deep)},
		{"national/carrying", admin, "/staff/procurations/volontaires?status=carrying"},
		{"national/withdrawn", admin, "/staff/procurations/volontaires?status=withdrawn"},
		{"national/round2-available", admin, "/staff/procurations/volontaires?round=2&status=available"},
		{"national/commune-13055-arrondissement", admin, "/staff/procurations/volontaires?commune=13201"},
		{"organizer-13/first-page", org13, "/staff/procurations/volontaires"},
		{"organizer-13/offered", org13, "/staff/procurations/volontaires?status=offered"},
		{"api/national-1000", admin, "/api/v1/proxy-volunteers?limit=1000"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				req, _ := http.NewRequest("GET", env.URL+c.path, nil)
				req.Header.Set("Authorization", "Bearer "+c.token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("%s: %d %s", c.path, resp.StatusCode, body)
				}
			}
		})
	}
}
