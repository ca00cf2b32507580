package delegates_test

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database/dbtest"
	"scrutin/internal/benchmeter"
	"scrutin/logistics/delegates"
	"scrutin/logistics/elections"
	"scrutin/logistics/staff"
)

// National scale, generated in SQL over the real communes (La Poste file,
// with their coordinates): 70,000 bureaux (one per commune, and 250, 100,
// 40 or 10 more in 10, 40, 250 and about 1,700 towns, roughly the French
// distribution, spread around the town centre), the 3
// default seats each (210,000 seats a round), and 150,000 volunteers
// registered in random bureaux with a mix of roles, all available in round
// 1 (70 % in round 2 too), and travel limits (30 % own bureau, 45 % own
// commune, 25 % 2 to 30 km).
//
//	go test ./logistics/delegates -run '^$' -bench AssignNational -benchtime 1x
//
// "round1" is the first run of round 1 (every seat empty), "round1-again"
// a second run on the result (nothing changed), "round1-after-changes" a
// run after 1 % of the volunteers withdrew and as many came back; "both"
// is a first run of both rounds (420,000 seats) from empty seats.
func BenchmarkAssignNational(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.New(b)
	e := loadNationalDelegates(b, pool)
	desk := &delegates.Desk{Pool: pool, BaseURL: "https://scrutin.example.org"}
	one := 1
	round := &one
	run := func(b *testing.B) {
		var res *delegates.RunResult
		pg := startServerCPU(b, pool)
		measure(b, func() {
			var err error
			if res, err = desk.Run(ctx, nil, "cli", delegates.RunInput{Election: e.Slug, Round: round}); err != nil {
				b.Fatal(err)
			}
		})
		b.ReportMetric(pg.stop().Seconds(), "s-cpu-pg")
		b.ReportMetric(float64(res.Seats), "seats")
		b.ReportMetric(float64(res.Assigned), "assigned")
		b.ReportMetric(float64(res.Added), "added")
		b.ReportMetric(float64(res.Removed), "removed")
		b.ReportMetric(float64(res.TimingMs["load"]), "ms-load")
		b.ReportMetric(float64(res.TimingMs["solve"]), "ms-solve")
		b.ReportMetric(float64(res.TimingMs["write"]), "ms-write")
		b.ReportMetric(float64(res.TimingMs["notify"]), "ms-notify")
		b.ReportMetric(float64(res.Notified), "notified")
	}
	empty := func(b *testing.B) {
		b.StopTimer()
		if _, err := pool.Exec(ctx, `TRUNCATE delegate_assignments, delegate_links, outbox`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.Run("round1", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			empty(b)
			run(b)
		}
		b.StopTimer()
		checkDatabaseRules(b, pool, e.ID) // every hard rule, at national scale
	})
	b.Run("round1-again", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			run(b)
		}
	})
	b.Run("round1-after-changes", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			for _, sql := range []string{
				`DELETE FROM delegate_assignments WHERE volunteer_id IN (SELECT id FROM delegate_volunteers WHERE status = 'active' AND id % 100 = ` + itoa(i) + `)`,
				`UPDATE delegate_volunteers SET status = 'withdrawn' WHERE status = 'active' AND id % 100 = ` + itoa(i),
				`UPDATE delegate_volunteers SET status = 'active' WHERE status = 'withdrawn' AND id % 100 = ` + itoa((i+50)%100),
			} {
				if _, err := pool.Exec(ctx, sql); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
			run(b)
		}
	})
	b.Run("both", func(b *testing.B) {
		round = nil
		for i := 0; i < b.N; i++ {
			empty(b)
			run(b)
		}
	})
}

