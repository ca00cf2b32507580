package proxies

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"scrutin/logistics/elections"
	"scrutin/logistics/places"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// BenchElection is the setup of every batch benchmark (go test -bench
// MatchBatch, scrutin bench proxies, the staff list's benchmark): it
// imports the La Poste communes file at communesPath, creates the election
// "bench" (rounds in one month and in five weeks) and fills it with
// GenerateLoad(n, seed). It returns the election and how many communes
// were imported.
func BenchElection(ctx context.Context, pool *pgxpool.Pool, communesPath string, n int, seed uint64) (*elections.Election, int, error) {
	f, err := os.Open(communesPath)
	if err != nil {
		return nil, 0, fmt.Errorf("communes file: %w", err)
	}
	rep, err := places.ImportCommunes(ctx, pool, f, nil)
	f.Close()
	if err != nil {
		return nil, 0, err
	}
	r1 := time.Now().AddDate(0, 0, 35-int(time.Now().Weekday())) // rounds are on Sundays: one in about a month
	e, err := elections.Create(ctx, pool, elections.Input{Name: "Bench", Slug: "bench", Rounds: []elections.RoundInput{
		{Number: 1, Date: r1.Format(time.DateOnly)}, {Number: 2, Date: r1.AddDate(0, 0, 7).Format(time.DateOnly)}}})
	if err != nil {
		return nil, 0, err
	}
	if err := GenerateLoad(ctx, pool, e.ID, n, seed); err != nil {
		return nil, 0, err
	}
	return e, rep.Inserted + rep.Updated, nil
}

// GenerateLoad adds n open requests (round 1) and n volunteers (rounds 1
// and 2, 10 km) to an election, each in a commune drawn at random (seeded)
// among those with coordinates, weighted by their number of postal codes
// (a rough size proxy, as the solver's own benchmark does), with COPY. It
// is the input of the batch benchmarks (go test -bench MatchBatch,
// scrutin bench proxies): real places, made-up people.
func GenerateLoad(ctx context.Context, pool *pgxpool.Pool, electionID int64, n int, seed uint64) error {
	rows, err := pool.Query(ctx, `SELECT c.code, c.latitude, c.longitude, count(p.postal_code) FROM communes c
		LEFT JOIN postal_codes p ON p.commune_code = c.code
		WHERE c.latitude IS NOT NULL AND c.code NOT IN ('75056', '69123', '13055') GROUP BY c.code ORDER BY c.code`)
	if err != nil {
		return err
	}
	type place struct {
		code     string
		lat, lon float64
	}
	var cs []place
	for rows.Next() {
		var p place
		var weight int
		if err := rows.Scan(&p.code, &p.lat, &p.lon, &weight); err != nil {
			rows.Close()
			return err
		}
		for k := 0; k < max(weight, 1); k++ {
			cs = append(cs, p)
		}
	}
	rows.Close()
	if len(cs) == 0 {
		return fmt.Errorf("no commune with coordinates: import the communes first")
	}
	rnd := rand.New(rand.NewPCG(seed, seed^0x5eed))
	now := time.Now()
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var firstReq, firstVol int64
		if err := tx.QueryRow(ctx, `SELECT nextval('proxy_requests_id_seq'), nextval('proxy_volunteers_id_seq')`).Scan(&firstReq, &firstVol); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT setval('proxy_requests_id_seq', $1), setval('proxy_volunteers_id_seq', $2)`,
			firstReq+int64(n), firstVol+int64(n)); err != nil {
			return err
		}
		reqs := make([][]any, n)
		reqRounds := make([][]any, n)
		vols := make([][]any, n)
		volRounds := make([][]any, 0, 2*n)
		for i := 0; i < n; i++ {
			c := cs[rnd.IntN(len(cs))]
			id := firstReq + int64(i)
			reqs[i] = []any{id, electionID, fmt.Sprintf("m%d@bench.example", id), "Mandant", fmt.Sprint(id),
				fmt.Sprintf("+3361%07d", i), c.code, "", c.lat, c.lon, now, now}
			reqRounds[i] = []any{id, int16(1), now}
			c = cs[rnd.IntN(len(cs))]
			vid := firstVol + int64(i)
			vols[i] = []any{vid, electionID, fmt.Sprintf("v%d@bench.example", vid), "Volontaire", fmt.Sprint(vid),
				fmt.Sprintf("+3362%07d", i), time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), fmt.Sprintf("%09d", i), c.code, "", c.lat, c.lon, 10, now, now}
			volRounds = append(volRounds, []any{vid, int16(1)}, []any{vid, int16(2)})
		}
		copies := []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"proxy_requests", []string{"id", "election_id", "email", "first_name", "last_name", "phone", "commune_code", "bureau_code", "latitude", "longitude", "created_at", "updated_at"}, reqs},
			{"proxy_request_rounds", []string{"request_id", "round", "status_at"}, reqRounds},
			{"proxy_volunteers", []string{"id", "election_id", "email", "first_name", "last_name", "phone", "birth_date", "voter_number", "commune_code", "bureau_code", "latitude", "longitude", "max_distance_km", "created_at", "updated_at"}, vols},
			{"proxy_volunteer_rounds", []string{"volunteer_id", "round"}, volRounds},
		}
		for _, c := range copies {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
				return fmt.Errorf("copy %s: %w", c.table, err)
			}
		}
		_, err := tx.Exec(ctx, `ANALYZE proxy_requests; ANALYZE proxy_request_rounds; ANALYZE proxy_volunteers; ANALYZE proxy_volunteer_rounds`)
		return err
	})
}
