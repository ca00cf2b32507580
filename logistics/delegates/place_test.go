package delegates_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/check"
	"scrutin/logistics/delegates"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// A run asked for a département or a commune plans the seats of that
// place only: every seat elsewhere stays as it was, its figures are the
// place's, and it is recorded with the place as its scope. A place outside
// the scope, or a code that is not one, is refused before anything runs.
func TestRunOverAPlace(t *testing.T) {
	d, e, admin := setup(t, true)
	ctx := context.Background()
	org, err := staff.Authenticate(ctx, d.Pool, demo.OrganizerEmail, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	one := 1
	neededIn := func(u *staff.User, dep, commune string) int {
		t.Helper()
		v, err := delegates.Coverage(ctx, d.Pool, u, e.ID, 1, dep, commune)
		if err != nil {
			t.Fatal(err)
		}
		return v.Total.Needed
	}
	unchangedOutside := func(before, after map[string]heldSeat, inside func(key string) bool) {
		t.Helper()
		for k, s := range before {
			if !inside(k) && after[k] != s {
				t.Errorf("seat %s outside the place changed: %+v → %+v", k, s, after[k])
			}
		}
		for k, s := range after {
			if _, ok := before[k]; !ok && !inside(k) {
				t.Errorf("seat %s outside the place given: %+v", k, s)
			}
		}
	}
	lastRunScope := func() []string {
		t.Helper()
		var scope []string
		if err := d.Pool.QueryRow(ctx, `SELECT scope FROM delegate_runs ORDER BY id DESC LIMIT 1`).Scan(&scope); err != nil {
			t.Fatal(err)
		}
		return scope
	}

	// The commune of Digne (04070), by an admin.
	before := seatMap(t, d.Pool, e.ID)
	res, err := d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug, Round: &one, Commune: "4070"})
	if err != nil {
		t.Fatal(err)
	}
	after := seatMap(t, d.Pool, e.ID)
	inDigne := func(k string) bool { return strings.HasPrefix(k, "1:04070_") }
	unchangedOutside(before, after, inDigne)
	if res.Commune != "04070" || res.Departement != "04" || res.Seats != neededIn(admin, "", "04070") || res.Added == 0 {
		t.Fatalf("run over 04070: %+v, want the %d seats of 04070", res, neededIn(admin, "", "04070"))
	}
	if scope := lastRunScope(); len(scope) != 1 || scope[0] != "04070" {
		t.Fatalf("run over 04070 recorded with the scope %v", scope)
	}

	// The 04, by an admin: Paris is left alone.
	before = after
	res, err = d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug, Round: &one, Departement: "04"})
	if err != nil {
		t.Fatal(err)
	}
	after = seatMap(t, d.Pool, e.ID)
	in04 := func(k string) bool { return strings.HasPrefix(k, "1:04") }
	unchangedOutside(before, after, in04)
	if res.Departement != "04" || res.Commune != "" || res.Seats != neededIn(admin, "04", "") {
		t.Fatalf("run over the 04: %+v, want the %d seats of the 04", res, neededIn(admin, "04", ""))
	}
	var paris int
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM delegate_assignments WHERE election_id = $1 AND commune_code LIKE '75%' AND source = 'auto'`, e.ID).Scan(&paris)
	if paris != 0 {
		t.Fatalf("the run over the 04 gave %d seats in Paris", paris)
	}
	checkDatabaseRules(t, d.Pool, e.ID)

	// An organizer of one commune asking for its département: their
	// commune only.
	orgDigne, err := staff.Add(ctx, d.Pool, staff.NewUser{Email: "digne@example.org", Role: staff.Organizer, Scope: []string{"04070"}})
	if err != nil {
		t.Fatal(err)
	}
	dry, err := d.Run(ctx, orgDigne, "", delegates.RunInput{Election: e.Slug, Round: &one, Departement: "04", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if dry.Seats != neededIn(admin, "", "04070") {
		t.Fatalf("organizer of 04070 over the 04: %+v, want the %d seats of 04070", dry, neededIn(admin, "", "04070"))
	}
	if scope := lastRunScope(); len(scope) != 1 || scope[0] != "04070" {
		t.Fatalf("organizer of 04070 over the 04 recorded with the scope %v", scope)
	}
	if now := seatMap(t, d.Pool, e.ID); len(now) != len(after) {
		t.Fatalf("a dry run wrote seats: %d, then %d", len(after), len(now))
	}

	// Refused: outside the scope, or not a place.
	runs := func() (n int) {
		d.Pool.QueryRow(ctx, `SELECT count(*) FROM delegate_runs`).Scan(&n)
		return n
	}
	n := runs()
	for _, tc := range []struct {
		name  string
		u     *staff.User
		in    delegates.RunInput
		msg   string // OutOfScope message
		field string // or the field of a *check.Invalid
	}{
		{"another département", org, delegates.RunInput{Departement: "75"}, "Le département 75 est hors de votre périmètre.", ""},
		{"a commune of another département", org, delegates.RunInput{Commune: "75104"}, "La commune 75104 est hors de votre périmètre.", ""},
		{"another commune of the département", orgDigne, delegates.RunInput{Commune: "04112"}, "La commune 04112 est hors de votre périmètre.", ""},
		{"not a commune", admin, delegates.RunInput{Commune: "ABCDE"}, "", "commune"},
		{"not a département", admin, delegates.RunInput{Departement: "ZZZ"}, "", "departement"},
	} {
		tc.in.Election, tc.in.Round = e.Slug, &one
		_, err := d.Run(ctx, tc.u, "", tc.in)
		var outside *places.OutOfScope
		inv, invalid := check.AsInvalid(err)
		switch {
		case tc.msg != "" && (!errors.As(err, &outside) || outside.Message != tc.msg || !errors.Is(err, check.ErrForbidden)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.msg)
		case tc.field != "" && (!invalid || inv.Fields[tc.field] == ""):
			t.Errorf("%s: %v, want a message on %s", tc.name, err, tc.field)
		}
	}
	if runs() != n {
		t.Fatal("a refused run was recorded")
	}
}

// The assignment e-mail gives the day the names must reach the mairie,
// with its weekday computed from the round's date.
func TestAssignmentMessageNamesTheDeadline(t *testing.T) {
	d, e, admin := setup(t, true)
	ctx := context.Background()
	one := 1
	if _, err := d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug, Round: &one}); err != nil {
		t.Fatal(err)
	}
	r1, _ := e.Round(1)
	want := "doivent parvenir à la mairie au plus tard le jeudi " + r1.Date.AddDate(0, 0, -3).Format("02/01/2006") + " à 18 heures : plus vous confirmez tôt"
	rows, err := d.Pool.Query(ctx, `SELECT body FROM outbox WHERE kind = 'delegate.assignment' AND body LIKE '%Vous êtes désigné·e%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			t.Fatal(err)
		}
		n++
		if !strings.Contains(body, want) || strings.Contains(body, "jeudi précédant") {
			t.Errorf("message lacks %q:\n%s", want, body)
		}
	}
	if n == 0 {
		t.Fatal("no assignment message")
	}
}

