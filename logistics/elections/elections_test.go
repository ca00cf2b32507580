package elections_test

import (
	"context"
	"testing"
	"time"

	"scrutin/database/dbtest"
	"scrutin/logistics/check"
	"scrutin/logistics/elections"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// Resolve: the slug given (open or not), else the only open election;
// otherwise a message on the field that says why.
func TestResolve(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	now := time.Date(2027, 2, 28, 10, 0, 0, 0, time.UTC)
	add := func(slug string, dates ...string) {
		in := elections.Input{Name: slug, Slug: slug}
		for i, d := range dates {
			in.Rounds = append(in.Rounds, elections.RoundInput{Number: i + 1, Date: d})
		}
		if _, err := elections.Create(ctx, pool, in); err != nil {
			t.Fatal(err)
		}
	}
	resolve := func(slug string) (string, string) {
		e, err := elections.Resolve(ctx, pool, slug, "election", now)
		if inv, ok := check.AsInvalid(err); ok {
			return "", inv.Fields["election"]
		}
		if err != nil {
			t.Fatal(err)
		}
		return e.Slug, ""
	}
	steps := []struct {
		name  string
		add   []string // an election to add first: slug, round dates
		slug  string
		found string
		msg   string
	}{
		{"none at all", nil, "", "", "Aucune élection n'est ouverte pour le moment."},
		{"only a closed one", []string{"ancienne", "2027-02-21"}, "", "", "Aucune élection n'est ouverte pour le moment."},
		{"a closed one named", nil, "ancienne", "ancienne", ""},
		{"an unknown slug", nil, "nope", "", "Élection inconnue."},
		{"one open", []string{"municipales", "2027-03-14", "2027-03-21"}, "", "municipales", ""},
		{"several open (one whose round is today)", []string{"partielle", "2027-02-28"}, "", "", "Plusieurs élections sont ouvertes : précisez laquelle."},
		{"several open, one named", nil, "partielle", "partielle", ""},
		{"named as typed, in capitals", nil, " Partielle ", "partielle", ""},
	}
	for _, s := range steps {
		if len(s.add) > 0 {
			add(s.add[0], s.add[1:]...)
		}
		found, msg := resolve(s.slug)
		if found != s.found || msg != s.msg {
			t.Errorf("%s: found %q (%q), want %q (%q)", s.name, found, msg, s.found, s.msg)
		}
	}
	// A public submission without a slug skips the election whose last
	// round is today, as the public forms do; named, it is still found
	// (its rounds' checks then say it is too late).
	for _, s := range []struct{ slug, found string }{{"", "municipales"}, {"partielle", "partielle"}} {
		e, err := elections.ResolveSignUp(ctx, pool, s.slug, "election", now)
		if err != nil || e.Slug != s.found {
			t.Errorf("ResolveSignUp(%q) = %v, %v; want %s", s.slug, e, err, s.found)
		}
	}
}

// An election is open until the end of its last round's day in Paris,
// whatever the server's time zone.
func TestOpenUntilMidnightInParis(t *testing.T) {
	e := elections.Election{Rounds: []elections.Round{{Number: 1, Date: time.Date(2027, 3, 14, 0, 0, 0, 0, time.UTC)}}}
	for _, tc := range []struct {
		now  time.Time
		open bool
	}{
		{time.Date(2027, 3, 14, 22, 30, 0, 0, time.UTC), true},                       // 23:30 in Paris
		{time.Date(2027, 3, 14, 23, 30, 0, 0, time.UTC), false},                      // 00:30 on Monday in Paris
		{time.Date(2027, 3, 14, 18, 30, 0, 0, time.FixedZone("-5", -5*3600)), false}, // 00:30 on Monday in Paris, seen from elsewhere
		{time.Date(2027, 3, 13, 12, 0, 0, 0, time.UTC), true},
	} {
		if got := e.Open(tc.now); got != tc.open {
			t.Errorf("open at %s: %v, want %v", tc.now, got, tc.open)
		}
	}
}

// Every round is on a Sunday (DOMAIN.md §1): another day is refused, with
// the round, its date and its weekday in the message.
func TestRoundsFallOnSundays(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dates []string
		msg   string // "": accepted
	}{
		{"one Sunday", []string{"2026-12-13"}, ""},
		{"two Sundays", []string{"2027-06-13", "2027-06-20"}, ""},
		{"a Saturday", []string{"2026-12-12"}, "Le 1er tour doit avoir lieu un dimanche (le 12/12/2026 est un samedi)."},
		{"a Thursday second round", []string{"2027-06-13", "2027-06-17"}, "Le 2d tour doit avoir lieu un dimanche (le 17/06/2027 est un jeudi)."},
		{"a Monday", []string{"2027-03-01"}, "Le 1er tour doit avoir lieu un dimanche (le 01/03/2027 est un lundi)."},
	} {
		in := elections.Input{Name: "Test", Slug: "test"}
		for i, d := range tc.dates {
			in.Rounds = append(in.Rounds, elections.RoundInput{Number: i + 1, Date: d})
		}
		err := in.Validate()
		inv, _ := check.AsInvalid(err)
		switch {
		case tc.msg == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.msg != "" && (inv == nil || inv.Fields["rounds"] != tc.msg || len(inv.Fields) != 1):
			t.Errorf("%s: got %v, want rounds: %q", tc.name, err, tc.msg)
		}
	}
}

// The French weekday of a date, whatever the host's language.
func TestWeekday(t *testing.T) {
	for d, want := range map[string]string{"2026-12-06": "dimanche", "2026-12-10": "jeudi", "2026-12-12": "samedi", "2027-03-01": "lundi"} {
		day, _ := time.Parse(time.DateOnly, d)
		if got := elections.Weekday(day); got != want {
			t.Errorf("%s: %s, want %s", d, got, want)
		}
	}
}

// The round of a staff list or export: 1 or 2 and one of the election's,
// anything else refused under the field with its reason, never ignored.
func TestListRound(t *testing.T) {
	oneRound := &elections.Election{Name: "Municipale partielle", Rounds: []elections.Round{{Number: 1}}}
	for _, tt := range []struct {
		param string
		e     *elections.Election
		want  int
		msg   string
	}{
		{"", nil, 0, ""},
		{" 2 ", nil, 2, ""},
		{"1", oneRound, 1, ""},
		{"2", oneRound, 0, "L'élection « Municipale partielle » n'a pas de 2d tour."},
		{"x", nil, 0, "Tour inconnu : choisissez le 1er ou le 2d tour."},
		{"1.5", nil, 0, "Tour inconnu : choisissez le 1er ou le 2d tour."},
		{"0", nil, 0, "Tour inconnu : choisissez le 1er ou le 2d tour."},
		{"-1", nil, 0, "Tour inconnu : choisissez le 1er ou le 2d tour."},
		{"3", nil, 0, "Tour inconnu : choisissez le 1er ou le 2d tour."},
	} {
		errs := check.Errors{}
		if got := elections.ListRound(errs, "tour", tt.param, tt.e); got != tt.want || errs["tour"] != tt.msg {
			t.Errorf("ListRound(%q) = %d, %q; want %d, %q", tt.param, got, errs["tour"], tt.want, tt.msg)
		}
	}
}
