package exports_test

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/exports"
	"scrutin/logistics/staff"
	"scrutin/web"
	"scrutin/web/delegateweb"
	"scrutin/web/webtest"
)

// Every export is named to people by its one French title, in the journal
// as anywhere: « Export : » and the title, for rows of any age; the
// staff's own label of the proxies export says the same.
func TestExportActionLabels(t *testing.T) {
	for _, x := range exports.All() {
		if got, want := exports.ActionLabel("export."+x.Name), "Export : "+x.Title; got != want || x.Title == "" {
			t.Errorf("%s: %q, want %q", x.Name, got, want)
		}
	}
	if got := exports.ActionLabel("export.proxies"); got != staff.ActionLabel("export.proxies") {
		t.Errorf("proxies: %q here, %q in the staff's labels", got, staff.ActionLabel("export.proxies"))
	}
	for action, want := range map[string]string{"staff.login": "Connexion", "export.retired": "Export : retired", "test.page": "test.page"} {
		if got := exports.ActionLabel(action); got != want {
			t.Errorf("%s: %q, want %q", action, got, want)
		}
	}
}

// The journal names each export in French and says whose scope it was
// read in, for a download of today (the delegates workbook of a 04
// organizer who asked for no place, named after the 04) as for rows
// written before exports had a title (the scope as recorded: a list of
// codes, [] or null for a national reader).
func TestJournalShowsExportsInFrench(t *testing.T) {
	env := webtest.Start(t, webtest.Options{Modules: []web.Module{delegateweb.Routes}})
	org := env.StaffToken(t, "org04-journal@example.org", staff.Organizer, "04")
	file := "assesseurs-delegues-" + demo.ElectionSlug + "-04.xlsx"
	r := env.Do(t, "GET", "/api/v1/exports/delegates.xlsx", org, nil)
	if cd := r.Header.Get("Content-Disposition"); r.Status != 200 || !strings.Contains(cd, `filename="`+file+`"`) {
		t.Errorf("download: %d, Content-Disposition %q, want %s", r.Status, cd, file)
	}
	if _, err := env.Pool.Exec(t.Context(), `INSERT INTO audit_log (actor, action, entity, entity_id, details) VALUES
		('staff:ancien@example.org', 'export.delegates', 'export', 'assesseurs-delegues-tout-demo-2027.xlsx', '{"election": "demo-2027", "rows": 3, "scope": ["04", "75056"]}'),
		('cli', 'export.material-labels', 'export', 'materiel-etiquettes-lot-1.pdf', '{"batch": "1", "rows": 8, "scope": null}'),
		('staff:admin@example.org', 'export.prefecture', 'export', 'prefecture-04-demo-2027.pdf', '{"departement": "04", "rows": 1, "scope": []}')`); err != nil {
		t.Fatal(err)
	}
	page := env.Do(t, "GET", "/staff/journal?action=export.", env.AdminToken(t), nil)
	if page.Status != 200 {
		t.Fatalf("journal: %d", page.Status)
	}
	rows := map[string]string{} // entity_id: the row's text
	for _, m := range regexp.MustCompile(`(?s)<tr><td>(.*?)</tr>`).FindAllStringSubmatch(string(page.Body), -1) {
		text := html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], " | "))
		for _, id := range []string{file, "assesseurs-delegues-tout-demo-2027.xlsx", "materiel-etiquettes-lot-1.pdf", "prefecture-04-demo-2027.pdf"} {
			if strings.Contains(text, "export "+id) {
				rows[id] = text
			}
		}
	}
	for id, want := range map[string][]string{
		file: {"Export : classeur des assesseurs et délégués", "élection : " + demo.ElectionSlug, "périmètre : 04 |"},
		"assesseurs-delegues-tout-demo-2027.xlsx": {"Export : classeur des assesseurs et délégués", "périmètre : 04, 75056 |"},
		"materiel-etiquettes-lot-1.pdf":           {"Export : étiquettes d'adresse des colis de matériel", "périmètre : national |"},
		"prefecture-04-demo-2027.pdf":             {"Export : récapitulatif pour la préfecture", "périmètre : national |"},
	} {
		text, ok := rows[id]
		if !ok {
			t.Errorf("no journal row for %s:\n%s", id, page.Body)
			continue
		}
		webtest.PageShows(t, text, want, []string{"Export : delegates", "Export : material-labels", "Export : prefecture", "scope :", `["04"`, "null"})
	}
}
