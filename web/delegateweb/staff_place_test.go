package delegateweb

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/staff"
	"scrutin/web/webtest"
)

// fetch GETs a page as a client: its status, body and redirect.
func fetch(t *testing.T, c *http.Client, env *webtest.Env, path string) (int, string) {
	t.Helper()
	resp, err := c.Get(env.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, html.UnescapeString(string(b))
}

// runFrom posts the run form of a coverage page, as its button does:
// the page's hidden fields, the round chosen, simulation or not.
func runFrom(t *testing.T, c *http.Client, env *webtest.Env, page string, fields url.Values) (int, string) {
	t.Helper()
	fields.Set("_csrf", csrfOf(t, c, env, page))
	resp, err := c.PostForm(env.URL+"/staff/delegues/affectation", fields)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSeeOther {
		return resp.StatusCode, resp.Header.Get("Location")
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, html.UnescapeString(string(b))
}

func count(t *testing.T, env *webtest.Env, sql string) (n int) {
	t.Helper()
	if err := env.Pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The run form of a département's or a commune's page runs over that place
// and sends the browser back to the same page (election, round, place),
// with the place's figures; the button says where it runs. A place outside
// the scope is refused and nothing runs.
func TestRunFormKeepsThePlace(t *testing.T) {
	env := start(t)
	admin := login(t, env, demo.AdminEmail, demo.Password)
	slug := demo.ElectionSlug

	page := "/staff/delegues?election=" + slug + "&round=1&departement=04"
	status, body := fetch(t, admin, env, page)
	if status != 200 {
		t.Fatalf("page of the 04: %d\n%s", status, body)
	}
	needed := regexp.MustCompile(`id="seats-needed">(\d+)<`).FindStringSubmatch(body) // the 04's seats, as the page counts them
	if needed == nil {
		t.Fatalf("no seat count on the page of the 04\n%s", body)
	}
	parisBefore := count(t, env, `SELECT count(*) FROM delegate_assignments WHERE commune_code LIKE '75%'`)
	status, where := runFrom(t, admin, env, page, url.Values{"election": {slug}, "round": {"1"}, "departement": {"04"}, "commune": {""}, "run_round": {"1"}})
	if status != http.StatusSeeOther {
		t.Fatalf("run over the 04: %d\n%s", status, where)
	}
	u, _ := url.Parse(where)
	q := u.Query()
	if u.Path != "/staff/delegues" || q.Get("election") != slug || q.Get("round") != "1" || q.Get("departement") != "04" || q.Get("commune") != "" || q.Get("fait") != "affectation" {
		t.Fatalf("run over the 04 sends back to %q", where)
	}
	if n := count(t, env, `SELECT count(*) FROM delegate_assignments WHERE commune_code LIKE '75%'`); n != parisBefore {
		t.Fatalf("the run over the 04 changed Paris: %d seats, %d before", n, parisBefore)
	}
	status, body = fetch(t, admin, env, where)
	if status != 200 || !strings.Contains(body, `<p class="crumbs"`) || !strings.Contains(body, "Département 04</a>") ||
		!strings.Contains(body, " sur "+needed[1]+",") || !strings.Contains(body, "(1er tour, département 04).") {
		t.Fatalf("page after the run over the 04 (%s seats): %d\n%s", needed[1], status, body)
	}

	// A commune's page: back to the commune, every round run.
	page = "/staff/delegues?election=" + slug + "&round=2&commune=04070"
	outside := count(t, env, `SELECT count(*) FROM delegate_assignments WHERE commune_code <> '04070'`)
	status, where = runFrom(t, admin, env, page, url.Values{"election": {slug}, "round": {"2"}, "departement": {"04"}, "commune": {"04070"}, "run_round": {"all"}})
	u, _ = url.Parse(where)
	if q := u.Query(); status != http.StatusSeeOther || q.Get("round") != "2" || q.Get("commune") != "04070" || q.Get("departement") != "" {
		t.Fatalf("run over 04070: %d to %q", status, where)
	}
	if n := count(t, env, `SELECT count(*) FROM delegate_assignments WHERE commune_code <> '04070'`); n != outside {
		t.Fatalf("the run over 04070 changed seats elsewhere: %d, %d before", n, outside)
	}
	if _, body := fetch(t, admin, env, where); !strings.Contains(body, "(tous les tours, commune 04070).") || !strings.Contains(body, "Digne-les-Bains (04070)</p>") {
		t.Fatalf("page after the run over 04070\n%s", body)
	}

	// The button says where it runs; the round shown is the one chosen.
	for _, c := range []struct{ path, want string }{
		{"/staff/delegues?election=" + slug + "&round=1", `id="run-assignment">Lancer l'affectation (tout votre périmètre)</button>`},
		{"/staff/delegues?election=" + slug + "&round=1&departement=04", `id="run-assignment">Lancer l'affectation (département 04)</button>`},
		{"/staff/delegues?election=" + slug + "&round=2&departement=04", `<option value="2" selected>2d tour</option>`},
		{"/staff/delegues?election=" + slug + "&round=1&commune=04070", `id="run-assignment">Lancer l'affectation (commune de Digne-les-Bains, 04070)</button>`},
	} {
		if _, body := fetch(t, admin, env, c.path); !strings.Contains(body, c.want) {
			t.Errorf("%s lacks %s", c.path, c.want)
		}
	}

	// Outside the organizer's scope: refused, said so, nothing run.
	org04 := login(t, env, demo.OrganizerEmail, demo.Password)
	runs := count(t, env, `SELECT count(*) FROM delegate_runs`)
	status, body = runFrom(t, org04, env, "/staff/delegues?election="+slug, url.Values{"election": {slug}, "round": {"1"}, "departement": {"75"}, "run_round": {"1"}})
	if status != http.StatusForbidden || !strings.Contains(body, "Le département 75 est hors de votre périmètre.") {
		t.Fatalf("organizer of the 04 running the 75: %d\n%s", status, body)
	}
	if count(t, env, `SELECT count(*) FROM delegate_runs`) != runs {
		t.Fatal("a run outside the scope ran")
	}
}

// A simulation says what a run would do, in the conditional, and sends
// nothing.
func TestSimulationSpeaksInTheConditional(t *testing.T) {
	env := start(t)
	admin := login(t, env, demo.AdminEmail, demo.Password)
	slug := demo.ElectionSlug
	page := "/staff/delegues?election=" + slug + "&round=1&departement=04"
	seats := count(t, env, `SELECT count(*) FROM delegate_assignments`)
	mails := count(t, env, `SELECT count(*) FROM outbox`)
	status, where := runFrom(t, admin, env, page, url.Values{"election": {slug}, "round": {"1"}, "departement": {"04"}, "run_round": {"1"}, "dry_run": {"oui"}})
	if status != http.StatusSeeOther || !strings.Contains(where, "fait=simulation") {
		t.Fatalf("simulation: %d to %q", status, where)
	}
	if count(t, env, `SELECT count(*) FROM delegate_assignments`) != seats || count(t, env, `SELECT count(*) FROM outbox`) != mails {
		t.Fatal("the simulation wrote seats or messages")
	}
	_, body := fetch(t, admin, env, where)
	i := strings.Index(body, `id="run-result">`)
	if i < 0 {
		t.Fatalf("no result\n%s", body)
	}
	result := body[i+len(`id="run-result">`):]
	result = result[:strings.Index(result, "</div>")]
	for _, want := range []string{"Simulation (rien n'a été enregistré ni envoyé) : ", " seraient pourvus sur ", " seraient proposées", " seraient prévenu·es", "(1er tour, département 04)."} {
		if !strings.Contains(result, want) {
			t.Errorf("simulation result lacks %q: %q", want, result)
		}
	}
	for _, lie := range []string{"bénévoles prévenu·es", "Affectation terminée"} {
		if strings.Contains(result, lie) {
			t.Errorf("simulation result says %q: %q", lie, result)
		}
	}
}

// The notice after a run: singular for 0 and 1, plural from 2; the
// conditional for a simulation.
func TestRunNoticeWording(t *testing.T) {
	for _, tc := range []struct {
		done, figures, rounds, dep, commune string
		want                                string
	}{
		{"simulation", "0-0-0-0-0-0", "1", "04", "",
			"Simulation (rien n'a été enregistré ni envoyé) : 0 siège serait pourvu sur 0, 0 resterait vacant ; 0 nouvelle affectation serait proposée, 0 serait retirée, 0 bénévole serait prévenu·e (1er tour, département 04)."},
		{"simulation", "1-2-1-1-1-1", "tous", "", "04070",
			"Simulation (rien n'a été enregistré ni envoyé) : 1 siège serait pourvu sur 2, 1 resterait vacant ; 1 nouvelle affectation serait proposée, 1 serait retirée, 1 bénévole serait prévenu·e (tous les tours, commune 04070)."},
		{"simulation", "47-60-13-47-2-17", "tous", "", "",
			"Simulation (rien n'a été enregistré ni envoyé) : 47 sièges seraient pourvus sur 60, 13 resteraient vacants ; 47 nouvelles affectations seraient proposées, 2 seraient retirées, 17 bénévoles seraient prévenu·es (tous les tours, tout votre périmètre)."},
		{"affectation", "47-60-13-47-1-17", "2", "", "",
			"Affectation terminée : 47 sièges pourvus sur 60, 13 vacants ; 47 nouvelles affectations, 1 retirée, 17 bénévoles prévenu·es (2d tour, tout votre périmètre)."},
		{"affectation", "0-0-0-0-0-0", "", "", "",
			"Affectation terminée : 0 siège pourvu sur 0, 0 vacant ; 0 nouvelle affectation, 0 retirée, 0 bénévole prévenu·e."},
		{"affectation", "1-2-3", "1", "", "", ""},
		{"autre", "1-1-1-1-1-1", "1", "", "", ""},
	} {
		if got := runNotice(tc.done, tc.figures, tc.rounds, tc.dep, tc.commune); got != tc.want {
			t.Errorf("runNotice(%q, %q, %q):\n got %q\nwant %q", tc.done, tc.figures, tc.rounds, got, tc.want)
		}
	}
}

// The filters of the staff pages answer alike: a place outside the scope
// is refused with its name (403), a code that is not a place is said so
// (422), rather than "Aucun bénévole." or the whole scope.
func TestPlaceFiltersAnswerAlike(t *testing.T) {
	env := start(t)
	org04 := login(t, env, demo.OrganizerEmail, demo.Password)
	slug := demo.ElectionSlug
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/staff/delegues?election=" + slug + "&departement=75", 403, "Le département 75 est hors de votre périmètre."},
		{"/staff/delegues/benevoles?election=" + slug + "&departement=75", 403, "Le département 75 est hors de votre périmètre."},
		{"/staff/delegues/benevoles?election=" + slug + "&commune=75104", 403, "La commune 75104 est hors de votre périmètre."},
		{"/staff/delegues?election=" + slug + "&commune=ABCDE", 422, "Code de commune invalide (5 caractères INSEE, par exemple 04070)."},
		{"/staff/delegues?election=" + slug + "&departement=ZZZ", 422, "Code de département invalide"},
		{"/staff/delegues/benevoles?election=" + slug + "&commune=ABCDE", 422, "Code de commune invalide (5 caractères INSEE, par exemple 04070)."},
		{"/staff/delegues/benevoles?election=" + slug + "&departement=4", 200, "Lan NGUYỄN"},
		{"/staff/delegues/benevoles?election=" + slug + "&commune=4070", 200, "Lan NGUYỄN"},
	} {
		status, body := fetch(t, org04, env, tc.path)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want %d with %q\n%s", tc.path, status, tc.status, tc.want, body)
		}
		if status != 200 && (strings.Contains(body, "Aucun bénévole.") || strings.Contains(body, "% pourvus")) {
			t.Errorf("%s: refused but shows a list\n%s", tc.path, body)
		}
	}
	// The invalid commune is kept in the filter, to be corrected.
	if _, body := fetch(t, org04, env, "/staff/delegues?election="+slug+"&commune=ABCDE"); !strings.Contains(body, `id="bad-place"`) || !strings.Contains(body, `name="commune" size="6" value="ABCDE"`) {
		t.Errorf("invalid commune: filter\n%s", body)
	}
	// The API answers alike: 403 outside the scope, 422 for a code that
	// is not one, with the field.
	org04API := env.StaffToken(t, "org04api@example.org", staff.Organizer, "04")
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/api/v1/delegate-volunteers?election=" + slug + "&departement=75", 403, "hors de votre périmètre"},
		{"/api/v1/delegate-volunteers?election=" + slug + "&commune=ABCDE", 422, `"commune":"Code de commune invalide`},
		{"/api/v1/delegate-coverage?election=" + slug + "&round=1&departement=75", 403, "hors de votre périmètre"},
		{"/api/v1/delegate-coverage?election=" + slug + "&round=1&departement=ZZZ", 422, `"departement":"Code de département invalide`},
		{"/api/v1/delegate-volunteers?election=" + slug + "&departement=4", 200, `"last_name":"Nguyễn"`},
	} {
		if r := env.Do(t, "GET", tc.path, org04API, nil); r.Status != tc.status || !strings.Contains(string(r.Body), tc.want) {
			t.Errorf("%s: %d, want %d with %q\n%s", tc.path, r.Status, tc.status, tc.want, r.Body)
		}
	}
	// A viewer of one commune sees its volunteers, not its département's.
	viewer := env.StaffToken(t, "vue04070@example.org", staff.Viewer, "04070")
	if r := env.Do(t, "GET", "/staff/delegues/benevoles?election="+slug+"&commune=04112", viewer, nil); r.Status != 403 ||
		!strings.Contains(string(r.Body), "La commune 04112 est hors de votre périmètre.") {
		t.Errorf("viewer of 04070 asking for 04112: %d", r.Status)
	}
}