func itoa(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

// measure times fn and reports the CPU time of the Go process (the machine
// may be shared: wall time then overstates), the peak Go heap (sampled)
// and the peak RSS of the process.
func measure(b *testing.B, fn func()) {
	meter := benchmeter.Start(10 * time.Millisecond)
	start := time.Now()
	fn()
	elapsed := time.Since(start)
	heap, cpu := meter.Stop()
	b.ReportMetric(elapsed.Seconds(), "s-run")
	b.ReportMetric(cpu.Seconds(), "s-cpu-go")
	b.ReportMetric(float64(heap)/1e6, "MB-peak-heap")
	b.ReportMetric(benchmeter.PeakRSSMB(), "MB-peak-RSS")
}

// serverCPU is the CPU time of the test's PostgreSQL server (its postmaster,
// the processes it runs and those it has reaped: backends, parallel
// workers, WAL writer, checkpointer), from /proc: on a shared machine
// wall time says little of what a change costs the database.
type serverCPU struct {
	postmaster int
	start      time.Duration
}

func startServerCPU(b *testing.B, pool *pgxpool.Pool) *serverCPU {
	b.Helper()
	var backend int
	if err := pool.QueryRow(context.Background(), `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		b.Fatal(err)
	}
	s := &serverCPU{}
	if st, ok := procStat(backend); ok {
		s.postmaster = st.ppid
		s.start = s.total()
	}
	return s
}

func (s *serverCPU) stop() time.Duration {
	if s.postmaster == 0 {
		return 0
	}
	return s.total() - s.start
}

func (s *serverCPU) total() time.Duration {
	var ticks int64
	if st, ok := procStat(s.postmaster); ok {
		ticks += st.self + st.children
	}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if st, ok := procStat(pid); ok && st.ppid == s.postmaster {
			ticks += st.self
		}
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

type procTimes struct {
	ppid           int
	self, children int64 // utime+stime, cutime+cstime (clock ticks)
}

func procStat(pid int) (procTimes, bool) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procTimes{}, false
	}
	// pid (comm) state ppid ...: comm may hold spaces, the fields after
	// the last ')' do not.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	if len(f) < 15 {
		return procTimes{}, false
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
	// f[0] is the state (field 3): utime is field 14, so f[11].
	return procTimes{ppid: int(n(1)), self: n(11) + n(12), children: n(13) + n(14)}, true
}

func loadNationalDelegates(b *testing.B, pool *pgxpool.Pool) *elections.Election {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	e, err := elections.Create(ctx, pool, elections.Input{Name: "Législatives (banc d'essai)", Slug: "bench-national",
		Rounds: []elections.RoundInput{{Number: 1, Date: time.Now().AddDate(0, 0, 35-int(time.Now().Weekday())).Format(time.DateOnly)}, {Number: 2, Date: time.Now().AddDate(0, 0, 42-int(time.Now().Weekday())).Format(time.DateOnly)}}})
	if err != nil {
		b.Fatal(err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `CREATE TEMP TABLE laposte (code text, name text, postal text, label text, line5 text, gps text)`); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(dbtest.SharedData(b, "communes-laposte-hexasmal.csv"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := conn.Conn().PgConn().CopyFrom(ctx, f, `COPY laposte FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)`); err != nil {
		b.Fatal(err)
	}
	for _, sql := range []string{
		`INSERT INTO communes (code, name, departement, latitude, longitude, search_name)
		 SELECT DISTINCT ON (code) code, initcap(lower(name)), departement_of(code),
			nullif(split_part(gps, ',', 1), '')::float8, nullif(split_part(gps, ',', 2), '')::float8, lower(name)
		 FROM laposte WHERE code ~ '^[0-9][0-9AB][0-9]{3}$' AND code NOT IN ('75056', '69123', '13055') ORDER BY code, gps DESC`,
		// One bureau per commune; about 2,000 towns get 250, 100, 40 or 10
		// more, spread around their centre, up to 70,000 in all.
		`CREATE TEMP TABLE sizes AS
		 SELECT code, 1 + CASE WHEN rk <= 10 THEN 250 WHEN rk <= 50 THEN 100 WHEN rk <= 300 THEN 40
			WHEN rk <= 300 + (70000 - total - 16500) / 10 THEN 10 ELSE 0 END AS nb
		 FROM (SELECT code, row_number() OVER (ORDER BY hashtext(code || 'size')) AS rk, count(*) OVER () AS total FROM communes WHERE latitude IS NOT NULL) c`,
		`INSERT INTO bureaux (commune_code, code, name, address, postal_code, latitude, longitude)
		 SELECT c.code, g::text, 'École n° ' || g, g || ' place de la Mairie, ' || c.name, '',
			c.latitude + (hashtext(c.code || g || 'lat') % 1000) / 1000.0 * sqrt(s.nb) * 0.6 / 111,
			c.longitude + (hashtext(c.code || g || 'lon') % 1000) / 1000.0 * sqrt(s.nb) * 0.6 / 78
		 FROM communes c JOIN sizes s USING (code) CROSS JOIN LATERAL generate_series(1, s.nb) g
		 ORDER BY hashtext(c.code || g) LIMIT 70000`,
		`CREATE TEMP TABLE numbered AS SELECT commune_code, code, row_number() OVER (ORDER BY commune_code, code) AS idx FROM bureaux`,
		`CREATE INDEX ON numbered (idx)`,
		`INSERT INTO delegate_volunteers (election_id, last_name, first_names, birth_date, birth_place, address, postal_code, email, phone,
			commune_code, bureau_code, voter_number, roles, rounds, max_distance_km)
		 SELECT $1, 'Brûlé-Nguyễn ' || n, 'Zoé', date '1960-01-01' + (n % 15000)::int, 'Hanoï (Viêt Nam)', n || ' rue des Écoles', '',
			'v' || n || '@example.org', '', b.commune_code, b.code, lpad((10000000 + n)::text, 9, '0'),
			CASE WHEN h1 < 35 THEN '{assesseur_titulaire,assesseur_suppleant}'::text[]
			     WHEN h1 < 55 THEN '{assesseur_titulaire}' WHEN h1 < 70 THEN '{assesseur_suppleant}'
			     WHEN h1 < 85 THEN '{delegue_titulaire,delegue_suppleant}'
			     ELSE '{assesseur_titulaire,assesseur_suppleant,delegue_titulaire,delegue_suppleant}' END,
			CASE WHEN h2 < 70 THEN '{1,2}'::smallint[] ELSE '{1}' END,
			CASE WHEN h3 < 30 THEN 0 WHEN h3 < 75 THEN NULL WHEN h3 < 85 THEN 2 WHEN h3 < 93 THEN 5 WHEN h3 < 97 THEN 10 WHEN h3 < 99 THEN 20 ELSE 30 END
		 FROM (SELECT n, abs(hashtext(n || 'b')) % 70000 + 1 AS idx, abs(hashtext(n || 'r')) % 100 AS h1,
				abs(hashtext(n || 't')) % 100 AS h2, abs(hashtext(n || 'd')) % 100 AS h3
		       FROM generate_series(1, 150000) n) v
		 JOIN numbered b USING (idx)`,
		`ANALYZE`,
	} {
		args := []any{}
		if containsParam(sql) {
			args = append(args, e.ID)
		}
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			b.Fatalf("%v\n%s", err, sql)
		}
	}
	var bureaux, volunteers int
	pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM bureaux), (SELECT count(*) FROM delegate_volunteers)`).Scan(&bureaux, &volunteers)
	b.Logf("national data: %d bureaux, %d volunteers, loaded in %v", bureaux, volunteers, time.Since(start).Round(time.Millisecond))
	return e
}

