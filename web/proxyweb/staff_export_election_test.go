package proxyweb_test

import (
	"html"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/staff"
	"scrutin/web/webtest"
)

// The queue's export is one election's workbook: the link carries the
// election of the rows listed (the filter's, or the one every row, on
// every page, belongs to), not the only open one. A list that spans
// several elections offers no export and says to choose one.
func TestQueueExportCarriesTheListsElection(t *testing.T) {
	env := start(t)
	env.AddElection(t, "partielle-2027", "Municipale partielle d'Oraison", 60)
	org := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	env.AdminToken(t)
	c, admin := staffSession(t, env, "org04@example.org"), staffSession(t, env, "admin-test@example.org")
	const spans = "Cette liste couvre plusieurs élections : choisissez-en une dans le filtre pour l'exporter."
	demoLink := "proxies.xlsx?election=" + demo.ElectionSlug
	check := func(t *testing.T, query, link string, want, lack []string) {
		t.Helper()
		code, body := getPage(t, c, env.URL+"/staff/procurations"+query)
		if code != 200 {
			t.Fatalf("queue%s: %d", query, code)
		}
		webtest.PageShows(t, html.UnescapeString(body), want, lack)
		m := exportLinkRe.FindStringSubmatch(body)
		switch {
		case link == "" && m != nil:
			t.Errorf("queue%s: export %s, want none", query, m[1])
		case link != "" && m == nil:
			t.Errorf("queue%s: no export, want %s", query, link)
		case link != "":
			href := html.UnescapeString(m[1])
			if !strings.Contains(href, link) {
				t.Errorf("queue%s: export %s, want %s", query, href, link)
			}
			// The link it gives is one the export takes.
			if r := env.Do(t, "GET", href, org, nil); r.Status != 200 {
				t.Errorf("queue%s: export %s: %d %s", query, href, r.Status, r.Body)
			}
		}
	}

	// Two elections open, the requests of one: the list is that
	// election's, and so is its export.
	newRequest(t, env, requestBody("jeanne@example.org")) // both rounds: two rows
	for _, query := range []string{"", "?limit=1", "?limit=1&offset=1"} {
		t.Run("one election"+query, func(t *testing.T) {
			check(t, query, demoLink, []string{"Jeanne Moreau"}, []string{spans})
		})
	}

	// Then a request for the other: the list spans both.
	newRequest(t, env, with(with(with(requestBody("bruno@example.org"), "first_name", "Bruno"), "election", "partielle-2027"), "rounds", []int{1}))
	for _, tc := range []struct {
		query, link string
		want, lack  []string
	}{
		{"", "", []string{"Jeanne Moreau", "Bruno Moreau", spans}, nil},
		// The page shows one election's rows, the next pages another's.
		{"?limit=1", "", []string{"Jeanne Moreau", spans}, []string{"Bruno Moreau"}},
		{"?limit=2&offset=2", "", []string{"Bruno Moreau", spans}, []string{"Jeanne Moreau"}},
		{"?offset=10", "", []string{spans}, nil},
		// An election chosen: its export, whichever is open.
		{"?election=partielle-2027", "proxies.xlsx?election=partielle-2027", []string{"Bruno Moreau"}, []string{"Jeanne Moreau", spans}},
		{"?election=" + demo.ElectionSlug, demoLink, []string{"Jeanne Moreau"}, []string{"Bruno Moreau", spans}},
		// Other filters may narrow the list to one election.
		{"?round=2", demoLink + "&round=2", []string{"Jeanne Moreau"}, []string{"Bruno Moreau", spans}},
	} {
		t.Run("two elections"+tc.query, func(t *testing.T) {
			check(t, tc.query, tc.link, tc.want, tc.lack)
		})
	}
	// An admin is also asked to choose before running the batch.
	_, body := getPage(t, admin, env.URL+"/staff/procurations")
	webtest.PageShows(t, html.UnescapeString(body),
		[]string{"Cette liste couvre plusieurs élections : choisissez-en une dans le filtre pour l'exporter ou lancer l'appariement."},
		[]string{`id="export"`, `id="apparier"`})
}