// The R46 deadline on the coverage page names its real weekday.
func TestCoverageDeadlineNamesItsWeekday(t *testing.T) {
	env := start(t)
	admin := login(t, env, demo.AdminEmail, demo.Password)
	slug := demo.ElectionSlug
	e := env.Election(t)
	r1, _ := e.Round(1)
	dl := r1.Date.AddDate(0, 0, -3).Format("02/01/2006")
	if _, body := fetch(t, admin, env, "/staff/delegues?election="+slug+"&round=1"); !strings.Contains(body, "au plus tard le jeudi <time datetime=") ||
		!strings.Contains(body, ">"+dl+" à 18h00</time>") {
		t.Fatalf("deadline of a Sunday round: want jeudi %s\n%s", dl, body)
	}
	// A round stored on a Saturday (before the Sunday rule): its deadline
	// is a Wednesday, and the page says so.
	if _, err := env.Pool.Exec(context.Background(), `UPDATE rounds SET date = date - 1 WHERE election_id = $1 AND number = 1`, e.ID); err != nil {
		t.Fatal(err)
	}
	wed := r1.Date.AddDate(0, 0, -4).Format("02/01/2006")
	if _, body := fetch(t, admin, env, "/staff/delegues?election="+slug+"&round=1"); !strings.Contains(body, "au plus tard le mercredi <time datetime=") ||
		!strings.Contains(body, ">"+wed+" à 18h00</time>") || strings.Contains(body, "au plus tard le jeudi <time datetime=\""+r1.Date.AddDate(0, 0, -4).Format("2006-01-02")) {
		t.Fatalf("deadline of a Saturday round: want mercredi %s\n%s", wed, body)
	}
}

