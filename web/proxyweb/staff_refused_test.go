package proxyweb_test

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"scrutin/logistics/staff"
	"scrutin/web/webtest"
)

// A refused filter (a place outside the reader's scope, 403; a value that
// is not one, 422) shows the form with what was typed and why, and
// nothing of the list, as the delegates' lists do: no row of the scope,
// no counts, no export, no batch, no pager. Listing the whole scope under
// it passed those rows off as the answer to the filter.
func TestStaffListsShowNoRowUnderARefusedFilter(t *testing.T) {
	env := start(t)
	newRequest(t, env, requestBody("jeanne@example.org"))
	if r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("paul@example.org")); r.Status != 201 {
		t.Fatalf("volunteer: %d %s", r.Status, r.Body)
	}
	env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	env.AdminToken(t)
	org, admin := staffSession(t, env, "org04@example.org"), staffSession(t, env, "admin-test@example.org")
	const (
		queue      = "/staff/procurations"
		volunteers = "/staff/procurations/volontaires"
	)
	// Whatever describes or acts on a list; the names are those of the
	// scope's request and volunteer, each shown on both pages otherwise.
	listed := []string{"Jeanne Moreau", "Paul Petit", `id="file"`, `id="volontaires"`, `id="decompte"`, `id="resultat"`,
		`id="compteurs"`, `id="export"`, `id="apparier"`, `id="choisir-election"`, `id="page-suivante"`, "Aucune demande", "Aucun·e volontaire"}
	// The rows are there when the filter is accepted: the test would see
	// them if a refusal listed them.
	for list, row := range map[string]string{queue: "Jeanne Moreau", volunteers: "Paul Petit"} {
		if code, body := getPage(t, org, env.URL+list+"?departement=04"); code != 200 || !strings.Contains(body, row) {
			t.Fatalf("%s?departement=04: %d, without %s", list, code, row)
		}
	}
	for _, tc := range []struct {
		who   string
		query string
		code  int
		why   string
	}{
		{"org", "?departement=75", 403, "Le département 75 est hors de votre périmètre."},
		{"org", "?commune=75104&round=1", 403, "La commune 75104 est hors de votre périmètre."},
		{"org", "?departement=99", 422, "Département inconnu : 99."},
		{"org", "?commune=abc", 422, "Code de commune invalide (5 caractères INSEE, par exemple 04070)."},
		{"org", "?round=x", 422, "Tour inconnu : choisissez le 1er ou le 2d tour."},
		{"org", "?election=nope", 422, "Élection inconnue."},
		{"org", "?status=nope", 422, "Statut inconnu."},
		{"org", "?after=1&offset=1", 422, "Utilisez after (le next_after de la page précédente) ou offset, pas les deux."},
		// An admin would otherwise see the batch beside the export.
		{"admin", "?round=3", 422, "Tour inconnu : choisissez le 1er ou le 2d tour."},
		{"admin", "?commune=abc", 422, "Code de commune invalide (5 caractères INSEE, par exemple 04070)."},
	} {
		c := map[string]*http.Client{"org": org, "admin": admin}[tc.who]
		for _, list := range []string{queue, volunteers} {
			t.Run(tc.who+list+tc.query, func(t *testing.T) {
				code, body := getPage(t, c, env.URL+list+tc.query)
				if code != tc.code {
					t.Errorf("%d, want %d", code, tc.code)
				}
				// The form stays, with the reason.
				webtest.PageShows(t, html.UnescapeString(body), []string{`<form method="get" action="` + list + `"`, tc.why}, listed)
			})
		}
	}
}