func containsParam(sql string) bool {
	for i := 0; i+1 < len(sql); i++ {
		if sql[i] == '$' && sql[i+1] == '1' {
			return true
		}
	}
	return false
}

// BenchmarkImportPrioritiesNational: a priorities file with a line for
// each of the 70,000 bureaux of the national instance (priorities 1 to 9),
// imported by an admin: all or nothing, in one transaction.
//
//	go test ./logistics/delegates -run '^$' -bench ImportPrioritiesNational -benchtime 1x
func BenchmarkImportPrioritiesNational(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.New(b)
	e := loadNationalDelegates(b, pool)
	admin, err := staff.Add(ctx, pool, staff.NewUser{Email: "banc@example.org", Name: "Banc d'essai", Role: staff.Admin})
	if err != nil {
		b.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT commune_code, code FROM bureaux ORDER BY 1, 2`)
	if err != nil {
		b.Fatal(err)
	}
	var file bytes.Buffer
	file.WriteString("commune_code,bureau_code,priority\n")
	lines := 0
	for rows.Next() {
		var commune, bureau string
		if err := rows.Scan(&commune, &bureau); err != nil {
			b.Fatal(err)
		}
		file.WriteString(commune + "," + bureau + "," + strconv.Itoa(1+lines%9) + "\n")
		lines++
	}
	if rows.Err() != nil {
		b.Fatal(rows.Err())
	}
	desk := &delegates.Desk{Pool: pool, BaseURL: "https://scrutin.example.org"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := desk.ImportPriorities(ctx, admin, e.Slug, bytes.NewReader(file.Bytes()))
		if err != nil || n != lines {
			b.Fatalf("imported %d of %d lines: %v", n, lines, err)
		}
	}
	b.StopTimer()
	var stored int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM delegate_priorities WHERE election_id = $1`, e.ID).Scan(&stored); err != nil {
		b.Fatal(err)
	}
	if want := lines - (lines+8)/9; stored != want {
		b.Fatalf("%d priorities stored, want %d (every line but those of priority 1)", stored, want)
	}
	b.ReportMetric(float64(lines), "lines")
}