// The phones of seat holders and of people to call read as in France, as
// everywhere else; the link keeps the number to dial.
func TestCoveragePhonesReadAsInFrance(t *testing.T) {
	env := start(t)
	admin := login(t, env, demo.AdminEmail, demo.Password)
	slug := demo.ElectionSlug
	// Seat holders (Claire Durand, +33612000000, holds 04070 bureau 1).
	_, body := fetch(t, admin, env, "/staff/delegues?election="+slug+"&round=1&commune=04070")
	if !strings.Contains(body, `<a href="tel:+33612000000">06 12 00 00 00</a>`) || strings.Contains(body, ">+33") {
		t.Fatalf("seat holder's phone\n%s", body)
	}
	// People to call for an empty seat.
	_, body = fetch(t, admin, env, "/staff/delegues?election="+slug+"&round=1&departement=04")
	gaps := body[strings.Index(body, `id="gaps"`):]
	if !strings.Contains(gaps, `">06 12 00 00 0`) || strings.Contains(gaps, ">+33") {
		t.Fatalf("phones of people to call\n%s", gaps)
	}
}

// A place outside the caller's scope is refused by every delegate list and
// API filtered by place with the reason, as the proxy lists and the
// exports give it: in "error" and under the parameter that named the place
// (the commune when one is given, else the département), not the generic
// « Accès refusé ».
func TestOutOfScopeAPIsSayWhy(t *testing.T) {
	env := start(t)
	slug := demo.ElectionSlug
	org04 := env.StaffToken(t, "org04why@example.org", staff.Organizer, "04")
	dep75, com75104 := "Le département 75 est hors de votre périmètre.", "La commune 75104 est hors de votre périmètre."
	for _, tc := range []struct {
		method, path string
		body         any
		field, want  string
	}{
		{"GET", "/api/v1/delegate-volunteers?departement=75", nil, "departement", dep75},
		{"GET", "/api/v1/delegate-volunteers?election=" + slug + "&commune=75104", nil, "commune", com75104},
		{"GET", "/api/v1/delegate-coverage?election=" + slug + "&round=1&departement=75", nil, "departement", dep75},
		{"GET", "/api/v1/delegate-coverage?election=" + slug + "&commune=75104", nil, "commune", com75104},
		{"POST", "/api/v1/delegate-assignment/run", map[string]any{"election": slug, "dry_run": true, "departement": "75"}, "departement", dep75},
		{"POST", "/api/v1/delegate-assignment/run", map[string]any{"election": slug, "dry_run": true, "commune": "75104"}, "commune", com75104},
	} {
		r := env.Do(t, tc.method, tc.path, org04, tc.body)
		fields, _ := r.JSON["fields"].(map[string]any)
		if r.Status != 403 || r.JSON["error"] != tc.want || len(fields) != 1 || r.Field(tc.field) != tc.want {
			t.Errorf("%s %s: %d, want 403 {\"error\":%q,\"fields\":{%q:…}}\n%s", tc.method, tc.path, r.Status, tc.want, tc.field, r.Body)
		}
	}
}

