package places_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database"
	"scrutin/database/dbtest"
	"scrutin/logistics/check"
	"scrutin/logistics/insee"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// communesFile reads the real communes file of ../shared/data: its lines
// (header first) and its distinct commune codes, in file order.
func communesFile(t *testing.T) (lines, codes []string) {
	t.Helper()
	f, err := os.Open(dbtest.SharedData(t, "communes-laposte-hexasmal.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		lines = append(lines, line)
		if len(lines) == 1 {
			continue
		}
		code, _, _ := strings.Cut(line, ";")
		if !seen[code] {
			seen[code] = true
			codes = append(codes, code)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(codes) < 36000 {
		t.Fatalf("communes file: %d codes", len(codes))
	}
	return lines, codes
}

// overseasCount is how many distinct codes of the file are in dep (Go's
// rule).
func overseasCount(codes []string, dep string) int {
	n := 0
	for _, c := range codes {
		if insee.Departement(c) == dep {
			n++
		}
	}
	return n
}

// A staff filter on a commune of French Polynesia (98735, Papeete) or on
// the collectivity (987) is accepted, and the SQL filter it leads to
// (departement_of, in_scope) finds the commune.
func TestPacificStaffFilter(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	lines, codes := communesFile(t)
	// The overseas collectivities' lines of the real file: 975 and 98x.
	var b bytes.Buffer
	b.WriteString(lines[0] + "\r\n")
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "975") || strings.HasPrefix(l, "98") {
			b.WriteString(l + "\r\n")
		}
	}
	rep := importText(t, pool, "communes", b.Bytes())
	if rep.Skipped != 0 || rep.Inserted == 0 {
		t.Fatalf("import of the overseas lines: %+v", rep)
	}

	tahiti, err := staff.Add(ctx, pool, staff.NewUser{Email: "papeete@example.org", Role: staff.Organizer, Scope: []string{"98735"}})
	if err != nil {
		t.Fatal(err)
	}
	alpes, err := staff.Add(ctx, pool, staff.NewUser{Email: "alpes@example.org", Role: staff.Viewer, Scope: []string{"04"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name             string
		u                *staff.User
		dep, commune     string
		wantDep, wantCom string
		refusal          string // "scope", or the field of a *check.Invalid
	}{
		{"commune in scope", tahiti, "", "98735", "987", "98735", ""},
		{"collectivity reached", tahiti, "987", "", "987", "", ""},
		{"both", tahiti, "987", "98735", "987", "98735", ""},
		{"another commune of 987", tahiti, "", "98758", "", "", "scope"},
		{"New Caledonia", tahiti, "988", "", "", "", "scope"},
		{"national: commune", nil, "", "98735", "987", "98735", ""},
		{"national: collectivity", nil, "987", "", "987", "", ""},
		{"national: Nouméa", nil, "", "98818", "988", "98818", ""},
		{"national: Wallis-et-Futuna", nil, "986", "", "986", "", ""},
		{"national: Saint-Pierre-et-Miquelon", nil, "", "97502", "975", "97502", ""},
		{"Alpes: Papeete", alpes, "", "98735", "", "", "scope"},
		{"Alpes: 987", alpes, "987", "", "", "", "scope"},
		{"no such commune in 987", nil, "", "98799", "", "", "commune"},
		{"Clipperton", nil, "", "98901", "", "", "uninhabited"},
	} {
		dep, com, err := places.CheckKnownArea(ctx, pool, c.u, c.dep, c.commune)
		var outside *places.OutOfScope
		inv, invalid := check.AsInvalid(err)
		switch {
		case c.refusal == "":
			if err != nil || dep != c.wantDep || com != c.wantCom {
				t.Errorf("%s: CheckKnownArea(%q, %q) = %q, %q, %v; want %q, %q", c.name, c.dep, c.commune, dep, com, err, c.wantDep, c.wantCom)
			}
		case c.refusal == "scope":
			if !errors.As(err, &outside) || !errors.Is(err, check.ErrForbidden) {
				t.Errorf("%s: CheckKnownArea(%q, %q) = %q, %q, %v; want out of scope", c.name, c.dep, c.commune, dep, com, err)
			}
		case c.refusal == "uninhabited":
			if !invalid || !strings.Contains(inv.Fields["commune"], "ni habitant ni bureau de vote") {
				t.Errorf("%s: CheckKnownArea(%q, %q): %v; want the uninhabited refusal", c.name, c.dep, c.commune, err)
			}
		default:
			if !invalid || inv.Fields[c.refusal] != "Commune inconnue : "+c.commune+"." {
				t.Errorf("%s: CheckKnownArea(%q, %q): %v; want %s: Commune inconnue", c.name, c.dep, c.commune, err, c.refusal)
			}
		}
	}

	// What the lists do with the filter: departement_of = $dep, in scope.
	inArea := func(u *staff.User, dep string) int {
		var scope []string
		if u != nil {
			scope = u.ScopeArg()
		}
		return count(t, pool, `SELECT count(*) FROM communes WHERE departement_of(code) = $1 AND in_scope(code, $2)`, dep, scope)
	}
	if n := inArea(tahiti, "987"); n != 1 {
		t.Errorf("987 within the scope of 98735: %d communes, want 1", n)
	}
	for _, dep := range []string{"975", "986", "987", "988"} {
		if want, n := overseasCount(codes, dep), inArea(nil, dep); n != want || n == 0 {
			t.Errorf("%s nationally: %d communes, want %d", dep, n, want)
		}
	}
	c, err := places.GetCommune(ctx, pool, "98735")
	if err != nil || c.Departement != "987" {
		t.Errorf("GetCommune(98735) = %+v, %v", c, err)
	}
}

// Migration 021 applies to a database at 020 that holds the real communes
// as the import of the time wrote them (the Pacific's in "98"), with
// proxies in 98735 and 98818 in the expression indexes: it rebuilds those,
// fixes the communes' département, tightens the commune code check, and
// then SQL departement_of says what insee.Departement says of every code
// of the file.
func TestMigration021OnRealCommunes(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	dbtest.MigrateTo(t, pool, 20)
	var old string
	if err := pool.QueryRow(ctx, `SELECT departement_of('98735')`).Scan(&old); err != nil || old != "98" {
		t.Fatalf("before 021, departement_of(98735) = %q, %v", old, err)
	}

	_, codes := communesFile(t)
	if rep := importFile(t, pool, "communes", "communes-laposte-hexasmal.csv"); rep.Inserted != len(codes)-1 {
		t.Fatalf("import: %+v (file: %d codes, Monaco skipped)", rep, len(codes))
	}
	// What the import wrote before 021 (Go then said what departement_of
	// said).
	exec(`UPDATE communes SET departement = departement_of(code)`)
	pacific := overseasCount(codes, "984") + overseasCount(codes, "986") + overseasCount(codes, "987") +
		overseasCount(codes, "988") + overseasCount(codes, "989")
	if n := count(t, pool, `SELECT count(*) FROM communes WHERE departement = '98'`); n != pacific || n == 0 {
		t.Fatalf("before 021: %d communes in 98, want %d", n, pacific)
	}
	var election int64
	if err := pool.QueryRow(ctx, `INSERT INTO elections (slug, name) VALUES ('test', 'Test') RETURNING id`).Scan(&election); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO proxy_requests (election_id, email, first_name, last_name, commune_code)
		VALUES ($1, 'a@example.org', 'A', 'A', '98735'), ($1, 'b@example.org', 'B', 'B', '04070')`, election)
	exec(`INSERT INTO proxy_volunteers (election_id, email, first_name, last_name, birth_date, voter_number, commune_code)
		VALUES ($1, 'c@example.org', 'C', 'C', '1980-01-01', '12345678', '98818')`, election)

	indexes := departementIndexes(t, pool)
	if len(indexes) < 3 {
		t.Fatalf("indexes on departement_of before 021: %v", indexes)
	}
	from, to, err := database.Migrate(ctx, pool)
	if err != nil || from != 20 || to < 21 {
		t.Fatalf("Migrate = %d, %d, %v; want from 20", from, to, err)
	}
	if after := departementIndexes(t, pool); strings.Join(after, " ") != strings.Join(indexes, " ") {
		t.Errorf("indexes on departement_of: %v before 021, %v after", indexes, after)
	}

	// Go and SQL agree on every code of the file (Monaco's included).
	rows, err := pool.Query(ctx, `SELECT c, departement_of(c) FROM unnest($1::text[]) c`, codes)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var code, dep string
		if err := rows.Scan(&code, &dep); err != nil {
			t.Fatal(err)
		}
		if n++; dep != insee.Departement(code) {
			t.Errorf("departement_of(%q) = %q, insee.Departement = %q", code, dep, insee.Departement(code))
		}
	}
	if err := rows.Err(); err != nil || n != len(codes) {
		t.Fatalf("%d codes compared of %d: %v", n, len(codes), err)
	}
	// The communes' département is the rule's, and every stored code is
	// a known commune's but Clipperton's (an island with no inhabitant).
	if n := count(t, pool, `SELECT count(*) FROM communes WHERE departement IS DISTINCT FROM departement_of(code)`); n != 0 {
		t.Errorf("after 021: %d communes with another département than departement_of", n)
	}
	for _, dep := range []string{"975", "984", "986", "987", "988", "989"} {
		if want, n := overseasCount(codes, dep), count(t, pool, `SELECT count(*) FROM communes WHERE departement = $1`, dep); n != want {
			t.Errorf("after 021: %d communes in %s, want %d", n, dep, want)
		}
	}
	var unknown []string
	if err := pool.QueryRow(ctx, `SELECT coalesce(array_agg(code ORDER BY code), '{}') FROM communes`).Scan(&unknown); err != nil {
		t.Fatal(err)
	}
	unknown = filterCodes(unknown, func(c string) bool { return !insee.KnownCommune(c) })
	if strings.Join(unknown, " ") != "98901" {
		t.Errorf("stored codes insee.KnownCommune refuses: %v, want Clipperton's alone", unknown)
	}

	// The check is insee.ValidCommune's.
	var def string
	if err := pool.QueryRow(ctx, `SELECT pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = 'communes'::regclass AND conname = 'communes_code_check'`).Scan(&def); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(def, "2[AB]") {
		t.Errorf("communes_code_check: %s", def)
	}
	for _, code := range []string{"1A001", "9B123", "2a004", "0400A"} {
		_, err := pool.Exec(ctx, `INSERT INTO communes (code, name, departement, search_name) VALUES ($1, 'X', 'X', 'x')`, code)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23514" || insee.ValidCommune(code) {
			t.Errorf("commune %q: %v, want a check violation", code, err)
		}
	}

	// The expression indexes answer with the new function.
	checkIndex(t, pool, "proxy_requests", "proxy_requests_departement_idx", "987", 1)
	checkIndex(t, pool, "proxy_requests", "proxy_requests_departement_idx", "98", 0)
	checkIndex(t, pool, "proxy_volunteers", "proxy_volunteers_departement_idx", "988", 1)
	checkIndex(t, pool, "proxy_volunteers", "proxy_volunteers_departement_idx", "98", 0)

	// And the staff filter works on the migrated database.
	if dep, com, err := places.CheckKnownArea(ctx, pool, nil, "", "98735"); err != nil || dep != "987" || com != "98735" {
		t.Errorf("CheckKnownArea(98735) = %q, %q, %v", dep, com, err)
	}
}

// A commune code that is not one (001 let "1A001" in) does not fail 021:
// the function is replaced, the old check stays.
func TestMigration021KeepsOldCheckOnOddCodes(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	dbtest.MigrateTo(t, pool, 20)
	if _, err := pool.Exec(ctx, `INSERT INTO communes (code, name, departement, search_name)
		VALUES ('1A001', 'Ailleurs', '1A', 'ailleurs'), ('98735', 'Papeete', '98', 'papeete')`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := database.Migrate(ctx, pool); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	var def, dep string
	if err := pool.QueryRow(ctx, `SELECT pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = 'communes'::regclass AND conname = 'communes_code_check'`).Scan(&def); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(def, "2[AB]") || !strings.Contains(def, "[0-9AB]") {
		t.Errorf("communes_code_check: %s, want 001's", def)
	}
	if err := pool.QueryRow(ctx, `SELECT departement FROM communes WHERE code = '98735'`).Scan(&dep); err != nil || dep != "987" {
		t.Errorf("98735 in %q, %v; want 987", dep, err)
	}
}

// departementIndexes lists the indexes whose definition calls
// departement_of.
func departementIndexes(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	var names []string
	if err := pool.QueryRow(context.Background(), `SELECT coalesce(array_agg(indexrelid::regclass::text ORDER BY indexrelid::regclass::text), '{}')
		FROM pg_index WHERE pg_get_indexdef(indexrelid) LIKE '%departement_of(%'`).Scan(&names); err != nil {
		t.Fatal(err)
	}
	return names
}

// checkIndex counts the rows of table whose departement_of(commune_code)
// is dep, read through index (sequential scans off).
func checkIndex(t *testing.T, pool *pgxpool.Pool, table, index, dep string, want int) {
	t.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, `RESET enable_seqscan`)
	q := `SELECT count(*) FROM ` + table + ` WHERE departement_of(commune_code) = $1`
	var plan strings.Builder
	rows, err := conn.Query(ctx, `EXPLAIN `+q, dep)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan.String(), index) {
		t.Fatalf("%s: the plan does not read %s:\n%s", table, index, plan.String())
	}
	var n int
	if err := conn.QueryRow(ctx, q, dep).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("%s through %s: %d rows in %s, want %d", table, index, n, dep, want)
	}
}

func filterCodes(codes []string, keep func(string) bool) []string {
	var out []string
	for _, c := range codes {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}
