package materialweb_test

import (
	"html"
	"strings"
	"testing"

	"scrutin/logistics/staff"
)

// The staff list of orders, API and page, refuses a département outside
// the reader's scope (403) rather than answering an empty list, as the
// proxy and delegate lists do, and says why; a code that is not one stays
// a 422.
func TestMaterialOrdersRefuseADepartementOutsideScope(t *testing.T) {
	env := start(t)
	org := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	admin := env.AdminToken(t)
	const dep75 = "Le département 75 est hors de votre périmètre."
	for _, tc := range []struct {
		token, path string
		code        int
		msg         string // under "departement", "" for none
	}{
		{org, "/api/v1/material-orders?departement=75", 403, dep75},
		{org, "/api/v1/material-orders?departement=2a&status=pending", 403, "Le département 2A est hors de votre périmètre."},
		{org, "/api/v1/material-orders?departement=04", 200, ""},
		{org, "/api/v1/material-orders", 200, ""},
		{admin, "/api/v1/material-orders?departement=75", 200, ""},
		{org, "/api/v1/material-orders?departement=ZZ", 422, "Code de département invalide (par exemple 04, 2A ou 974)."},
		{org, "/api/v1/material-orders?departement=99", 422, "Département inconnu : 99."},
		// An overseas collectivity of 98x communes, as the proxy and
		// delegate lists take it.
		{admin, "/api/v1/material-orders?departement=987", 200, ""},
		{org, "/api/v1/material-orders?departement=987", 403, "Le département 987 est hors de votre périmètre."},
	} {
		r := env.Do(t, "GET", tc.path, tc.token, nil)
		fields, _ := r.JSON["fields"].(map[string]any)
		if r.Status != tc.code || tc.msg != "" && (r.Field("departement") != tc.msg || len(fields) != 1) {
			t.Errorf("%s: %d %s, want %d %q", tc.path, r.Status, r.Body, tc.code, tc.msg)
		}
		if tc.code == 403 && r.JSON["error"] != tc.msg {
			t.Errorf("%s: error %q, want %q", tc.path, r.JSON["error"], tc.msg)
		}
	}

	for _, tc := range []struct {
		token, path string
		code        int
		want        []string
		not         []string
	}{
		{org, "/staff/materiel/commandes?departement=75", 403,
			[]string{dep75, `name="departement" size="4" value="75"`, `name="status"`},
			[]string{"/api/v1/exports/", "0 commande", "template:"}},
		{org, "/staff/materiel/commandes?departement=ZZ", 422,
			[]string{"Code de département invalide (par exemple 04, 2A ou 974).", `value="ZZ"`}, []string{"template:", "/api/v1/exports/"}},
		{org, "/staff/materiel/commandes?departement=04", 200,
			[]string{"0 commande", "/api/v1/exports/material-printer?departement=04"}, []string{"hors de votre périmètre"}},
		{admin, "/staff/materiel/commandes?departement=75", 200, []string{"0 commande"}, nil},
		{admin, "/staff/materiel/commandes?departement=987", 200,
			[]string{"0 commande", "/api/v1/exports/material-printer?departement=987"}, []string{"invalide"}},
	} {
		r := env.Do(t, "GET", tc.path, tc.token, nil)
		body := html.UnescapeString(string(r.Body))
		if r.Status != tc.code {
			t.Errorf("%s: %d, want %d\n%s", tc.path, r.Status, tc.code, body)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q\n%s", tc.path, w, body)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(body, w) {
				t.Errorf("%s: %q\n%s", tc.path, w, body)
			}
		}
	}
}
