package exports_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database"
	"scrutin/database/dbtest"
	"scrutin/exports"
	"scrutin/internal/benchmeter"
	"scrutin/logistics/elections"
	"scrutin/logistics/staff"
)

// National scale, generated in SQL over the real communes (La Poste file):
// 70,000 bureaux, 2 rounds, the 3 default seats each (420,000 seats), 68 %
// of them held by ~143,000 volunteers who serve both rounds, plus 7,000
// volunteers without a seat (~150,000 in all).
//
//	go test ./exports/ -run '^$' -bench DelegateWorkbookNational -benchtime 1x
func BenchmarkDelegateWorkbookNational(b *testing.B) {
	pool := benchData(b, "national", func(ctx context.Context, pool *pgxpool.Pool) error { return loadNational(ctx, b, pool) })
	admin := &staff.User{Email: "bench@example.org", Role: staff.Admin}
	benchExport(b, pool, admin, "delegates", exports.Params{"election": "bench-2027"})
}

// 10,002 credential pages in one document: one commune with 3,334 bureaux,
// 3 people each, both rounds.
//
//	go test ./exports/ -run '^$' -bench DelegateCredentials10k -benchtime 1x
func BenchmarkDelegateCredentials10k(b *testing.B) {
	pool := benchData(b, "credentials", func(ctx context.Context, pool *pgxpool.Pool) error {
		el := benchElection(b, pool)
		for _, sql := range []string{
			`INSERT INTO communes (code, name, departement, search_name) VALUES ('75115', 'Paris 15e Arrondissement', '75', 'paris 15e arrondissement')`,
			`INSERT INTO bureaux (commune_code, code, name, address)
			 SELECT '75115', g::text, 'École élémentaire n° ' || g, g || ' rue de Vaugirard, 75015 Paris' FROM generate_series(1, 3334) g`,
			`INSERT INTO delegate_volunteers (election_id, last_name, first_names, birth_date, birth_place, address, email,
				commune_code, bureau_code, voter_number, roles, rounds)
			 SELECT $1, 'Brûlé-Nguyễn ' || n, 'Zoé Łucja', date '1970-01-01' + n, 'Hanoï (Viêt Nam)', n || ' rue Lecourbe, 75015 Paris',
				'v' || n || '@example.org', '75115', (1 + n % 3334)::text, lpad((10000000 + n)::text, 9, '0'),
				ARRAY[(ARRAY['assesseur_titulaire', 'assesseur_suppleant', 'delegue_titulaire'])[1 + n / 3334]], '{1,2}'
			 FROM generate_series(0, 10001) n`,
			`INSERT INTO delegate_assignments (election_id, round, commune_code, bureau_code, role, volunteer_id, source)
			 SELECT $1, r, commune_code, bureau_code, roles[1], id, 'auto' FROM delegate_volunteers, generate_series(1, 2) r`,
			`VACUUM ANALYZE`, // as autovacuum would have: hint bits set, statistics known
		} {
			if err := execBench(ctx, pool, sql, el.ID); err != nil {
				return err
			}
		}
		return nil
	})
	admin := &staff.User{Email: "bench@example.org", Role: staff.Admin}
	benchExport(b, pool, admin, "credentials", exports.Params{"election": "bench-2027", "commune": "75115"})
}

// execBench runs one statement of a data set, passing the election id when
// it uses $1.
func execBench(ctx context.Context, q interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, sql string, electionID int64) error {
	var args []any
	if strings.Contains(sql, "$1") {
		args = append(args, electionID)
	}
	_, err := q.Exec(ctx, sql, args...)
	return err
}

func benchElection(b *testing.B, pool *pgxpool.Pool) *elections.Election {
	b.Helper()
	el, err := elections.Create(context.Background(), pool, elections.Input{
		Name: "Élections législatives 2027", Slug: "bench-2027",
		Candidate: "Liste « Ensemble pour demain »", Representative: "Camille Martin",
		Rounds: []elections.RoundInput{{Number: 1, Date: "2027-06-13"}, {Number: 2, Date: "2027-06-20"}},
	})
	if err != nil {
		b.Fatal(err)
	}
	return el
}

