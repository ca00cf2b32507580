package proxyweb_test

import (
	"html"
	"strings"
	"testing"

	"scrutin/logistics/staff"
)

// The staff lists of requests and volunteers, API and pages, refuse a
// place outside the reader's scope (403) and a code that is not one
// (422), as the delegates' lists do, rather than answering an empty list;
// both say why, the API under the field that named the place.
func TestStaffListsRefuseAPlaceOutsideScopeOrInvalid(t *testing.T) {
	env := start(t)
	org := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	const dep75, com75104 = "Le département 75 est hors de votre périmètre.", "La commune 75104 est hors de votre périmètre."
	for _, tc := range []struct {
		path  string
		code  int
		field string // the field of the message, "" for none
		msg   string
	}{
		// Outside scope: 403, and why, under the filter that named the
		// place (as the pages say it), not a bare "access refused".
		{"/api/v1/proxy-requests?departement=75", 403, "departement", dep75},
		{"/api/v1/proxy-requests?commune=75104", 403, "commune", com75104},
		{"/api/v1/proxy-volunteers?departement=75", 403, "departement", dep75},
		{"/api/v1/proxy-volunteers?commune=75104", 403, "commune", com75104},
		{"/api/v1/proxy-volunteers?commune=75104&status=offered&round=2", 403, "commune", com75104},
		{"/api/v1/proxy-requests?departement=2a", 403, "departement", "Le département 2A est hors de votre périmètre."},
		{"/api/v1/proxy-requests?departement=04", 200, "", ""},
		{"/api/v1/proxy-requests?departement=4", 200, "", ""},
		{"/api/v1/proxy-volunteers?commune=04070", 200, "", ""},
		{"/api/v1/proxy-requests?departement=ZZ", 422, "departement", "Code de département invalide (par exemple 04, 2A ou 974)."},
		{"/api/v1/proxy-volunteers?departement=123", 422, "departement", "Code de département invalide (par exemple 04, 2A ou 974)."},
		{"/api/v1/proxy-requests?commune=7510X", 422, "commune", "Code de commune invalide (5 caractères INSEE, par exemple 04070)."},
		{"/api/v1/proxy-volunteers?commune=abc", 422, "commune", "Code de commune invalide (5 caractères INSEE, par exemple 04070)."},
	} {
		r := env.Do(t, "GET", tc.path, org, nil)
		fields, _ := r.JSON["fields"].(map[string]any)
		if r.Status != tc.code || tc.field != "" && (r.Field(tc.field) != tc.msg || len(fields) != 1) {
			t.Errorf("%s: %d %s, want %d %q on %q", tc.path, r.Status, r.Body, tc.code, tc.msg, tc.field)
		}
		if tc.code == 403 && r.JSON["error"] != tc.msg {
			t.Errorf("%s: error %q, want %q", tc.path, r.JSON["error"], tc.msg)
		}
	}

	env.StaffToken(t, "org04p@example.org", staff.Organizer, "04")
	c := staffSession(t, env, "org04p@example.org")
	for _, tc := range []struct {
		path string
		code int
		msg  string
	}{
		{"/staff/procurations?departement=75", 403, "Le département 75 est hors de votre périmètre."},
		{"/staff/procurations?commune=75104", 403, "La commune 75104 est hors de votre périmètre."},
		{"/staff/procurations/volontaires?departement=75", 403, "Le département 75 est hors de votre périmètre."},
		{"/staff/procurations/volontaires?commune=75104", 403, "La commune 75104 est hors de votre périmètre."},
		{"/staff/procurations?departement=ZZ", 422, "Code de département invalide (par exemple 04, 2A ou 974)."},
		{"/staff/procurations/volontaires?commune=abc", 422, "Code de commune invalide (5 caractères INSEE, par exemple 04070)."},
		{"/staff/procurations?commune=04070", 200, ""},
	} {
		code, body := getPage(t, c, env.URL+tc.path)
		if code != tc.code || !strings.Contains(html.UnescapeString(body), tc.msg) {
			t.Errorf("%s: %d, want %d %q", tc.path, code, tc.code, tc.msg)
		}
	}
}