// A place no commune or département has, a city as a whole, or a commune
// and a département that disagree is refused (422), the run not started;
// a commune with its own département is the commune.
func TestCheckAreaRefusesUnknownPlaces(t *testing.T) {
	for _, c := range []struct{ dep, commune, field, want string }{
		{"", "99999", "commune", "Commune inconnue : 99999."},
		{"99", "", "departement", "Département inconnu : 99."},
		{"20", "", "departement", "Département inconnu : 20."},
		{"", "75056", "commune", "pas la ville entière"},
		{"75", "04070", "commune", "Indiquez une commune ou un département, pas les deux."},
	} {
		_, _, err := places.CheckArea(nil, c.dep, c.commune)
		inv, ok := check.AsInvalid(err)
		if !ok || !strings.Contains(inv.Fields[c.field], c.want) {
			t.Errorf("%q %q: %v", c.dep, c.commune, err)
		}
	}
	if dep, com, err := places.CheckArea(nil, "4", "04070"); err != nil || dep != "04" || com != "04070" {
		t.Errorf("04070 in 4: %q %q %v", dep, com, err)
	}
	for _, dep := range []string{"01", "2A", "2B", "95", "971", "976"} {
		if _, _, err := places.CheckArea(nil, dep, ""); err != nil {
			t.Errorf("%s: %v", dep, err)
		}
	}
	// A well-formed code the communes table lacks: refused by the run.
	d, e, admin := setup(t, true)
	_, err := d.Run(context.Background(), admin, "", delegates.RunInput{Election: e.Slug, DryRun: true, Commune: "04999"})
	if inv, ok := check.AsInvalid(err); !ok || inv.Fields["commune"] != "Commune inconnue : 04999." {
		t.Errorf("04999: %v", err)
	}
}
