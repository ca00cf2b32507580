package proxyweb_test

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/staff"
)

// A round filter that is not a number, or not a round of the election, is
// refused as a bad place is (422, the message under "round"), on the
// staff lists of requests and volunteers, API and pages: not ignored,
// which answered the whole list as if no round had been asked.
func TestStaffListsRefuseARoundThatIsNotOne(t *testing.T) {
	env := start(t)
	one := env.AddElection(t, "partielle-2027", "Municipale partielle d'Oraison", 60)
	env.Do(t, "POST", "/api/v1/proxy-requests", "", requestBody("jeanne@example.org"))
	if r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("paul@example.org")); r.Status != 201 {
		t.Fatalf("volunteer: %d %s", r.Status, r.Body)
	}
	org := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	const notARound = "Tour inconnu : choisissez le 1er ou le 2d tour."
	noSecond := "L'élection « " + one.Name + " » n'a pas de 2d tour."
	const badCommune = "Code de commune invalide (5 caractères INSEE, par exemple 04070)."
	for _, list := range []string{"/api/v1/proxy-volunteers", "/api/v1/proxy-requests"} {
		for _, tc := range []struct {
			query  string
			code   int
			fields map[string]string
		}{
			{"?round=x", 422, map[string]string{"round": notARound}},
			{"?round=1.5", 422, map[string]string{"round": notARound}},
			{"?round=0", 422, map[string]string{"round": notARound}},
			{"?round=-1", 422, map[string]string{"round": notARound}},
			{"?round=3", 422, map[string]string{"round": notARound}},
			{"?election=partielle-2027&round=2", 422, map[string]string{"round": noSecond}},
			// Every bad filter at once, as a form lists every bad field.
			{"?commune=abc&round=x", 422, map[string]string{"round": notARound, "commune": badCommune}},
			{"?election=partielle-2027&round=1", 200, nil},
			{"?election=" + demo.ElectionSlug + "&round=2", 200, nil},
			{"?round=%202%20", 200, nil},
			{"?round=", 200, nil},
		} {
			r := env.Do(t, "GET", list+tc.query, org, nil)
			fields, _ := r.JSON["fields"].(map[string]any)
			bad := r.Status != tc.code || len(fields) != len(tc.fields)
			for f, msg := range tc.fields {
				bad = bad || r.Field(f) != msg
			}
			if tc.code == 422 && r.JSON["error"] != "Certaines informations sont à corriger." {
				bad = true
			}
			if bad {
				t.Errorf("%s%s: %d %s, want %d %v", list, tc.query, r.Status, r.Body, tc.code, tc.fields)
			}
		}
	}
	// A round that is one filters: Paul signed up for both rounds.
	if r := env.Do(t, "GET", "/api/v1/proxy-volunteers?round=2", org, nil); r.Status != 200 || len(r.JSON["volunteers"].([]any)) != 1 {
		t.Errorf("round 2: %d %s", r.Status, r.Body)
	}

	// The pages: 422, the message next to the round filter (the select
	// then back on "Tous"), and no list below: not the whole scope's rows
	// as if they answered the filter.
	env.StaffToken(t, "org04p@example.org", staff.Organizer, "04")
	c := staffSession(t, env, "org04p@example.org")
	nextToRound := func(msg string) *regexp.Regexp {
		return regexp.MustCompile(`<label for="f-round">Tour</label>\s*<select id="f-round" name="round"><option value="">Tous</option>.*?</select><p class="error">` +
			regexp.QuoteMeta(msg) + `</p>`)
	}
	for _, tc := range []struct {
		path, msg, row string
	}{
		{"/staff/procurations/volontaires?round=x", notARound, "Paul Petit"},
		{"/staff/procurations/volontaires?election=partielle-2027&round=2", noSecond, "Paul Petit"},
		{"/staff/procurations?round=x", notARound, "Jeanne Moreau"},
		{"/staff/procurations?round=3&status=open", notARound, "Jeanne Moreau"},
		{"/staff/procurations?election=partielle-2027&round=2", noSecond, "Jeanne Moreau"},
	} {
		code, body := getPage(t, c, env.URL+tc.path)
		body = html.UnescapeString(body)
		if code != 422 || !nextToRound(tc.msg).MatchString(body) || !strings.Contains(body, "Certaines informations sont à corriger.") ||
			strings.Contains(body, tc.row) {
			t.Errorf("%s: %d, want 422 with %q next to the round filter and no %s:\n%s", tc.path, code, tc.msg, tc.row, body)
		}
	}
	for _, path := range []string{"/staff/procurations/volontaires?round=2", "/staff/procurations?round=2"} {
		code, body := getPage(t, c, env.URL+path)
		if code != 200 || !strings.Contains(body, `<option value="2" selected>2d tour</option>`) || strings.Contains(body, `class="error"`) {
			t.Errorf("%s: %d, want the round kept in its filter", path, code)
		}
	}
}

// The queue says how many requests (people) it holds and, when some ask
// for both rounds, how many rows that makes, in plain French with its
// plurals: not « 1 tour de demande. 1 demande ».
func TestQueueSaysHowManyRequestsInFrench(t *testing.T) {
	env := start(t)
	env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	c := staffSession(t, env, "org04@example.org")
	sentence := regexp.MustCompile(`<p id="decompte">([^<]*)</p>`)
	says := func(query string) string {
		t.Helper()
		code, body := getPage(t, c, env.URL+"/staff/procurations"+query)
		if code != 200 {
			t.Fatalf("queue%s: %d", query, code)
		}
		for _, bad := range []string{"tour de demande", "tours de demande"} {
			if strings.Contains(body, bad) {
				t.Errorf("queue%s reads %q", query, bad)
			}
		}
		if m := sentence.FindStringSubmatch(body); m != nil {
			return html.UnescapeString(m[1])
		}
		return ""
	}
	if got := says(""); got != "" {
		t.Errorf("empty queue says %q", got)
	}
	newRequest(t, env, requestBody("jeanne@example.org")) // both rounds
	for query, want := range map[string]string{
		"":         "1 demande, soit 2 lignes (une par tour demandé).",
		"?round=1": "1 demande pour le 1er tour.",
	} {
		if got := says(query); got != want {
			t.Errorf("queue%s says %q, want %q", query, got, want)
		}
	}
	newRequest(t, env, with(with(requestBody("bruno@example.org"), "first_name", "Bruno"), "rounds", []int{2}))
	for query, want := range map[string]string{
		"":                  "2 demandes, soit 3 lignes (une par tour demandé), de la plus ancienne à la plus récente.",
		"?round=2":          "2 demandes pour le 2d tour, de la plus ancienne à la plus récente.",
		"?round=2&limit=1":  "2 demandes pour le 2d tour, de la plus ancienne à la plus récente ; ligne 1 affichée.",
		"?limit=2":          "2 demandes, soit 3 lignes (une par tour demandé), de la plus ancienne à la plus récente ; lignes 1 à 2 affichées.",
		"?limit=2&offset=2": "2 demandes, soit 3 lignes (une par tour demandé), de la plus ancienne à la plus récente ; ligne 3 affichée.",
	} {
		if got := says(query); got != want {
			t.Errorf("queue%s says %q, want %q", query, got, want)
		}
	}
}
