package proxies_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"scrutin/logistics/check"
	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
)

// volunteerIDs lists a page's volunteers by id, with their situation.
func volunteerSituations(l *proxies.VolunteerList) map[int64]string {
	out := map[int64]string{}
	for _, v := range l.Volunteers {
		out[v.ID] = v.Situation
	}
	return out
}

func listVolunteers(t *testing.T, f *fixture, u *staff.User, flt proxies.Filter) *proxies.VolunteerList {
	t.Helper()
	if err := flt.Normalize(f.ctx, f.pool, true); err != nil {
		t.Fatalf("filter %+v: %v", flt, err)
	}
	l, err := proxies.ListVolunteers(f.ctx, f.pool, u, flt)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestVolunteerListSituationsScopeAndCursor(t *testing.T) {
	f := setup(t)
	org04 := &staff.User{Email: "o@example.org", Role: staff.Organizer, Scope: []string{"04"}}
	viewer := &staff.User{Email: "v@example.org", Role: staff.Viewer, Scope: []string{"04"}}
	admin := &staff.User{Email: "a@example.org", Role: staff.Admin}

	jeanne := f.request(t, f.person("Jeanne", "04070", "2"))
	paul := f.volunteer(t, f.person("Paul", "04070", "2", 1, 2), 10) // offered Jeanne's round 1 at once
	if err := f.desk.Accept(f.ctx, paul, jeanne); err != nil {
		t.Fatal(err)
	}
	lise := f.volunteer(t, f.person("Lise", "04070", "3"), 10)
	marc := f.request(t, f.person("Marc", "04070", "3")) // goes to Lise, the only one free
	wanda := f.volunteer(t, f.person("Wanda", "04112", "1", 2), 1)
	zoe := f.volunteer(t, f.person("Zoe", "04112", "1"), 1)
	thomas := f.volunteer(t, f.person("Thomas", "75104", "13"), 10)
	if got := f.liveOffers(t); got[[2]int64{jeanne, 1}] != paul || got[[2]int64{marc, 1}] != lise || len(got) != 2 {
		t.Fatalf("live offers %v: want Jeanne→Paul, Marc→Lise", got)
	}
	if err := f.desk.StaffWithdrawVolunteer(f.ctx, viewer, zoe); !errors.Is(err, check.ErrForbidden) {
		t.Fatalf("viewer withdrawing: %v", err)
	}
	if err := f.desk.StaffWithdrawVolunteer(f.ctx, org04, thomas); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("withdrawing out of scope: %v", err)
	}
	if err := f.desk.StaffWithdrawVolunteer(f.ctx, org04, zoe); err != nil {
		t.Fatal(err)
	}
	var c *check.Conflict
	if err := f.desk.StaffWithdrawVolunteer(f.ctx, org04, zoe); !errors.As(err, &c) {
		t.Fatalf("withdrawing twice: %v", err)
	}
	f.desk.Settle()

	// The organizer of the 04 sees the 04 only, each in its situation.
	all := listVolunteers(t, f, org04, proxies.Filter{})
	want := map[int64]string{paul: proxies.VolunteerCarrying, lise: proxies.VolunteerOffered, wanda: proxies.VolunteerAvailable, zoe: proxies.VolunteerWithdrawn}
	if got := volunteerSituations(all); !sameSituations(got, want) {
		t.Fatalf("04 list %v, want %v", got, want)
	}
	if all.Counts != (proxies.VolunteerCounts{Available: 1, Offered: 1, Carrying: 1, Withdrawn: 1}) || all.NextAfter != 0 {
		t.Fatalf("04 counts %+v, next %d", all.Counts, all.NextAfter)
	}
	for _, v := range all.Volunteers {
		if v.ID == paul && (len(v.Rounds) != 2 || v.Rounds[0].Status != proxies.RoundAccepted || *v.Rounds[0].RequestID != jeanne ||
			!v.Rounds[0].RequestInScope || v.Rounds[1].Status != "free") {
			t.Fatalf("Paul's rounds %+v", v.Rounds)
		}
	}
	if l := listVolunteers(t, f, admin, proxies.Filter{}); l.Counts.Available != 2 || len(l.Volunteers) != 5 {
		t.Fatalf("national list: %+v", l.Counts)
	}

	// Every filter: the list and the counts agree.
	for _, tc := range []struct {
		name string
		flt  proxies.Filter
		want []int64
	}{
		{"available", proxies.Filter{Status: proxies.VolunteerAvailable}, []int64{wanda}},
		{"offered", proxies.Filter{Status: proxies.VolunteerOffered}, []int64{lise}},
		{"carrying", proxies.Filter{Status: proxies.VolunteerCarrying}, []int64{paul}},
		{"withdrawn", proxies.Filter{Status: proxies.VolunteerWithdrawn}, []int64{zoe}},
		{"active (API)", proxies.Filter{Status: proxies.VolunteerActive}, []int64{paul, lise, wanda}},
		{"commune without its leading zero", proxies.Filter{Commune: "4112"}, []int64{wanda, zoe}},
		{"another département", proxies.Filter{Departement: "75"}, nil},
		// Round 2: Paul carries round 1 only, so he is available there.
		{"round 2 available", proxies.Filter{Round: 2, Status: proxies.VolunteerAvailable}, []int64{paul, wanda}},
		{"round 2", proxies.Filter{Round: 2}, []int64{paul, wanda}},
		{"election", proxies.Filter{Election: f.e.Slug, Status: proxies.VolunteerCarrying}, []int64{paul}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := listVolunteers(t, f, org04, tc.flt)
			var got []int64
			for _, v := range l.Volunteers {
				got = append(got, v.ID)
			}
			if !slices.Equal(got, tc.want) || l.Counts.Of(tc.flt.Status) != int64(len(tc.want)) {
				t.Fatalf("got %v (count %d), want %v; counts %+v", got, l.Counts.Of(tc.flt.Status), tc.want, l.Counts)
			}
		})
	}
	// An election that does not exist is an error, not an empty list.
	unknown := proxies.Filter{Election: "nope"}
	if inv, ok := check.AsInvalid(unknown.Normalize(f.ctx, f.pool, true)); !ok || inv.Fields["election"] != "Élection inconnue." {
		t.Fatalf("filter of an unknown election: %v", inv)
	}

	// The cursor walks the whole list, page by page, nothing twice.
	var walked []int64
	var after int64
	for pages := 0; ; pages++ {
		l := listVolunteers(t, f, admin, proxies.Filter{Limit: 2, After: after})
		for _, v := range l.Volunteers {
			walked = append(walked, v.ID)
		}
		if after = l.NextAfter; after == 0 {
			if pages != 2 {
				t.Fatalf("%d pages of 2 for 5 volunteers", pages+1)
			}
			break
		}
	}
	if !slices.Equal(walked, []int64{paul, lise, wanda, zoe, thomas}) {
		t.Fatalf("walked %v", walked)
	}

	// The volunteer's page: offers and history.
	if _, err := proxies.LoadVolunteerDetail(f.ctx, f.pool, org04, thomas); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("page out of scope: %v", err)
	}
	d, err := proxies.LoadVolunteerDetail(f.ctx, f.pool, viewer, paul)
	if err != nil {
		t.Fatal(err)
	}
	if d.Situation != proxies.VolunteerCarrying || len(d.Offers) != 1 ||
		d.Offers[0].Status != proxies.OfferAccepted || d.Offers[0].MandantName != "Jeanne Test" || d.Offers[0].RequestID != jeanne {
		t.Fatalf("Paul's page: %+v", d)
	}
	// His history tells the proposal and his answer, each by whom.
	told := map[string]string{}
	for _, e := range d.History {
		told[e.Label()] = staff.ActorLabel(e.Actor)
	}
	for what, who := range map[string]string{
		"Proposition automatique pour Jeanne Test (1er tour)": "automatique",
		"Proposition pour Jeanne Test acceptée (1er tour)":    "le ou la volontaire",
	} {
		if told[what] != who {
			t.Errorf("Paul's history: %q by %q, want by %q (%v)", what, told[what], who, told)
		}
	}

	// The dashboard counts as the list does (the demo election is ahead).
	dc, err := proxies.DashboardCounts(f.ctx, f.pool, org04, f.clock.Now())
	if err != nil || dc.VolunteerSituations != all.Counts || dc.Volunteers != 3 {
		t.Fatalf("dashboard %+v, %v", dc, err)
	}

	// An organizer withdraws Paul: Jeanne is told, her round is searched
	// again, and the audit names the organizer.
	if err := f.desk.StaffWithdrawVolunteer(f.ctx, org04, paul); err != nil {
		t.Fatal(err)
	}
	f.desk.Settle()
	f.lastMessage(t, "jeanne1@example.org", "proxy.withdrawn")
	if s := f.roundStatus(t, jeanne, 1); s == proxies.RoundAccepted {
		t.Fatalf("Jeanne's round after Paul's withdrawal: %s", s)
	}
	var actors []string
	rows, err := f.pool.Query(f.ctx, `SELECT actor FROM audit_log WHERE action = 'proxy_volunteer.withdraw' AND entity_id = $1`, fmt.Sprint(paul))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		rows.Scan(&a)
		actors = append(actors, a)
	}
	rows.Close()
	if !slices.Equal(actors, []string{"staff:o@example.org"}) {
		t.Fatalf("withdrawal audited as %v", actors)
	}
	d, err = proxies.LoadVolunteerDetail(f.ctx, f.pool, org04, paul)
	if err != nil || d.Situation != proxies.VolunteerWithdrawn || d.History[0].Action != "proxy_volunteer.withdraw" || d.History[0].Actor != "staff:o@example.org" {
		t.Fatalf("Paul's page after withdrawal: %+v, %v", d, err)
	}
}

