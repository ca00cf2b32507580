package pgdb_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/database/dbtest"
	"scrutin/logistics/pgdb"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// CopyRows writes what pgx reads back, for every type it encodes, across
// several of its 64 kB chunks; skipped rows are not written.
func TestCopyRowsRoundTrip(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE copied (n integer PRIMARY KEY, big bigint, small smallint, f double precision,
		s text, b bytea, at timestamptz, maybe text)`); err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	type row struct {
		big   int64
		small int16
		f     float64
		s     string
		b     []byte
		at    time.Time
		maybe *string
	}
	note := "une note"
	want := map[int]row{}
	const n = 5000
	for i := 0; i < n; i++ {
		r := row{big: int64(i) * -1_000_000_007, small: int16(i - 2500), f: float64(i) / 7, s: "Élodie « ✓ » n°" + string(rune('a'+i%26)),
			b: []byte{byte(i), 0, 255}, at: time.Date(1999+i%30, time.March, 30, 2, 30, 0, (i%1000)*1000, paris)}
		if i%3 == 0 {
			r.maybe = &note
		}
		if i%5 == 4 {
			r.s, r.b = "", []byte{}
		}
		switch i {
		case 1:
			r.f = math.Inf(-1)
		case 2:
			r.f = math.MaxFloat64
		}
		want[i] = r
	}
	copyAll := func(tx pgx.Tx) (int64, error) {
		return pgdb.CopyRows(ctx, tx, "copied", []string{"n", "big", "small", "f", "s", "b", "at", "maybe"}, n, func(i int, w *pgdb.Row) bool {
			if i%10 == 9 {
				return false
			}
			r := want[i]
			w.Int8(int64(i))
			w.Int8(r.big)
			w.Int2(r.small)
			w.Float8(r.f)
			w.Text(r.s)
			w.Bytea(r.b)
			w.Timestamptz(r.at)
			if r.maybe == nil {
				w.Null()
			} else {
				w.Text(*r.maybe)
			}
			return true
		})
	}
	// n is an integer: its rows are refused whole.
	if err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error { _, err := copyAll(tx); return err }); err == nil {
		t.Fatal("a bigint into an integer column was accepted")
	}
	if _, err := pool.Exec(ctx, `ALTER TABLE copied ALTER COLUMN n TYPE bigint`); err != nil {
		t.Fatal(err)
	}
	err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		got, err := copyAll(tx)
		if err == nil && got != n-n/10 {
			t.Errorf("%d rows inserted, want %d", got, n-n/10)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT n, big, small, f, s, b, at, maybe FROM copied ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var i int64
		var r row
		if err := rows.Scan(&i, &r.big, &r.small, &r.f, &r.s, &r.b, &r.at, &r.maybe); err != nil {
			t.Fatal(err)
		}
		w := want[int(i)]
		if i%10 == 9 || r.big != w.big || r.small != w.small || r.f != w.f || r.s != w.s || !slices.Equal(r.b, w.b) || !r.at.Equal(w.at) ||
			(r.maybe == nil) != (w.maybe == nil) || r.maybe != nil && *r.maybe != *w.maybe {
			t.Fatalf("row %d read back as %+v, written %+v", i, r, w)
		}
		seen++
	}
	if err := rows.Err(); err != nil || seen != n-n/10 {
		t.Fatalf("%d rows read back (%v)", seen, err)
	}

	// A row with a missing field fails the whole COPY.
	err = pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		_, err := pgdb.CopyRows(ctx, tx, "copied", []string{"n", "big"}, 3, func(i int, w *pgdb.Row) bool {
			w.Int8(int64(n + i))
			if i != 1 {
				w.Int8(0)
			}
			return true
		})
		return err
	})
	var count int
	if qerr := pool.QueryRow(ctx, `SELECT count(*) FROM copied WHERE n >= $1`, n).Scan(&count); qerr != nil {
		t.Fatal(qerr)
	}
	if err == nil || count != 0 {
		t.Fatalf("a short row: err %v, %d rows inserted", err, count)
	}
}