var benchSets sync.Map // name -> *benchSet

type benchSet struct {
	once sync.Once
	pool *pgxpool.Pool
	err  error
}

// benchData builds a data set once per test binary (benchmarks may run
// their function several times), in its own database kept until the end.
func benchData(b *testing.B, name string, load func(ctx context.Context, pool *pgxpool.Pool) error) *pgxpool.Pool {
	b.Helper()
	v, _ := benchSets.LoadOrStore(name, &benchSet{})
	set := v.(*benchSet)
	set.once.Do(func() {
		ctx := context.Background()
		start := time.Now()
		if set.pool, set.err = database.Connect(ctx, dbtest.NewURL(b)); set.err == nil {
			set.err = load(ctx, set.pool)
		}
		b.Logf("%s data set loaded in %v", name, time.Since(start).Round(time.Millisecond))
	})
	if set.err != nil {
		b.Fatal(set.err)
	}
	return set.pool
}

func loadNational(ctx context.Context, b *testing.B, pool *pgxpool.Pool) error {
	el := benchElection(b, pool)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `CREATE TEMP TABLE laposte (code text, name text, postal text, label text, line5 text, gps text)`); err != nil {
		return err
	}
	f, err := os.Open(dbtest.SharedData(b, "communes-laposte-hexasmal.csv"))
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := conn.Conn().PgConn().CopyFrom(ctx, f, `COPY laposte FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)`); err != nil {
		return err
	}
	for _, sql := range []string{
		`INSERT INTO communes (code, name, departement, latitude, longitude, search_name)
		 SELECT DISTINCT ON (code) code, initcap(lower(name)), departement_of(code),
			nullif(split_part(gps, ',', 1), '')::float8, nullif(split_part(gps, ',', 2), '')::float8, lower(name)
		 FROM laposte WHERE code ~ '^[0-9][0-9AB][0-9]{3}$' ORDER BY code
		 ON CONFLICT (code) DO NOTHING`,
		// bureau 1 everywhere, a bureau 2 in as many communes as make 70,000
		`INSERT INTO bureaux (commune_code, code, name, address)
		 SELECT code, g::text, 'École n° ' || g || ' de ' || name, g || ' place de la Mairie, ' || name
		 FROM (SELECT c.code, c.name, g, row_number() OVER (ORDER BY g, hashtext(c.code)) AS n
		       FROM communes c CROSS JOIN generate_series(1, 2) g) x
		 WHERE n <= 70000`,
		`INSERT INTO delegate_volunteers (election_id, last_name, first_names, birth_date, birth_place, address, email, phone,
			commune_code, bureau_code, voter_number, roles, rounds)
		 SELECT $1, 'Brûlé-Nguyễn ' || n, 'Zoé Łucja', date '1960-01-01' + (n % 15000)::int, 'Hanoï (Viêt Nam)', n || ' rue des Écoles',
			'v' || n || '@example.org', '+336' || lpad(n::text, 8, '0'), commune_code, code, lpad((10000000 + n)::text, 9, '0'),
			ARRAY[role], '{1,2}'
		 FROM (SELECT b.commune_code, b.code, r.role, row_number() OVER () AS n
		       FROM bureaux b CROSS JOIN unnest(ARRAY['assesseur_titulaire', 'assesseur_suppleant', 'delegue_titulaire']) r(role)
		       WHERE abs(hashtext(b.commune_code || '_' || b.code || r.role)) % 100 < 68) s`,
		// one statement per round: the rule-checking trigger of
		// delegate_assignments takes minutes on both rounds at once
		`INSERT INTO delegate_assignments (election_id, round, commune_code, bureau_code, role, volunteer_id, source, confirmed_at)
		 SELECT $1, 1, commune_code, bureau_code, roles[1], id, 'auto', CASE WHEN id % 3 = 0 THEN now() END
		 FROM delegate_volunteers WHERE election_id = $1`,
		`INSERT INTO delegate_assignments (election_id, round, commune_code, bureau_code, role, volunteer_id, source, confirmed_at)
		 SELECT $1, 2, commune_code, bureau_code, roles[1], id, 'auto', CASE WHEN id % 3 = 0 THEN now() END
		 FROM delegate_volunteers WHERE election_id = $1`,
		`INSERT INTO delegate_volunteers (election_id, last_name, first_names, birth_date, birth_place, address, email, phone,
			commune_code, bureau_code, voter_number, roles, rounds)
		 SELECT $1, 'Żółć ' || n, 'Łukasz', date '1970-01-01' + n::int, 'Kraków', n || ' avenue Jean Jaurès', 'free' || n || '@example.org', '',
			commune_code, code, lpad((20000000 + n)::text, 9, '0'), '{delegue_suppleant}', '{1}'
		 FROM (SELECT commune_code, code, row_number() OVER (ORDER BY hashtext(commune_code || code)) AS n FROM bureaux) b WHERE n <= 7000`,
		`VACUUM ANALYZE`, // as autovacuum would have: hint bits set, statistics known
	} {
		if err := execBench(ctx, conn, sql, el.ID); err != nil {
			return err
		}
	}
	var bureaux, volunteers, seats int
	pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM bureaux), (SELECT count(*) FROM delegate_volunteers), (SELECT count(*) FROM delegate_assignments)`).Scan(&bureaux, &volunteers, &seats)
	b.Logf("national data: %d bureaux, %d volunteers, %d seats held", bureaux, volunteers, seats)
	return nil
}

// benchExport times one export and reports its rows, size, allocations,
// peak Go heap (sampled), the process's peak RSS, and the CPU seconds
// spent by this process and by PostgreSQL: on a shared machine wall time
// depends on the neighbours, CPU time much less.
func benchExport(b *testing.B, pool *pgxpool.Pool, u *staff.User, name string, p exports.Params) {
	b.Helper()
	ctx := context.Background()
	var rows int
	var size int64
	meter := benchmeter.Start(20 * time.Millisecond)
	pgBefore := postgresCPU(ctx, pool)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := &countingWriter{}
		res, err := exports.Run(ctx, pool, u, u.Actor(), name, p, w)
		if err != nil {
			b.Fatal(err)
		}
		rows = res.Rows
		size = w.n
	}
	b.StopTimer()
	heap, goCPU := meter.Stop()
	pgCPU := postgresCPU(ctx, pool) - pgBefore
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(float64(size)/1e6, "MB-file")
	b.ReportMetric(float64(heap)/1e6, "MB-peak-heap")
	b.ReportMetric(benchmeter.PeakRSSMB(), "MB-peak-RSS")
	b.ReportMetric(goCPU.Seconds()/float64(b.N), "s-CPU-go/op")
	b.ReportMetric(pgCPU.Seconds()/float64(b.N), "s-CPU-pg/op")
}

// postgresCPU sums the CPU time of the server's backends (from /proc: the
// server runs on this machine in tests), and of its processes that ended
// (parallel workers, closed connections), which the postmaster, their
// parent, counts as its children's time; 0 when it cannot be read.
func postgresCPU(ctx context.Context, pool *pgxpool.Pool) time.Duration {
	rows, err := pool.Query(ctx, `SELECT pid FROM pg_stat_activity`)
	if err != nil {
		return 0
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return 0
	}
	var ticks, postmaster int64
	for _, pid := range pids {
		f := procStat(int64(pid))
		if len(f) > 12 {
			// after the command name: ppid is the 2nd field, utime and stime the 12th and 13th
			postmaster, _ = strconv.ParseInt(f[1], 10, 64)
			ut, _ := strconv.ParseInt(f[11], 10, 64)
			st, _ := strconv.ParseInt(f[12], 10, 64)
			ticks += ut + st
		}
	}
	if f := procStat(postmaster); postmaster > 0 && len(f) > 14 {
		cut, _ := strconv.ParseInt(f[13], 10, 64)
		cst, _ := strconv.ParseInt(f[14], 10, 64)
		ticks += cut + cst
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ
}

// procStat returns the fields of /proc/pid/stat after the command name.
func procStat(pid int64) []string {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	if i := bytes.LastIndexByte(stat, ')'); i > 0 {
		return strings.Fields(string(stat[i+1:]))
	}
	return nil
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)