func sameSituations(a, b map[int64]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A volunteer's page names the mandant of an offer only when the request
// is in the reader's scope, in the offers and the history alike: else it
// says "la demande n° N".
func TestVolunteerPageHidesMandantsOutsideScope(t *testing.T) {
	f := setup(t)
	org04 := &staff.User{Email: "o@example.org", Role: staff.Organizer, Scope: []string{"04"}}
	admin := &staff.User{Email: "a@example.org", Role: staff.Admin}
	wanda := f.volunteer(t, f.person("Wanda", "04112", "1"), 1)
	thomas := f.request(t, f.person("Thomas", "75104", "13"))
	if err := f.desk.ManualMatch(f.ctx, admin, thomas, 1, wanda); err != nil {
		t.Fatal(err)
	}
	history := func(u *staff.User) (*proxies.VolunteerDetail, []string) {
		d, err := proxies.LoadVolunteerDetail(f.ctx, f.pool, u, wanda)
		if err != nil {
			t.Fatal(err)
		}
		var labels []string
		for _, e := range d.History {
			labels = append(labels, e.Label())
		}
		return d, labels
	}
	d, labels := history(org04)
	if len(d.Offers) != 1 || d.Offers[0].MandantName != "" || !slices.Contains(labels, fmt.Sprintf("Proposition pour la demande n° %d (1er tour)", thomas)) ||
		strings.Contains(strings.Join(labels, "\n"), "Thomas") {
		t.Fatalf("organizer of the 04: offers %+v, history %q", d.Offers, labels)
	}
	if _, labels := history(admin); !slices.Contains(labels, "Proposition pour Thomas Test (1er tour)") {
		t.Fatalf("admin: history %q", labels)
	}
}
