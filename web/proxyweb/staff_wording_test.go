package proxyweb_test

import (
	"fmt"
	"html"
	"strings"
	"testing"

	"scrutin/logistics/staff"
)

// The election's name in running text is a title, not a noun of French:
// « pour l'élection « Élection de démonstration » », never « pour
// Élection de démonstration » (nor « pour « … » », which reads as voting
// for it).
func TestPagesNameTheElectionWithItsArticle(t *testing.T) {
	env := start(t)
	name := env.Election(t).Name
	jeanne := newRequest(t, env, requestBody("jeanne@example.org"))
	r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("paul@example.org"))
	if r.Status != 201 {
		t.Fatalf("volunteer: %d %s", r.Status, r.Body)
	}
	env.StaffToken(t, "admin@example.org", staff.Admin, "")
	c := staffSession(t, env, "admin@example.org")
	for _, tc := range []struct {
		path, want string
		staff      bool
	}{
		{"/procuration/demande", "voter en personne pour l'élection « " + name + " » ?", false},
		{"/procuration/volontaire", "se déplacer pour l'élection « " + name + " ».", false},
		{fmt.Sprintf("/staff/procurations/demandes/%d", jeanne), "· élection « " + name + " » ·", true},
		{fmt.Sprintf("/staff/procurations/volontaires/%d", int64(r.JSON["id"].(float64))), "· élection « " + name + " »", true},
	} {
		var code int
		var body string
		if tc.staff {
			code, body = getPage(t, c, env.URL+tc.path)
		} else {
			code, body = get(t, env, tc.path)
		}
		body = html.UnescapeString(body)
		if code != 200 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, lacks %q", tc.path, code, tc.want)
		}
		for _, bad := range []string{"pour " + name, "pour « " + name, "élection " + name} {
			if strings.Contains(body, bad) {
				t.Errorf("%s reads %q", tc.path, bad)
			}
		}
	}
}

// The staff pages' wording: « à l'instant » rather than « il y a 0 min »,
// the empty-state sentence alone when a list is empty, the election's
// name rather than its slug, the export's label in French.
func TestStaffPagesWording(t *testing.T) {
	env := start(t)
	env.StaffToken(t, "admin@example.org", staff.Admin, "")
	c := staffSession(t, env, "admin@example.org")
	page := func(path string) string {
		t.Helper()
		code, body := getPage(t, c, env.URL+path)
		if code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
		return html.UnescapeString(body)
	}

	// Empty lists: only the empty-state sentence.
	for path, want := range map[string]string{"/staff/procurations": "Aucune demande.", "/staff/procurations/volontaires": "Aucun·e volontaire."} {
		body := page(path)
		if !strings.Contains(body, want) {
			t.Errorf("%s lacks %q", path, want)
		}
		for _, w := range []string{"0 tour de demande", "0 demande", "0 volontaire"} {
			if strings.Contains(body, w) {
				t.Errorf("%s shows %q", path, w)
			}
		}
	}

	jeanne := newRequest(t, env, requestBody("jeanne@example.org"))
	r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", with(with(volunteerBody("paul@example.org"), "commune_code", "75104"), "bureau_code", "1"))
	if r.Status != 201 {
		t.Fatalf("volunteer: %d %s", r.Status, r.Body)
	}
	for _, path := range []string{"/staff/procurations", "/staff/procurations/volontaires", fmt.Sprintf("/staff/procurations/volontaires/%d", int64(r.JSON["id"].(float64)))} {
		body := page(path)
		if !strings.Contains(body, "à l'instant") || strings.Contains(body, "0 min") {
			t.Errorf("%s: want « à l'instant », not « 0 min »", path)
		}
	}
	body := page(fmt.Sprintf("/staff/procurations/demandes/%d", jeanne))
	var name, slug string
	if err := env.Pool.QueryRow(t.Context(), `SELECT e.name, e.slug FROM elections e JOIN proxy_requests r ON r.election_id = e.id WHERE r.id = $1`,
		jeanne).Scan(&name, &slug); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "élection « "+name+" »") || strings.Contains(body, "élection <code>"+slug) {
		t.Errorf("request page: want the election's name %q, not its slug %q", name, slug)
	}

	body = page(fmt.Sprintf("/staff/procurations/volontaires/%d", int64(r.JSON["id"].(float64))))
	if !strings.Contains(body, "élection « "+name+" »") || strings.Contains(body, "élection <code>"+slug) {
		t.Errorf("volunteer page: want the election's name %q, not its slug %q", name, slug)
	}

	if got := staff.ActionLabel("export.proxies"); got != "Export : procurations" {
		t.Errorf("export label: %q", got)
	}
}