// The volunteers page refuses a place outside the scope, or that is not
// one, next to its field: the filter form stays with what was typed, to be
// corrected, and no list is shown.
func TestVolunteersPageKeepsTheFilterWhenRefused(t *testing.T) {
	env := start(t)
	org04 := login(t, env, demo.OrganizerEmail, demo.Password)
	slug := demo.ElectionSlug
	for _, tc := range []struct {
		query  string
		status int
		kept   []string // the form as typed
		error  string   // next to its field
	}{
		{"departement=75&q=Dupont&role=delegue_titulaire&status=free", 403,
			[]string{`name="departement" size="4" value="75"`, `name="q" value="Dupont"`, `<option value="delegue_titulaire" selected>`, `<option value="free" selected>`},
			`<input id="f_dep" name="departement" size="4" value="75" aria-invalid="true" aria-describedby="departement-error"><p class="error" id="departement-error" role="alert">Le département 75 est hors de votre périmètre.</p>`},
		{"commune=75104&round=2", 403,
			[]string{`name="commune" size="6" value="75104"`, `<option value="2" selected>2d tour</option>`},
			`<p class="error" id="commune-error" role="alert">La commune 75104 est hors de votre périmètre.</p>`},
		{"commune=ABCDE", 422,
			[]string{`name="commune" size="6" value="ABCDE"`},
			`<p class="error" id="commune-error" role="alert">Code de commune invalide (5 caractères INSEE, par exemple 04070).</p>`},
	} {
		path := "/staff/delegues/benevoles?election=" + slug + "&" + tc.query
		status, body := fetch(t, org04, env, path)
		if status != tc.status || !strings.Contains(body, `<form method="get" action="/staff/delegues/benevoles" class="filters">`) || !strings.Contains(body, tc.error) {
			t.Errorf("%s: %d, want %d with the form and %s\n%s", path, status, tc.status, tc.error, body)
			continue
		}
		for _, k := range tc.kept {
			if !strings.Contains(body, k) {
				t.Errorf("%s: the form lost %s", path, k)
			}
		}
		if strings.Contains(body, `<table class="volunteers">`) || strings.Contains(body, "Aucun bénévole") {
			t.Errorf("%s: refused but shows a list\n%s", path, body)
		}
	}
	// A place of the scope: the list, no error.
	if status, body := fetch(t, org04, env, "/staff/delegues/benevoles?election="+slug+"&departement=04"); status != 200 ||
		!strings.Contains(body, `<table class="volunteers">`) || strings.Contains(body, `class="error"`) {
		t.Errorf("the 04: %d\n%s", status, body)
	}
}
