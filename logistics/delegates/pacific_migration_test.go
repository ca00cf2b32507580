package delegates_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database"
	"scrutin/database/dbtest"
	"scrutin/logistics/delegates"
	"scrutin/logistics/elections"
	"scrutin/logistics/staff"
	"scrutin/migrations"
)

// pacificAt22 is a database at 022 holding "98" where 021 left it: in
// two staff scopes, a role rule of both rounds, a representative and a
// run, beside a rule of 987 an admin made since (round 2) and rows that
// have nothing to do with "98". It returns the election's id.
func pacificAt22(t *testing.T, pool *pgxpool.Pool) int64 {
	t.Helper()
	ctx := context.Background()
	dbtest.MigrateTo(t, pool, 22)
	var e int64
	if err := pool.QueryRow(ctx, `INSERT INTO elections (slug, name, representative) VALUES ('pacifique', 'Test', 'Camille Martin') RETURNING id`).Scan(&e); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`INSERT INTO communes (code, name, departement, search_name) VALUES
			('98735', 'Papeete', '987', 'papeete'), ('98818', 'Noumea', '988', 'noumea'), ('98611', 'Alo', '986', 'alo'),
			('98901', 'Ile de Clipperton', '989', 'ile de clipperton'), ('04070', 'Digne-les-Bains', '04', 'digne les bains')`,
		`INSERT INTO bureaux (commune_code, code, name) VALUES ('98735', '1', 'Mairie'), ('98735', '2', 'École'), ('98818', '1', 'Mairie'), ('04070', '1', 'Mairie')`,
		`INSERT INTO rounds (election_id, number, date) VALUES ($1, 1, '2027-04-11'), ($1, 2, '2027-04-25')`,
		`INSERT INTO staff_users (email, role, scope) VALUES
			('tahiti@example.org', 'organizer', '{98,04070}'), ('double@example.org', 'viewer', '{987,98}'), ('alpes@example.org', 'viewer', '{04}')`,
		`INSERT INTO delegate_role_rules (election_id, round, scope, roles, updated_by, updated_at) VALUES
			($1, 1, '98', '{assesseur_titulaire}', 'staff:tahiti@example.org', '2026-01-02T10:00:00Z'),
			($1, 2, '98', '{assesseur_titulaire}', 'staff:tahiti@example.org', '2026-01-02T10:00:00Z'),
			($1, 2, '987', '{delegue_titulaire}', 'staff:chef@example.org', '2026-03-04T10:00:00Z'),
			($1, 1, '04', '{}', 'staff:chef@example.org', '2026-03-04T10:00:00Z')`,
		`INSERT INTO delegate_representatives (election_id, departement, name, updated_by) VALUES
			($1, '98', 'Teva Rua', 'staff:tahiti@example.org'), ($1, '04', 'Jeanne Aubert', 'staff:chef@example.org')`,
		`INSERT INTO delegate_runs (election_id, actor, scope) VALUES ($1, 'staff:tahiti@example.org', '{98}'), ($1, 'cli', NULL)`,
	} {
		var args []any
		if strings.Contains(sql, "$1") {
			args = append(args, e)
		}
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	return e
}

