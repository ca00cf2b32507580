package proxyweb_test

import (
	"context"
	"fmt"
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

// staffSession logs a staff member in through the login form and returns
// a client holding the session cookie.
func staffSession(t *testing.T, env *webtest.Env, email string) *http.Client {
	t.Helper()
	c, csrf := formClient(t, env, "/connexion")
	resp, err := c.PostForm(env.URL+"/connexion", url.Values{"_csrf": {csrf}, "email": {email}, "password": {"password-for-tests"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login of %s: %d", email, resp.StatusCode)
	}
	return c
}

// getPage fetches a page with the client and returns its status and body.
func getPage(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func TestStaffVolunteerListAndPage(t *testing.T) {
	env := start(t)
	ctx := context.Background()
	env.Do(t, "POST", "/api/v1/proxy-requests", "", requestBody("jeanne@example.org"))
	paul := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("paul@example.org"))
	lise := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", with(with(with(volunteerBody("lise@example.org"),
		"first_name", "Lise"), "voter_number", "87654321"), "phone", "06 11 22 33 44"))
	thomas := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", with(with(with(with(with(volunteerBody("thomas@example.org"),
		"first_name", "Thomas"), "commune_code", "75104"), "bureau_code", "13"), "voter_number", "11223344"), "phone", "06 55 44 33 22"))
	if paul.Status != 201 || lise.Status != 201 || thomas.Status != 201 {
		t.Fatalf("sign-ups: %d %s / %d %s / %d %s", paul.Status, paul.Body, lise.Status, lise.Body, thomas.Status, thomas.Body)
	}
	messageLink(t, env, "paul@example.org", "proxy.offer") // Jeanne was proposed to Paul
	id := func(r *webtest.Response) int64 { return int64(r.JSON["id"].(float64)) }
	env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	env.StaffToken(t, "viewer04@example.org", staff.Viewer, "04")
	env.StaffToken(t, "org75@example.org", staff.Organizer, "75")
	org, viewer, org75 := staffSession(t, env, "org04@example.org"), staffSession(t, env, "viewer04@example.org"), staffSession(t, env, "org75@example.org")
	list := env.URL + "/staff/procurations/volontaires"

	// The list: the scope only, the counts per situation, the filters.
	for _, tc := range []struct {
		who     *http.Client
		query   string
		status  int
		want    []string
		notWant []string
	}{
		{org, "", 200, []string{"Paul Petit", "Lise Petit", `data-status="offered">1<`, `data-status="available">1<`, `data-status="">2<`,
			`href="/staff/procurations/volontaires?status=offered"`, `<a href="/staff/procurations/volontaires">Volontaires procurations</a>`}, []string{"Thomas"}},
		{org75, "", 200, []string{"Thomas Petit", `data-status="">1<`}, []string{"Paul", "Lise"}},
		{org, "?status=offered", 200, []string{"Paul Petit", "proposition en attente", "Proposition en attente"}, []string{"Lise"}},
		{org, "?status=available", 200, []string{"Lise Petit"}, []string{"Paul"}},
		{org, "?status=withdrawn", 200, []string{"Aucun·e volontaire."}, []string{"Paul", "Lise"}},
		{org, "?departement=75", 403, []string{"Le département 75 est hors de votre périmètre."}, []string{"Thomas", "Paul"}},
		// Jeanne needs both rounds: Paul is offered both.
		{org, "?commune=4070&round=2&status=available", 200, []string{"Lise Petit", "La situation est celle de ce tour.", `data-status="offered">1<`}, []string{"Paul"}},
		{viewer, "?status=perdu", 422, []string{"Statut inconnu."}, nil},
	} {
		code, body := getPage(t, tc.who, list+tc.query)
		if code != tc.status {
			t.Fatalf("%s: %d", tc.query, code)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("list%s lacks %q", tc.query, w)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(body, w) {
				t.Errorf("list%s shows %q", tc.query, w)
			}
		}
	}
	// The JSON list reads the same function: same counts, same situation.
	r := env.Do(t, "GET", "/api/v1/proxy-volunteers?status=offered", env.StaffToken(t, "api04@example.org", staff.Viewer, "04"), nil)
	vs, _ := r.JSON["volunteers"].([]any)
	counts, _ := r.JSON["counts"].(map[string]any)
	if r.Status != 200 || len(vs) != 1 || vs[0].(map[string]any)["situation"] != "offered" || counts["available"] != 1.0 || counts["offered"] != 1.0 {
		t.Fatalf("API: %d %s", r.Status, r.Body)
	}

	// The volunteer's page: contact, never the NNE or the birth date.
	paulPage := fmt.Sprintf("%s/%d", list, id(paul))
	code, body := getPage(t, viewer, paulPage)
	if code != 200 {
		t.Fatalf("Paul's page: %d", code)
	}
	for _, w := range []string{"Paul Petit", "paul@example.org", "06 98 76 54 32", "Digne-les-Bains", "bureau 2", "10 km", "en attente de réponse", "Jeanne Moreau", "0,0 km"} {
		if !strings.Contains(body, w) {
			t.Errorf("Paul's page lacks %q", w)
		}
	}
	// The random form token could contain any digits: leave it out.
	visible := csrfRe.ReplaceAllString(body, "")
	for _, w := range []string{"123456789", "1990-05-17", "17/05/1990", "1990", `id="retirer"`, "%!"} {
		if strings.Contains(visible, w) {
			t.Errorf("Paul's page, as a viewer, shows %q", w)
		}
	}
	if code, _ := getPage(t, org, fmt.Sprintf("%s/%d", list, id(thomas))); code != 404 {
		t.Fatalf("Thomas's page for the 04 organizer: %d", code)
	}

	// A viewer cannot withdraw, even with a valid form.
	csrf := csrfRe.FindStringSubmatch(body)[1]
	resp, err := viewer.PostForm(paulPage+"/retirer", url.Values{"_csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("viewer withdrawing: %d", resp.StatusCode)
	}
	// An organizer outside the scope gets a 404, one without the form's
	// token a 403, and nothing changes.
	_, body75 := getPage(t, org75, list)
	resp, _ = org75.PostForm(paulPage+"/retirer", url.Values{"_csrf": {csrfRe.FindStringSubmatch(body75)[1]}})
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("75 organizer withdrawing a 04 volunteer: %d", resp.StatusCode)
	}
	resp, _ = org.PostForm(paulPage+"/retirer", url.Values{})
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("withdrawal without CSRF token: %d", resp.StatusCode)
	}
	var status string
	env.Pool.QueryRow(ctx, `SELECT status FROM proxy_volunteers WHERE id = $1`, id(paul)).Scan(&status)
	if status != "active" {
		t.Fatalf("Paul is %s after refused withdrawals", status)
	}

	// The organizer withdraws Paul: done, audited under their name, shown.
	_, body = getPage(t, org, paulPage)
	if !strings.Contains(body, `id="retirer"`) {
		t.Fatal("no withdraw button for the organizer")
	}
	resp, err = org.PostForm(paulPage+"/retirer", url.Values{"_csrf": {csrfRe.FindStringSubmatch(body)[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 || resp.Header.Get("Location") != fmt.Sprintf("/staff/procurations/volontaires/%d?fait=retire", id(paul)) {
		t.Fatalf("withdrawal: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var audited int
	env.Pool.QueryRow(ctx, `SELECT status FROM proxy_volunteers WHERE id = $1`, id(paul)).Scan(&status)
	env.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'proxy_volunteer.withdraw' AND entity_id = $1 AND actor = 'staff:org04@example.org'`,
		fmt.Sprint(id(paul))).Scan(&audited)
	if status != "withdrawn" || audited != 1 {
		t.Fatalf("after withdrawal: %s, %d audit rows", status, audited)
	}
	messageLink(t, env, "paul@example.org", "proxy.volunteer_withdrawn")
	_, body = getPage(t, org, paulPage+"?fait=retire")
	for _, w := range []string{"est retiré·e de la liste", "Retiré·e", "Retrait de la liste", "<td>org04@example.org</td>", "volontaire retiré·e"} {
		if !strings.Contains(body, w) {
			t.Errorf("Paul's page after withdrawal lacks %q", w)
		}
	}
	if visible := csrfRe.ReplaceAllString(body, ""); strings.Contains(visible, `id="retirer"`) || strings.Contains(visible, "123456789") {
		t.Error("Paul's page after withdrawal shows the button or the NNE")
	}
	_, body = getPage(t, org, list+"?status=withdrawn")
	if !strings.Contains(body, "Paul Petit") {
		t.Error("Paul not listed among the withdrawn")
	}
}

// The list pages with its cursor: the next-page link carries it (and the
// filters), and the first page comes back.
func TestStaffVolunteerListPages(t *testing.T) {
	env := start(t)
	for i := range 53 {
		b := with(with(with(volunteerBody(fmt.Sprintf("v%d@example.org", i)), "voter_number", fmt.Sprintf("%09d", 100+i)),
			"phone", fmt.Sprintf("06 12 00 %02d %02d", i/100, i%100)), "last_name", fmt.Sprintf("Numéro%02d", i))
		if r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", b); r.Status != 201 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	}
	env.StaffToken(t, "viewer04@example.org", staff.Viewer, "04")
	c := staffSession(t, env, "viewer04@example.org")
	_, first := getPage(t, c, env.URL+"/staff/procurations/volontaires?departement=04")
	next := regexp.MustCompile(`href="([^"]+)" id="page-suivante"`).FindStringSubmatch(first)
	if next == nil || !strings.Contains(first, "Numéro49") || strings.Contains(first, "Numéro50") || !strings.Contains(first, "53 volontaires") {
		t.Fatalf("first page: next %v", next)
	}
	u := strings.ReplaceAll(next[1], "&amp;", "&")
	if !strings.Contains(u, "departement=04") {
		t.Fatalf("next page link loses the filter: %s", u)
	}
	_, second := getPage(t, c, env.URL+u)
	if !strings.Contains(second, "Numéro50") || !strings.Contains(second, "Numéro52") || strings.Contains(second, "Numéro49") ||
		strings.Contains(second, `id="page-suivante"`) || !strings.Contains(second, `id="premiere-page"`) {
		t.Fatal("second page")
	}
}

// The batch button sends the browser back to the queue with the result in
// the address: reloading shows it again, and runs nothing.
func TestMatchFormRedirectsWithItsResult(t *testing.T) {
	env := start(t)
	env.StaffToken(t, "national@example.org", staff.Admin)
	c := staffSession(t, env, "national@example.org")
	_, page := getPage(t, c, env.URL+"/staff/procurations")
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the queue")
	}
	resp, err := c.PostForm(env.URL+"/staff/procurations/appariement", url.Values{"_csrf": {m[1]}, "election": {demo.ElectionSlug}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	where := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(where, "/staff/procurations?") {
		t.Fatalf("batch: %d to %q", resp.StatusCode, where)
	}
	runs := func() (n int) {
		env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'proxy_matching.run'`).Scan(&n)
		return
	}
	before := runs()
	for range 2 {
		status, body := getPage(t, c, env.URL+where)
		if status != 200 || !regexp.MustCompile(`Appariement terminé : \d+ nouvelles? propositions?, \d+ déplacées?, \d+ tours? de demande sans volontaire possible\.`).MatchString(body) {
			t.Fatalf("queue after the batch: %d\n%s", status, body)
		}
	}
	if runs() != before {
		t.Fatal("reloading the result ran the batch again")
	}
}

// The sentence above the volunteers list says what it counts, and agrees
// with the counter of the tab shown: with a round and every situation, it
// counts the volunteers of that round and how many of them are available,
// not "N available" beside an "available" counter that says otherwise.
func TestStaffVolunteerListSentenceAgreesWithItsCounter(t *testing.T) {
	env := start(t)
	env.Do(t, "POST", "/api/v1/proxy-requests", "", requestBody("jeanne@example.org"))
	paul := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("paul@example.org"))
	lise := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", with(with(with(volunteerBody("lise@example.org"),
		"first_name", "Lise"), "voter_number", "87654321"), "phone", "06 11 22 33 44"))
	marc := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", with(with(with(with(volunteerBody("marc@example.org"),
		"first_name", "Marc"), "voter_number", "11223344"), "phone", "06 55 44 33 22"), "rounds", []int{1}))
	if paul.Status != 201 || lise.Status != 201 || marc.Status != 201 {
		t.Fatalf("sign-ups: %d %s / %d %s / %d %s", paul.Status, paul.Body, lise.Status, lise.Body, marc.Status, marc.Body)
	}
	messageLink(t, env, "paul@example.org", "proxy.offer") // Jeanne (both rounds) was proposed to Paul
	env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	org := staffSession(t, env, "org04@example.org")
	sentence := regexp.MustCompile(`<p id="resultat">([^<]*)`)
	type sentenceCase struct {
		query    string
		want     string // the sentence, "" for none
		counters []string
	}
	check := func(cases []sentenceCase) {
		t.Helper()
		for _, tc := range cases {
			code, body := getPage(t, org, env.URL+"/staff/procurations/volontaires"+tc.query)
			if code != 200 {
				t.Fatalf("%s: %d", tc.query, code)
			}
			got := ""
			if m := sentence.FindStringSubmatch(body); m != nil {
				got = strings.TrimSpace(html.UnescapeString(m[1]))
			}
			if got != tc.want {
				t.Errorf("list%s says %q, want %q", tc.query, got, tc.want)
			}
			for _, w := range tc.counters {
				if !strings.Contains(body, w) {
					t.Errorf("list%s lacks the counter %q", tc.query, w)
				}
			}
		}
	}
	check([]sentenceCase{
		// Paul offered, Lise and Marc available; Marc is not of round 2.
		{"", "3 volontaires, dont 2 disponibles.", []string{`data-status="">3<`, `data-status="available">2<`}},
		{"?round=2", "2 volontaires inscrit·es pour le 2d tour, dont 1 disponible à ce tour.", []string{`data-status="">2<`, `data-status="available">1<`, `data-status="offered">1<`}},
		{"?round=2&status=available", "1 volontaire disponible au 2d tour.", []string{`data-status="available">1<`}},
		{"?round=2&status=offered", "1 volontaire avec une proposition en attente au 2d tour.", []string{`data-status="offered">1<`}},
		{"?round=1&status=available", "2 volontaires disponibles au 1er tour.", []string{`data-status="available">2<`}},
		{"?round=1&status=active", "3 volontaires actif·ves inscrit·es pour le 1er tour, dont 2 disponibles à ce tour.", []string{`data-status="">3<`}},
		{"?status=carrying", "", []string{`data-status="carrying">0<`}},
		{"?commune=04070&status=available", "2 volontaires disponibles.", []string{`data-status="available">2<`}},
	})

	// Lise withdraws: she stays in the "Tous" and "Retiré·es" counters of
	// each round she signed up for, but the sentence no longer counts her
	// among those registered for it; it says she withdrew.
	lisePage := fmt.Sprintf("%s/staff/procurations/volontaires/%d", env.URL, int64(lise.JSON["id"].(float64)))
	_, body := getPage(t, org, lisePage)
	resp, err := org.PostForm(lisePage+"/retirer", url.Values{"_csrf": {csrfRe.FindStringSubmatch(body)[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdrawing Lise: %d", resp.StatusCode)
	}
	check([]sentenceCase{
		{"", "3 volontaires : 2 actif·ves, dont 1 disponible, et 1 retiré·e.",
			[]string{`data-status="">3<`, `data-status="available">1<`, `data-status="withdrawn">1<`}},
		{"?round=2", "2 volontaires : 1 inscrit·e pour le 2d tour, aucun·e disponible à ce tour, et 1 retiré·e.",
			[]string{`data-status="">2<`, `data-status="available">0<`, `data-status="offered">1<`, `data-status="withdrawn">1<`}},
		{"?round=1", "3 volontaires : 2 inscrit·es pour le 1er tour, dont 1 disponible à ce tour, et 1 retiré·e.",
			[]string{`data-status="">3<`, `data-status="available">1<`, `data-status="offered">1<`, `data-status="withdrawn">1<`}},
		{"?round=1&status=active", "2 volontaires actif·ves inscrit·es pour le 1er tour, dont 1 disponible à ce tour.", []string{`data-status="withdrawn">1<`}},
		{"?round=2&status=withdrawn", "1 volontaire retiré·e (inscrit·e pour le 2d tour).", []string{`data-status="withdrawn">1<`}},
	})
}
