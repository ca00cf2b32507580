package proxyweb_test

import (
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/exports"
	"scrutin/logistics/staff"
)

// A refused filter keeps what was typed in the form of both staff lists,
// with the reason under the field that named the place: outside the
// reader's scope (403) as for a code that is not one (422).
func TestStaffListsKeepARefusedFilterWithItsReason(t *testing.T) {
	env := start(t)
	env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	c := staffSession(t, env, "org04@example.org")
	const (
		dep75      = "Le département 75 est hors de votre périmètre."
		com75104   = "La commune 75104 est hors de votre périmètre."
		dep99      = "Département inconnu : 99."
		badCommune = "Code de commune invalide (5 caractères INSEE, par exemple 04070)."
	)
	next := func(field, value, msg string) string {
		return `name="` + field + `" size="` + map[string]string{"departement": "4", "commune": "6"}[field] + `" value="` + value +
			`" aria-invalid="true" aria-describedby="` + field + `-error"><p class="error" id="` + field + `-error" role="alert">` + msg + `</p>`
	}
	for _, list := range []string{"/staff/procurations", "/staff/procurations/volontaires"} {
		for _, tc := range []struct {
			query string
			code  int
			shows []string
		}{
			{"?departement=75", 403, []string{next("departement", "75", dep75)}},
			{"?commune=75104", 403, []string{next("commune", "75104", com75104)}},
			{"?departement=99", 422, []string{next("departement", "99", dep99)}},
			{"?commune=abc", 422, []string{next("commune", "abc", badCommune)}},
			{"?round=1&departement=75", 403, []string{next("departement", "75", dep75), `<option value="1" selected>1er tour</option>`}},
			// Every bad field at once, each under its own.
			{"?round=1&departement=99&commune=abc", 422, []string{next("departement", "99", dep99), next("commune", "abc", badCommune),
				`<option value="1" selected>1er tour</option>`}},
		} {
			code, body := getPage(t, c, env.URL+list+tc.query)
			body = html.UnescapeString(body)
			if code != tc.code {
				t.Errorf("%s%s: %d, want %d", list, tc.query, code, tc.code)
			}
			for _, want := range tc.shows {
				if !strings.Contains(body, want) {
					t.Errorf("%s%s lacks %q", list, tc.query, want)
				}
			}
			// The reason is said once, where it belongs.
			for _, msg := range []string{dep75, com75104} {
				if n := strings.Count(body, msg); n > 1 {
					t.Errorf("%s%s says %q %d times", list, tc.query, msg, n)
				}
			}
		}
		// A status kept, where the list has one of that name.
		if list == "/staff/procurations" {
			_, body := getPage(t, c, env.URL+list+"?commune=75104&status=open")
			if !strings.Contains(body, `<option value="open" selected>`) {
				t.Errorf("%s?commune=75104&status=open: the status is not kept", list)
			}
		}
	}
}

// The API reports every bad filter at once: the département beside the
// commune, and the round with them.
func TestStaffListsAPIReportEveryBadPlace(t *testing.T) {
	env := start(t)
	org := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	want := map[string]string{"departement": "Département inconnu : 99.", "commune": "Code de commune invalide (5 caractères INSEE, par exemple 04070)."}
	for _, list := range []string{"/api/v1/proxy-requests", "/api/v1/proxy-volunteers"} {
		for query, n := range map[string]int{"?round=1&departement=99&commune=abc": 2, "?round=x&departement=99&commune=abc": 3} {
			r := env.Do(t, "GET", list+query, org, nil)
			fields, _ := r.JSON["fields"].(map[string]any)
			bad := r.Status != 422 || len(fields) != n
			for f, msg := range want {
				bad = bad || r.Field(f) != msg
			}
			if n == 3 && r.Field("round") != "Tour inconnu : choisissez le 1er ou le 2d tour." {
				bad = true
			}
			if bad {
				t.Errorf("%s%s: %d %s", list, query, r.Status, r.Body)
			}
		}
	}
}

var exportLinkRe = regexp.MustCompile(`<a class="button secondary" href="([^"]+)" id="export">([^<]*)</a>`)

// The queue's export carries the list's filters the export reads (any
// other it would refuse), and says which of the list's filters it cannot
// carry; the link it gives is accepted.
func TestQueueExportCarriesTheFilters(t *testing.T) {
	env := start(t)
	newRequest(t, env, requestBody("jeanne@example.org"))
	org := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	c := staffSession(t, env, "org04@example.org")
	e, _ := exports.Lookup("proxies")
	reads := func(p string) bool { return slices.Contains(e.Params, p) }
	election := "election=" + demo.ElectionSlug
	for _, tc := range []struct {
		query        string
		link         []string // what the link carries
		notCarried   []string // the list's filters named in the label
		roundInQuery bool
	}{
		{"", []string{election}, nil, false},
		{"?departement=4", []string{election, "departement=04"}, nil, false},
		{"?commune=04070&departement=04", []string{election, "commune=04070"}, nil, false},
		{"?commune=04070&status=open&round=1", []string{election, "commune=04070"}, []string{"Statut"}, true},
	} {
		code, body := getPage(t, c, env.URL+"/staff/procurations"+tc.query)
		m := exportLinkRe.FindStringSubmatch(body)
		if code != 200 || m == nil {
			t.Errorf("queue%s: %d, no export link", tc.query, code)
			continue
		}
		link, label := html.UnescapeString(m[1]), html.UnescapeString(m[2])
		notCarried := tc.notCarried
		if tc.roundInQuery {
			if reads("round") {
				tc.link = append(tc.link, "round=1")
			} else {
				notCarried = append(notCarried, "Tour")
			}
		}
		for _, p := range tc.link {
			if !strings.Contains(link, p) {
				t.Errorf("queue%s: export %q lacks %q", tc.query, link, p)
			}
		}
		if strings.Contains(link, "departement=") && strings.Contains(link, "commune=") || strings.Contains(link, "status=") && !reads("status") {
			t.Errorf("queue%s: export %q", tc.query, link)
		}
		want := "Exporter cette liste (Excel)"
		switch len(notCarried) {
		case 1:
			want += ", sans le filtre « " + notCarried[0] + " »"
		case 2:
			want += ", sans les filtres « " + notCarried[0] + " » et « " + notCarried[1] + " »"
		}
		if label != want {
			t.Errorf("queue%s: export labelled %q, want %q", tc.query, label, want)
		}
		if r := env.Do(t, "GET", link, org, nil); r.Status != 200 {
			t.Errorf("queue%s: export %s: %d %s", tc.query, link, r.Status, r.Body)
		}
	}
	// A place outside scope: no list, nothing to export.
	if code, body := getPage(t, c, env.URL+"/staff/procurations?departement=75"); code != 403 || strings.Contains(body, `id="export"`) {
		t.Errorf("queue?departement=75: %d, export link shown", code)
	}
}