// Migration 023 makes each stored "98" the four collectivities of 98x
// communes it covered (984, 986, 987, 988): the accounts see what they saw
// before 021, the rule and the representative of "98" apply again in
// Papeete and Nouméa, and the run is shown to its author; a rule made
// since for 987 is kept; the representatives' check takes 987 and 988.
func TestMigration023Pacific98(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	eid := pacificAt22(t, pool)
	seats := func(commune string, round int) (n int) {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM delegate_seats WHERE election_id = $1 AND round = $2 AND commune_code = $3`,
			eid, round, commune).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// After 021, before 023: the rule of "98" applies nowhere (the
	// default's 3 roles in Papeete's 2 bureaux).
	if n := seats("98735", 1); n != 6 {
		t.Fatalf("before 023: %d seats in Papeete, round 1; want 6", n)
	}

	from, to, err := database.Migrate(ctx, pool)
	if err != nil || from != 22 || to < 23 {
		t.Fatalf("Migrate = %d, %d, %v; want from 22", from, to, err)
	}

	// Staff scopes: "98" in its place, no code twice, others untouched;
	// the accounts cover the Pacific's communes again, not Clipperton.
	for email, want := range map[string][]string{
		"tahiti@example.org": {"984", "986", "987", "988", "04070"},
		"double@example.org": {"987", "984", "986", "988"},
		"alpes@example.org":  {"04"},
	} {
		u, err := staff.ByEmail(ctx, pool, email)
		if err != nil || !reflect.DeepEqual(u.Scope, want) {
			t.Errorf("%s: scope %v, %v; want %v", email, u.Scope, err, want)
		}
	}
	tahiti, err := staff.ByEmail(ctx, pool, "tahiti@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for commune, want := range map[string]bool{"98735": true, "98818": true, "98611": true, "04070": true, "98901": false, "04001": false} {
		if got := tahiti.Covers(commune); got != want {
			t.Errorf("tahiti covers %s: %v, want %v", commune, got, want)
		}
	}
	var inScope []string
	if err := pool.QueryRow(ctx, `SELECT array_agg(code ORDER BY code) FROM communes WHERE in_scope(code, $1)`, tahiti.ScopeArg()).Scan(&inScope); err != nil {
		t.Fatal(err)
	}
	if want := []string{"04070", "98611", "98735", "98818"}; !reflect.DeepEqual(inScope, want) {
		t.Errorf("tahiti's communes in SQL: %v, want %v", inScope, want)
	}
	// Each change of scope is in the journal, with the scope before.
	var audit []string
	if err := pool.QueryRow(ctx, `SELECT array_agg(entity_id || ' ' || actor || ' ' || (details->'previous_scope')::text || ' ' || (details->'scope')::text ORDER BY entity_id)
		FROM audit_log WHERE action = 'staff.scope_pacific' AND entity = 'staff_user'`).Scan(&audit); err != nil {
		t.Fatal(err)
	}
	if want := []string{
		`double@example.org system ["987", "98"] ["987", "984", "986", "988"]`,
		`tahiti@example.org system ["98", "04070"] ["984", "986", "987", "988", "04070"]`,
	}; !reflect.DeepEqual(audit, want) {
		t.Errorf("journal:\n got %q\nwant %q", audit, want)
	}
	if got := staff.ActionLabel("staff.scope_pacific"); got == "staff.scope_pacific" {
		t.Errorf("the journal has no words for staff.scope_pacific")
	}

	// Role rules: the rule of "98" for each of the four, with its author;
	// 987's own rule of round 2 kept; the seats follow.
	rules, err := delegates.RoleRules(ctx, pool, eid)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rules {
		got = append(got, fmt.Sprintf("%d %s %v %s", r.Round, r.Scope, r.Roles, r.UpdatedBy))
	}
	if want := []string{
		"1 04 [] staff:chef@example.org",
		"1 984 [assesseur_titulaire] staff:tahiti@example.org",
		"1 986 [assesseur_titulaire] staff:tahiti@example.org",
		"1 987 [assesseur_titulaire] staff:tahiti@example.org",
		"1 988 [assesseur_titulaire] staff:tahiti@example.org",
		"2 984 [assesseur_titulaire] staff:tahiti@example.org",
		"2 986 [assesseur_titulaire] staff:tahiti@example.org",
		"2 987 [delegue_titulaire] staff:chef@example.org",
		"2 988 [assesseur_titulaire] staff:tahiti@example.org",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("rules:\n got %q\nwant %q", got, want)
	}
	for _, c := range []struct {
		commune string
		round   int
		want    int
	}{{"98735", 1, 2}, {"98735", 2, 2}, {"98818", 1, 1}, {"98818", 2, 1}, {"04070", 1, 0}, {"04070", 2, 3}} {
		if n := seats(c.commune, c.round); n != c.want {
			t.Errorf("after 023: %d seats in %s, round %d; want %d", n, c.commune, c.round, c.want)
		}
	}

	// Representatives: "98"'s signs for each of the four again.
	e, err := elections.BySlug(ctx, pool, "pacifique")
	if err != nil {
		t.Fatal(err)
	}
	for dep, want := range map[string]string{"984": "Teva Rua", "986": "Teva Rua", "987": "Teva Rua", "988": "Teva Rua", "04": "Jeanne Aubert", "05": "Camille Martin", "98": "Camille Martin"} {
		if name, err := delegates.RepresentativeOf(ctx, pool, e, dep); err != nil || name != want {
			t.Errorf("%s signed by %q, %v; want %q", dep, name, err, want)
		}
	}

	// The run of "98" is its author's again, in words of today.
	runs, err := delegates.RecentRuns(ctx, pool, tahiti.ScopeArg(), eid, 10)
	if err != nil {
		t.Fatal(err)
	}
	var places []string
	for _, r := range runs {
		places = append(places, fmt.Sprintf("%s %v", r.PlaceLabel(), r.Wider))
	}
	if want := []string{" true", "collectivité 984, collectivité 986, collectivité 987, collectivité 988 false"}; !reflect.DeepEqual(places, want) {
		t.Errorf("runs tahiti sees: %q, want %q", places, want)
	}

	// The representatives' check is whole (validated) and is
	// insee.KnownArea's: TestRepresentativeCheckIsKnownArea.
	var validated bool
	if err := pool.QueryRow(ctx, `SELECT convalidated FROM pg_constraint
		WHERE conrelid = 'delegate_representatives'::regclass AND conname = 'delegate_representatives_departement_check'`).Scan(&validated); err != nil || !validated {
		t.Errorf("check validated %v, %v", validated, err)
	}

	// The file again finds nothing to do (a "98" is nowhere) and fails
	// on nothing.
	before := snapshot023(t, pool)
	sql, err := migrations.FS.ReadFile("023_pacific_areas.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, string(sql)); err != nil {
		t.Fatalf("023 a second time: %v", err)
	}
	if after := snapshot023(t, pool); after != before {
		t.Errorf("023 a second time changed:\n%s\nto\n%s", before, after)
	}
}

// snapshot023 is what migration 023 changes, as text.
func snapshot023(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var s string
	if err := pool.QueryRow(context.Background(), `SELECT concat_ws(E'\n',
		(SELECT string_agg(email || ' ' || array_to_string(scope, ','), '; ' ORDER BY email) FROM staff_users),
		(SELECT string_agg(round || ' ' || scope || ' ' || array_to_string(roles, ','), '; ' ORDER BY round, scope) FROM delegate_role_rules),
		(SELECT string_agg(departement || ' ' || name, '; ' ORDER BY departement) FROM delegate_representatives),
		(SELECT string_agg(coalesce(array_to_string(scope, ','), 'national'), '; ' ORDER BY id) FROM delegate_runs),
		(SELECT count(*)::text FROM audit_log))`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// A representative stored for a code no area has (006 took any two
// digits) does not fail 023: the check is added NOT VALID, refuses such a
// code from then on, and the row stays for an admin to remove.
func TestMigration023KeepsOddRepresentatives(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	eid := pacificAt22(t, pool)
	if _, err := pool.Exec(ctx, `INSERT INTO delegate_representatives (election_id, departement, name) VALUES ($1, '99', 'Ailleurs')`, eid); err != nil {
		t.Fatal(err)
	}
	if _, _, err := database.Migrate(ctx, pool); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	var validated bool
	var deps string
	if err := pool.QueryRow(ctx, `SELECT convalidated FROM pg_constraint
		WHERE conrelid = 'delegate_representatives'::regclass AND conname = 'delegate_representatives_departement_check'`).Scan(&validated); err != nil || validated {
		t.Errorf("check validated %v, %v; want NOT VALID", validated, err)
	}
	if err := pool.QueryRow(ctx, `SELECT string_agg(departement, ' ' ORDER BY departement) FROM delegate_representatives`).Scan(&deps); err != nil ||
		deps != "04 984 986 987 988 99" {
		t.Errorf("representatives of %q, %v", deps, err)
	}
	for dep, ok := range map[string]bool{"96": false, "98": false, "989": false, "987": true} {
		_, err := pool.Exec(ctx, `INSERT INTO delegate_representatives (election_id, departement, name) VALUES ($1, $2, 'X') ON CONFLICT DO NOTHING`, eid, dep)
		if (err == nil) != ok {
			t.Errorf("representative of %s: %v", dep, err)
		}
	}
}
