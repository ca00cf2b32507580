package proxies_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
)

// Who each line of a proxy page's history names, as staff read it.

// historyLines is a staff page's history as its reader sees it, oldest
// first: "who — what".
func historyLines(h []proxies.HistoryEvent) []string {
	var out []string
	for i := len(h) - 1; i >= 0; i-- {
		out = append(out, staff.ActorLabel(h[i].Actor)+" — "+h[i].Label())
	}
	return out
}

// linesShow reports each of want missing from lines and each of lack in
// them.
func linesShow(t *testing.T, page string, lines, want, lack []string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(lines, w) {
			t.Errorf("%s: no line %q in\n%s", page, w, strings.Join(lines, "\n"))
		}
	}
	for _, l := range lack {
		if slices.Contains(lines, l) {
			t.Errorf("%s: line %q in\n%s", page, l, strings.Join(lines, "\n"))
		}
	}
}

// linesWith is the lines that end with what, in order.
func linesWith(lines []string, what string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasSuffix(l, what) {
			out = append(out, l)
		}
	}
	return out
}

// An admin withdraws the volunteer who accepted Jeanne: her request's
// history names the admin, not "the person"; the volunteer's page
// credits the mandant with reading the volunteer's details.
func TestHistoriesNameWhoActed(t *testing.T) {
	f := setup(t)
	admin := &staff.User{Email: "admin@example.org", Role: staff.Admin}
	jeanne := f.request(t, f.person("Jeanne", "04070", "2"))
	ines := f.volunteer(t, f.person("Ines", "04070", "2"), 10) // proposed Jeanne at once
	if err := f.desk.Accept(f.ctx, ines, jeanne); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.RevealDetails(f.ctx, jeanne); err != nil {
		t.Fatal(err)
	}
	if err := f.desk.StaffWithdrawVolunteer(f.ctx, admin, ines); err != nil {
		t.Fatal(err)
	}
	f.desk.Settle()

	d, err := f.desk.LoadRequestDetail(f.ctx, admin, jeanne)
	if err != nil {
		t.Fatal(err)
	}
	linesShow(t, "Jeanne's request", historyLines(d.History), []string{
		"le mandant — Demande déposée",
		"automatique — Proposition automatique à Ines Test (1er tour)",
		"le ou la volontaire — Proposition acceptée",
		"admin@example.org — Proposition à Ines Test retirée (volontaire retiré·e) (1er tour)",
	}, []string{
		"la personne elle-même — Proposition à Ines Test retirée (volontaire retiré·e) (1er tour)",
	})

	v, err := proxies.LoadVolunteerDetail(f.ctx, f.pool, admin, ines)
	if err != nil {
		t.Fatal(err)
	}
	linesShow(t, "Ines's page", historyLines(v.History), []string{
		"le ou la volontaire — Inscription",
		"automatique — Proposition automatique pour Jeanne Test (1er tour)",
		"le mandant — Affichage du numéro d'électeur et de la date de naissance",
		"admin@example.org — Retrait de la liste",
	}, []string{
		"la personne elle-même — Affichage du numéro d'électeur et de la date de naissance",
	})
}

// The mandant changes her request: the volunteer's page credits her with
// the withdrawn proposal, and her request's page tells the form sent
// again from her confirmation of it.
func TestHistoryCreditsTheMandantsChange(t *testing.T) {
	f := setup(t)
	admin := &staff.User{Email: "admin@example.org", Role: staff.Admin}
	mp := f.person("Marc", "04070", "3")
	marc := f.request(t, mp)
	lise := f.volunteer(t, f.person("Lise", "04070", "3"), 10) // proposed Marc at once
	if got := f.liveOffers(t)[[2]int64{marc, 1}]; got != lise {
		t.Fatalf("Marc's round offered to %d, want Lise %d", got, lise)
	}
	mp.BureauCode = "2"
	if s, err := f.desk.SubmitRequest(f.ctx, proxies.RequestInput(mp)); err != nil || !s.Held {
		t.Fatalf("%+v, %v", s, err)
	}
	f.confirmChange(t, mp.Email)

	v, err := proxies.LoadVolunteerDetail(f.ctx, f.pool, admin, lise)
	if err != nil {
		t.Fatal(err)
	}
	linesShow(t, "Lise's page", historyLines(v.History), []string{
		"le mandant — Proposition pour Marc Test retirée (demande modifiée) (1er tour)",
	}, []string{
		"la personne elle-même — Proposition pour Marc Test retirée (demande modifiée) (1er tour)",
	})
	d, err := f.desk.LoadRequestDetail(f.ctx, admin, marc)
	if err != nil {
		t.Fatal(err)
	}
	linesShow(t, "Marc's request", historyLines(d.History), []string{
		"formulaire public — Formulaire renvoyé : modification en attente de confirmation par e-mail",
		"le mandant — Demande modifiée (confirmée par e-mail)",
	}, nil)
}

// Staff's unmatchings and reassignments, which the offers do not sign,
// are credited on the volunteer's page to whoever made each, in turn; a
// volunteer who left twice, once by herself and once by staff, is told
// so on the request's page.
func TestHistoryNamesStaffWhoEndedOffers(t *testing.T) {
	f := setup(t)
	admin := &staff.User{Email: "admin@example.org", Role: staff.Admin}
	org := &staff.User{Email: "o@example.org", Role: staff.Organizer, Scope: []string{"04"}}
	step := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		f.desk.Settle()
		f.clock.Add(time.Minute) // the offers' events in order
	}
	rita := f.request(t, f.person("Rita", "04112", "1"))
	vera := f.volunteer(t, f.person("Vera", "04112", "1"), 1) // proposed Rita at once
	f.clock.Add(time.Minute)
	step(f.desk.Unmatch(f.ctx, admin, rita, 1))
	step(f.desk.ManualMatch(f.ctx, admin, rita, 1, vera))
	step(f.desk.Unmatch(f.ctx, org, rita, 1))
	step(f.desk.ManualMatch(f.ctx, org, rita, 1, vera))
	victor := f.volunteer(t, f.person("Victor", "04112", "1"), 1)
	step(f.desk.ManualMatch(f.ctx, admin, rita, 1, victor))

	v, err := proxies.LoadVolunteerDetail(f.ctx, f.pool, admin, vera)
	if err != nil {
		t.Fatal(err)
	}
	lines := historyLines(v.History)
	unmatched := "Proposition pour Rita Test retirée (désappariée par l'équipe) (1er tour)"
	if got, want := linesWith(lines, unmatched), []string{"admin@example.org — " + unmatched, "o@example.org — " + unmatched}; !slices.Equal(got, want) {
		t.Errorf("Vera's unmatchings, oldest first: %q, want %q\n%s", got, want, strings.Join(lines, "\n"))
	}
	linesShow(t, "Vera's page", lines, []string{
		"admin@example.org — Proposition pour Rita Test retirée (confiée à un·e autre volontaire par l'équipe) (1er tour)",
		"o@example.org — Proposition pour Rita Test (1er tour)",
	}, nil)

	// Zoé's volunteer leaves by herself, signs up again, is proposed Zoé
	// again and withdrawn by staff.
	zoe := f.request(t, f.person("Zoé", "04049", "1"))
	wp := f.person("Wanda", "04049", "1")
	wanda := f.volunteer(t, wp, 1)
	f.clock.Add(time.Minute)
	step(f.desk.WithdrawVolunteer(f.ctx, wanda, staff.ActorPublic))
	if s, err := f.desk.SubmitVolunteer(f.ctx, proxies.NewVolunteerInput(wp, "1980-04-02", nne(wp), 1)); err != nil || !s.Held {
		t.Fatalf("%+v, %v", s, err)
	}
	f.confirmChange(t, wp.Email)
	if got := f.liveOffers(t)[[2]int64{zoe, 1}]; got != wanda {
		t.Fatalf("Zoé's round offered to %d, want Wanda %d again", got, wanda)
	}
	f.clock.Add(time.Minute)
	step(f.desk.StaffWithdrawVolunteer(f.ctx, org, wanda))
	d, err := f.desk.LoadRequestDetail(f.ctx, admin, zoe)
	if err != nil {
		t.Fatal(err)
	}
	lines = historyLines(d.History)
	left := "Proposition à Wanda Test retirée (volontaire retiré·e) (1er tour)"
	if got, want := linesWith(lines, left), []string{"le ou la volontaire — " + left, "o@example.org — " + left}; !slices.Equal(got, want) {
		t.Errorf("Wanda's departures, oldest first: %q, want %q\n%s", got, want, strings.Join(lines, "\n"))
	}
}
