package proxyweb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
	"scrutin/web"
	"scrutin/web/proxyweb"
	"scrutin/web/webtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func start(t *testing.T, opts ...webtest.Options) *webtest.Env {
	t.Helper()
	o := webtest.Options{}
	if len(opts) > 0 {
		o = opts[0]
	}
	o.Modules = []web.Module{proxyweb.Routes}
	return webtest.Start(t, o)
}

func requestBody(email string) map[string]any {
	return map[string]any{"election": demo.ElectionSlug, "first_name": "Jeanne", "last_name": "Moreau", "email": email,
		"phone": "06 12 34 56 78", "commune_code": "04070", "bureau_code": "2", "rounds": []int{1, 2}, "consent": true}
}

func volunteerBody(email string) map[string]any {
	b := requestBody(email)
	b["first_name"], b["last_name"], b["phone"] = "Paul", "Petit", "06 98 76 54 32"
	b["birth_date"], b["voter_number"], b["max_distance_km"] = "1990-05-17", "123456789", 10
	return b
}

// waitFor polls the database until cond holds: the instant matching runs
// right after the answer, in the background.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var linkRe = regexp.MustCompile(`https?://[^\s]+/procuration/t/[A-Za-z0-9_-]+`)

// messageLink returns the private link of the newest message of kind to
// recipient, once it exists.
func messageLink(t *testing.T, env *webtest.Env, recipient, kind string) string {
	t.Helper()
	var body string
	waitFor(t, kind+" message to "+recipient, func() bool {
		return env.Pool.QueryRow(context.Background(), `SELECT body FROM outbox WHERE recipient = $1 AND kind = $2 ORDER BY id DESC LIMIT 1`,
			recipient, kind).Scan(&body) == nil
	})
	link := linkRe.FindString(body)
	if link == "" {
		t.Fatalf("no link in %q", body)
	}
	return link
}

func TestPublicAPI(t *testing.T) {
	env := start(t)
	tests := []struct {
		name   string
		path   string
		body   any
		status int
		field  string
		msg    string
	}{
		{"request", "/api/v1/proxy-requests", requestBody("jeanne@example.org"), 201, "", ""},
		{"same person again", "/api/v1/proxy-requests", requestBody("Jeanne@Example.org "), 202, "", ""},
		{"volunteer", "/api/v1/proxy-volunteers", volunteerBody("paul@example.org"), 201, "", ""},
		{"malformed JSON", "/api/v1/proxy-requests", `{"first_name": "Jeanne",`, 400, "", ""},
		{"data after the JSON", "/api/v1/proxy-requests", `{"first_name": "Jeanne"} {"first_name": "Paul"}`, 400, "", ""},
		{"a final line break", "/api/v1/proxy-requests", jsonLine(requestBody("jeanne@example.org")), 202, "", ""},
		{"unknown field", "/api/v1/proxy-requests", `{"first_name": "Jeanne", "nom": "x"}`, 422, "nom", "Champ inconnu."},
		{"wrong type", "/api/v1/proxy-requests", `{"rounds": "1"}`, 422, "rounds", "Type de valeur incorrect."},
		{"several wrong types", "/api/v1/proxy-requests", `{"first_name": 1, "rounds": "x", "consent": "oui"}`, 422, "rounds", "Type de valeur incorrect."},
		{"unknown commune", "/api/v1/proxy-requests", with(requestBody("a@example.org"), "commune_code", "04999"), 422, "commune_code", "Commune inconnue."},
		{"bureau not in commune", "/api/v1/proxy-requests", with(requestBody("a@example.org"), "bureau_code", "13"), 422, "bureau_code", "Ce bureau de vote n'existe pas dans cette commune."},
		{"no round", "/api/v1/proxy-requests", with(requestBody("a@example.org"), "rounds", []int{}), 422, "rounds", "Choisissez au moins un tour."},
		{"no consent", "/api/v1/proxy-requests", with(requestBody("a@example.org"), "consent", false), 422, "consent", "Votre accord est nécessaire : sans lui, nous ne pouvons pas enregistrer ce formulaire."},
		{"bad NNE", "/api/v1/proxy-volunteers", with(volunteerBody("b@example.org"), "voter_number", "12AB"), 422, "voter_number", "Le numéro national d'électeur compte 8 ou 9 chiffres (il figure sur votre carte électorale)."},
		{"distance 0", "/api/v1/proxy-volunteers", with(volunteerBody("b@example.org"), "max_distance_km", 0), 422, "max_distance_km", "Indiquez en chiffres une distance de 1 à 20 km, par exemple 10."},
		{"under 18", "/api/v1/proxy-volunteers", with(volunteerBody("b@example.org"), "birth_date", time.Now().AddDate(-17, 0, 0).Format(time.DateOnly)), 422, "birth_date", "Il faut avoir 18 ans le jour du scrutin."},
	}
	var firstID float64
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(t, "POST", tc.path, "", tc.body)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.field != "" && r.Field(tc.field) != tc.msg {
				t.Fatalf("%s: %q, want %q (%s)", tc.field, r.Field(tc.field), tc.msg, r.Body)
			}
			switch tc.name {
			case "request":
				firstID = r.JSON["id"].(float64)
				rounds := r.JSON["rounds"].([]any)
				if r.JSON["status"] != "open" || len(rounds) != 2 || rounds[1].(map[string]any)["number"].(float64) != 2 {
					t.Fatalf("answer %s", r.Body)
				}
			case "same person again":
				// Held for confirmation: the answer tells nothing of the entry.
				if string(r.Body) != `{"status":"confirmation_pending"}` || firstID == 0 {
					t.Fatalf("answer %s", r.Body)
				}
			case "several wrong types":
				if r.Field("first_name") != "Type de valeur incorrect." || r.Field("consent") != "Type de valeur incorrect." {
					t.Fatalf("every wrong type named: %s", r.Body)
				}
			case "malformed JSON":
				if r.JSON["error"] != "Corps de requête JSON invalide." {
					t.Fatalf("answer %s", r.Body)
				}
			}
		})
	}
	var n int
	env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM proxy_requests`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d requests stored", n)
	}
}

// A form sent again with an e-mail address already signed up changes
// nothing until the link sent to that address is opened and confirmed;
// opening it only shows the change.
func TestChangeIsConfirmedFromTheLink(t *testing.T) {
	env := start(t)
	ctx := context.Background()
	if r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("paul@example.org")); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	// Sent again through the form, with another name and place.
	c, csrf := formClient(t, env, "/procuration/volontaire")
	form := url.Values{"_csrf": {csrf}, "election": {demo.ElectionSlug}, "first_name": {"Mallory"}, "last_name": {"Faussaire"},
		"email": {"paul@example.org"}, "phone": {"06 11 22 33 44"}, "commune_code": {"04112"}, "bureau_code": {"1"},
		"birth_date": {"1970-01-01"}, "voter_number": {"99999991"}, "max_distance_km": {"20"}, "rounds": {"1"}, "consent": {"oui"}}
	resp, err := c.PostForm(env.URL+"/procuration/volontaire", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if where := resp.Header.Get("Location"); resp.StatusCode != 303 || where != "/procuration/modification" {
		t.Fatalf("after sending again: %d to %q", resp.StatusCode, where)
	}
	if r := env.Do(t, "GET", "/procuration/modification", "", nil); r.Status != 200 || !strings.Contains(string(r.Body), "Vérifiez votre boîte mail") {
		t.Fatalf("mailbox page: %d %s", r.Status, r.Body)
	}
	stored := func() (name string) {
		env.Pool.QueryRow(ctx, `SELECT first_name || ' ' || voter_number FROM proxy_volunteers WHERE email = 'paul@example.org'`).Scan(&name)
		return
	}
	var msg string
	waitFor(t, "the change's message", func() bool {
		return env.Pool.QueryRow(ctx, `SELECT body FROM outbox WHERE recipient = 'paul@example.org' AND kind = 'proxy.change'`).Scan(&msg) == nil
	})
	link := regexp.MustCompile(`https?://[^\s]+/procuration/modification/t/[A-Za-z0-9_-]+`).FindString(msg)
	if link == "" {
		t.Fatalf("no link in %q", msg)
	}
	path := link[strings.Index(link, "/procuration/"):]
	for range 2 { // opening it, twice, changes nothing
		c, csrf = formClient(t, env, path)
		if got := stored(); got != "Paul 123456789" {
			t.Fatalf("changed by opening the link: %s", got)
		}
	}
	page := env.Do(t, "GET", path, "", nil)
	if page.Status != 200 || !strings.Contains(string(page.Body), "Mallory") || strings.Contains(string(page.Body), "99999991") {
		t.Fatalf("link page: %d %s", page.Status, page.Body)
	}
	resp, err = c.PostForm(env.URL+path, url.Values{"_csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Modification enregistrée") || stored() != "Mallory 99999991" {
		t.Fatalf("confirmed: %d %s, stored %s", resp.StatusCode, body, stored())
	}
	// Used: the link is gone.
	if r := env.Do(t, "GET", path, "", nil); r.Status != 404 {
		t.Fatalf("used link: %d", r.Status)
	}
	// A change that no longer passes the checks (round 1 is over when the
	// link is opened) says why and offers no button.
	again := volunteerBody("paul@example.org")
	again["first_name"], again["rounds"] = "Paul", []int{1}
	if r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", again); r.Status != 202 {
		t.Fatalf("sent again: %d %s", r.Status, r.Body)
	}
	env.Pool.QueryRow(ctx, `SELECT body FROM outbox WHERE recipient = 'paul@example.org' AND kind = 'proxy.change' ORDER BY id DESC LIMIT 1`).Scan(&msg)
	link = regexp.MustCompile(`https?://[^\s]+/procuration/modification/t/[A-Za-z0-9_-]+`).FindString(msg)
	path = link[strings.Index(link, "/procuration/"):]
	if _, err := env.Pool.Exec(ctx, `UPDATE rounds SET date = current_date - 1 WHERE number = 1`); err != nil {
		t.Fatal(err)
	}
	c, csrf = formClient(t, env, "/procuration/volontaire")
	page = env.Do(t, "GET", path, "", nil)
	if page.Status != 200 || !strings.Contains(string(page.Body), "Cette modification ne peut pas s'appliquer") ||
		!strings.Contains(string(page.Body), "passé") || strings.Contains(string(page.Body), `id="confirmer"`) {
		t.Fatalf("page of a change that no longer passes: %d %s", page.Status, page.Body)
	}
	resp, err = c.PostForm(env.URL+path, url.Values{"_csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 422 || stored() != "Mallory 99999991" {
		t.Fatalf("confirming it: %d, stored %s", resp.StatusCode, stored())
	}
}

// jsonLine is b encoded as json.Encoder writes it: with a line break.
func jsonLine(b map[string]any) string {
	out, _ := json.Marshal(b)
	return string(out) + "\n"
}

func with(b map[string]any, k string, v any) map[string]any {
	b[k] = v
	return b
}

func TestPublicRateLimits(t *testing.T) {
	env := start(t, webtest.Options{PublicRatePerMinute: 25}) // 25 per IP a minute, 5 per e-mail an hour
	for i := 1; i <= 6; i++ {
		r := env.Do(t, "POST", "/api/v1/proxy-requests", "", requestBody("same@example.org"))
		if want := map[bool]int{true: 429, false: map[bool]int{true: 201, false: 202}[i == 1]}[i == 6]; r.Status != want {
			t.Fatalf("submission %d by the same e-mail: %d, want %d", i, r.Status, want)
		}
	}
	// Another address from the same IP still goes through, until the IP
	// limit.
	for i := 7; i <= 26; i++ {
		r := env.Do(t, "POST", "/api/v1/proxy-requests", "", requestBody(fmt.Sprintf("p%d@example.org", i)))
		if want := map[bool]int{true: 429, false: 201}[i > 25]; r.Status != want {
			t.Fatalf("submission %d from the IP: %d, want %d", i, r.Status, want)
		}
		if r.Status == 429 && !strings.Contains(string(r.Body), "Trop de demandes. Réessayez dans quelques minutes.") {
			t.Fatalf("submission %d refused without its French message: %s", i, r.Body)
		}
	}
}

// formClient fetches a form page and returns a client with its cookies and
// the page's CSRF token.
func formClient(t *testing.T, env *webtest.Env, path string) (*http.Client, string) {
	t.Helper()
	c := webtest.Client()
	resp, err := c.Get(env.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on %s", path)
	}
	return c, string(m[1])
}

func TestFormsShowErrorsKeepValuesAndTrapBots(t *testing.T) {
	env := start(t)
	c, csrf := formClient(t, env, "/procuration/volontaire")
	form := url.Values{"_csrf": {csrf}, "election": {demo.ElectionSlug}, "first_name": {"Paul"}, "last_name": {"Petit"},
		"email": {"paul@example.org"}, "phone": {"0612345678"}, "commune_code": {"04070"}, "bureau_code": {"2"},
		"birth_date": {"1990-05-17"}, "voter_number": {"12"}, "max_distance_km": {"loin"}, "rounds": {"1", "2"}, "consent": {"oui"}}
	resp, err := c.PostForm(env.URL+"/procuration/volontaire", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.StatusCode != 422 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{
		`<p class="error" id="voter_number-error">Le numéro national d&#39;électeur compte 8 ou 9 chiffres`,
		`<p class="error" id="max_distance_km-error">Indiquez en chiffres une distance de 1 à 20 km, par exemple 10.</p>`,
		`name="first_name" type="text" value="Paul"`,
		`id="round-2" value="2" checked`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// A bot fills the hidden field: it is thanked and nothing is stored.
	c, csrf = formClient(t, env, "/procuration/demande")
	form = url.Values{"_csrf": {csrf}, "election": {demo.ElectionSlug}, "first_name": {"Bot"}, "last_name": {"Bot"},
		"email": {"bot@example.org"}, "phone": {"0612345678"}, "commune_code": {"04070"}, "rounds": {"1"}, "consent": {"oui"},
		"site_web": {"http://spam.example"}}
	resp, err = c.PostForm(env.URL+"/procuration/demande", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var n int
	env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM proxy_requests`).Scan(&n)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/procuration/merci/demande" || n != 0 {
		t.Fatalf("honeypot: %d → %s, %d stored", resp.StatusCode, resp.Header.Get("Location"), n)
	}
	// The same form without the trap is stored.
	form.Del("site_web")
	resp, err = c.PostForm(env.URL+"/procuration/demande", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM proxy_requests`).Scan(&n)
	if resp.StatusCode != 303 || n != 1 {
		t.Fatalf("form: %d, %d stored", resp.StatusCode, n)
	}
}

func TestStaffAPIScopeMatchingAndExport(t *testing.T) {
	env := start(t, webtest.Options{DemoLoaders: nil})
	digne := env.Do(t, "POST", "/api/v1/proxy-requests", "", requestBody("jeanne@example.org"))
	paris := env.Do(t, "POST", "/api/v1/proxy-requests", "", with(with(requestBody("thomas@example.org"), "commune_code", "75104"), "bureau_code", "13"))
	vol := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("paul@example.org"))
	if digne.Status != 201 || paris.Status != 201 || vol.Status != 201 {
		t.Fatalf("%d %d %d", digne.Status, paris.Status, vol.Status)
	}
	messageLink(t, env, "paul@example.org", "proxy.offer") // the instant matching proposed Jeanne to Paul
	org := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	viewer := env.StaffToken(t, "viewer04@example.org", staff.Viewer, "04")
	admin := env.AdminToken(t)
	id := func(r *webtest.Response) string { return fmt.Sprint(int64(r.JSON["id"].(float64))) }

	r := env.Do(t, "GET", "/api/v1/proxy-requests/"+id(digne), org, nil)
	rounds, _ := r.JSON["rounds"].([]any)
	if r.Status != 200 || r.JSON["status"] != "proposed" || r.JSON["commune_code"] != "04070" || len(rounds) != 2 {
		t.Fatalf("request as seen by staff: %d %s", r.Status, r.Body)
	}
	// Each round names the volunteer its offer awaits.
	for _, x := range rounds {
		if x := x.(map[string]any); x["status"] != "proposed" || x["volunteer_id"] != vol.JSON["id"] {
			t.Fatalf("round as seen by staff: %v (volunteer %v)", x, vol.JSON["id"])
		}
	}
	if r := env.Do(t, "GET", "/api/v1/proxy-requests/"+id(paris), org, nil); r.Status != 404 {
		t.Fatalf("Paris request from a 04 organizer: %d", r.Status)
	}
	if r := env.Do(t, "GET", "/api/v1/proxy-requests/"+id(paris), "", nil); r.Status != 401 {
		t.Fatalf("anonymous: %d", r.Status)
	}
	// A volunteer's NNE and birth date go to the mandant of an accepted
	// offer only, never to staff.
	r = env.Do(t, "GET", "/api/v1/proxy-volunteers/"+id(vol), viewer, nil)
	if r.Status != 200 || r.JSON["commune_code"] != "04070" || bytes.Contains(r.Body, []byte("123456789")) || bytes.Contains(r.Body, []byte("1990-05-17")) {
		t.Fatalf("volunteer: %d %s", r.Status, r.Body)
	}
	r = env.Do(t, "GET", "/api/v1/proxy-requests?status=open&departement=75", admin, nil)
	if list, _ := r.JSON["requests"].([]any); r.Status != 200 || len(list) != 1 {
		t.Fatalf("admin list of open requests in 75: %s", r.Body)
	}
	// A page of people read through the API is in the journal, as an
	// export is: who, which list, the filters and the rows.
	var reads int
	var details map[string]any
	if err := env.Pool.QueryRow(context.Background(), `SELECT count(*) OVER (), details FROM audit_log
		WHERE action = 'api_read.proxy_requests' AND actor = $1 ORDER BY id DESC LIMIT 1`, "staff:admin-test@example.org").Scan(&reads, &details); err != nil {
		t.Fatalf("no journal entry for the API list read: %v", err)
	}
	if reads != 1 || details["rows"] != float64(1) || details["departement"] != "75" || details["status"] != "open" {
		t.Fatalf("journal of the API list read: %d entries, %v", reads, details)
	}
	if r := env.Do(t, "GET", "/api/v1/proxy-requests?departement=05", admin, nil); r.Status != 200 {
		t.Fatalf("empty list: %d %s", r.Status, r.Body)
	}
	env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'api_read.proxy_requests'`).Scan(&reads)
	if reads != 1 {
		t.Fatalf("a page of nobody was journaled: %d entries", reads)
	}
	// Pages: the cursor of the first page of one gives the second.
	r = env.Do(t, "GET", "/api/v1/proxy-requests?limit=1", admin, nil)
	if list, _ := r.JSON["requests"].([]any); r.Status != 200 || len(list) != 1 || r.JSON["next_after"] != digne.JSON["id"] {
		t.Fatalf("first page of one: %s", r.Body)
	}
	r = env.Do(t, "GET", fmt.Sprintf("/api/v1/proxy-requests?limit=1&after=%s", id(digne)), admin, nil)
	if list, _ := r.JSON["requests"].([]any); r.Status != 200 || len(list) != 1 || list[0].(map[string]any)["id"] != paris.JSON["id"] || r.JSON["next_after"] != nil {
		t.Fatalf("last page: %s", r.Body)
	}
	if r := env.Do(t, "GET", fmt.Sprintf("/api/v1/proxy-requests?after=%s&offset=1", id(digne)), admin, nil); r.Status != 422 || r.Field("offset") == "" {
		t.Fatalf("after and offset: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "GET", "/api/v1/proxy-requests?status=perdu", admin, nil); r.Status != 422 || r.Field("status") == "" {
		t.Fatalf("bad filter: %d %s", r.Status, r.Body)
	}
	// An election that does not exist is an error, not an empty list; one
	// typed in capitals is found.
	for _, list := range []string{"proxy-requests", "proxy-volunteers"} {
		if r := env.Do(t, "GET", "/api/v1/"+list+"?election=nope", admin, nil); r.Status != 422 || r.Field("election") != "Élection inconnue." {
			t.Fatalf("%s of an unknown election: %d %s", list, r.Status, r.Body)
		}
	}
	r = env.Do(t, "GET", "/api/v1/proxy-requests?election="+strings.ToUpper(demo.ElectionSlug), admin, nil)
	if list, _ := r.JSON["requests"].([]any); r.Status != 200 || len(list) != 2 {
		t.Fatalf("requests of the election typed in capitals: %d %s", r.Status, r.Body)
	}
	r = env.Do(t, "GET", "/api/v1/proxy-volunteers?commune=4070", org, nil)
	if list, _ := r.JSON["volunteers"].([]any); len(list) != 1 || list[0].(map[string]any)["voter_number"] != nil {
		t.Fatalf("volunteer list (no NNE in lists): %s", r.Body)
	}
	if r := env.Do(t, "POST", "/api/v1/proxy-matching/run", viewer, map[string]any{"election": demo.ElectionSlug}); r.Status != 403 {
		t.Fatalf("viewer running the matching: %d", r.Status)
	}
	// A batch plans the whole election: not for an organizer of the 04.
	if r := env.Do(t, "POST", "/api/v1/proxy-matching/run", org, map[string]any{"election": demo.ElectionSlug, "dry_run": true}); r.Status != 403 {
		t.Fatalf("organizer running the matching: %d %s", r.Status, r.Body)
	}
	r = env.Do(t, "POST", "/api/v1/proxy-matching/run", admin, map[string]any{"election": demo.ElectionSlug})
	if r.Status != 200 || r.JSON["proposed"] != 0.0 || r.JSON["kept"] != 2.0 || r.JSON["unmatched"] != 2.0 {
		t.Fatalf("batch: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "POST", "/api/v1/proxy-matching/run", org, `{"election":`); r.Status != 400 {
		t.Fatalf("malformed: %d", r.Status)
	}

	resp := env.Do(t, "GET", "/api/v1/exports/proxies.xlsx?election="+demo.ElectionSlug, org, nil)
	if resp.Status != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "procurations-"+demo.ElectionSlug+"-04.xlsx") {
		t.Fatalf("export: %d %v", resp.Status, resp.Header)
	}
	f, err := excelize.OpenReader(bytes.NewReader(resp.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	reqs, _ := f.GetRows("Demandes")
	if len(reqs) != 3 || reqs[1][16] != "Paul Petit" || reqs[1][12] != "en attente" {
		t.Fatalf("export rows: %v", reqs)
	}
}

// The queue pages through every entry, filters kept; only admins see
// the button of the whole election's batch.
func TestQueuePagesAndBatchButton(t *testing.T) {
	env := start(t, webtest.Options{DemoLoaders: nil})
	for _, who := range []string{"a", "b", "c"} {
		env.Do(t, "POST", "/api/v1/proxy-requests", "", requestBody(who+"@example.org"))
	}
	get := func(tok, path string) string {
		req, _ := http.NewRequest("GET", env.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		return string(body)
	}
	admin := env.AdminToken(t)
	first := get(admin, "/staff/procurations?status=open&limit=4")
	next := regexp.MustCompile(`href="([^"]+)" id="page-suivante"`).FindStringSubmatch(first)
	if !strings.Contains(first, "3 demandes, soit 6 lignes (une par tour demandé), de la plus ancienne à la plus récente ; lignes 1 à 4 affichées.") || next == nil || !strings.Contains(first, `id="apparier"`) ||
		strings.Contains(first, `id="page-precedente"`) {
		t.Fatalf("first page: %s", first)
	}
	second := get(admin, html.UnescapeString(next[1]))
	if !strings.Contains(second, "3 demandes, soit 6 lignes (une par tour demandé), de la plus ancienne à la plus récente ; lignes 5 à 6 affichées.") || strings.Contains(second, `id="page-suivante"`) ||
		!strings.Contains(second, `id="page-precedente"`) || !strings.Contains(html.UnescapeString(next[1]), "status=open") || !strings.Contains(html.UnescapeString(next[1]), "limit=4") {
		t.Fatalf("second page (%s): %s", next[1], second)
	}
	org := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	if page := get(org, "/staff/procurations"); strings.Contains(page, `id="apparier"`) || !strings.Contains(page, "proposées dans la seconde") {
		t.Fatalf("organizer's queue: %s", page)
	}
}

func TestStaffPagesRender(t *testing.T) {
	env := start(t, webtest.Options{DemoLoaders: nil})
	env.Do(t, "POST", "/api/v1/proxy-requests", "", requestBody("jeanne@example.org"))
	env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("paul@example.org"))
	messageLink(t, env, "paul@example.org", "proxy.offer")
	tok := env.AdminToken(t)
	var id, vid int64
	env.Pool.QueryRow(context.Background(), `SELECT id FROM proxy_requests`).Scan(&id)
	env.Pool.QueryRow(context.Background(), `SELECT id FROM proxy_volunteers`).Scan(&vid)
	paul := fmt.Sprintf(`<a href="/staff/procurations/volontaires/%d">Paul Petit</a>`, vid)
	for _, path := range []string{"/staff/procurations", "/staff/procurations?status=proposed&departement=04", fmt.Sprintf("/staff/procurations/demandes/%d", id), "/staff"} {
		req, _ := http.NewRequest("GET", env.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		// A value the template could not format prints as "%!verb(...)".
		if strings.Contains(string(body), "%!") {
			t.Errorf("%s shows a formatting error: %s", path, body)
		}
		for _, want := range map[string][]string{
			"/staff/procurations": {"Jeanne Moreau", "Proposée à un·e volontaire", "proxies.xlsx?election=" + demo.ElectionSlug, "<td>" + paul + "</td>"},
			"/staff":              {"Propositions en attente de réponse"},
			"/staff/procurations/demandes/" + fmt.Sprint(id): {"Paul Petit", "Demande déposée", "en attente de réponse", " km</td>",
				paul + ` <span class="badge">proposition en cours</span>`, "<td>le mandant</td><td>Demande déposée</td>", "<td>automatique</td>",
				"<td>" + paul + " (", "<br>06 98 76 54 32</td>", " · 06 12 34 56 78 · "},
		}[path] {
			if !strings.Contains(string(body), want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
		// Distances in French in both tables (candidates, proposals; two
		// rounds each).
		if strings.Contains(path, "/demandes/") && (strings.Count(string(body), `<td class="num">0,0 km</td>`) != 4 || strings.Contains(string(body), "0.0 km")) {
			t.Errorf("%s: distances not written 0,0 km in both tables: %s", path, body)
		}
		// Paul holds the offer: no button proposes it to him again.
		if strings.Contains(path, "/demandes/") && strings.Contains(string(body), `name="volunteer_id" value="`) {
			t.Errorf("%s proposes the request again to the volunteer who holds it", path)
		}
	}
	// An organizer of the 04 opens Paul's page from the queue too.
	req, _ := http.NewRequest("GET", env.URL+"/staff/procurations", nil)
	req.Header.Set("Authorization", "Bearer "+env.StaffToken(t, "org04@example.org", staff.Organizer, "04"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<td>"+paul+"</td>") {
		t.Errorf("organizer's queue: %d, no link to Paul's page: %s", resp.StatusCode, body)
	}
}

func TestPrivateLinkUnknownOrExpired(t *testing.T) {
	env := start(t)
	resp, err := http.Get(env.URL + proxies.LinkPath + "not-a-token")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// It says how to get a working link: the team cannot send one.
	if resp.StatusCode != 404 || !strings.Contains(string(body), "Lien expiré ou inconnu") ||
		!strings.Contains(string(body), "envoyez à nouveau le formulaire avec la même adresse e-mail") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

// The workbook asked for without an election (the staff queue's link when
// one is open, the API, the command line: one path) is the only open
// election's, and says so: in its name, and in the audit row of the
// personal data that left, read back from the log.
func TestProxiesExportWithoutElectionNamesItInTheAudit(t *testing.T) {
	env := start(t)
	env.AddElection(t, "ancienne", "Élection passée", -30, -23) // closed: not the default
	newRequest(t, env, requestBody("jeanne@example.org"))
	org := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	for _, tc := range []struct {
		query, file string
		details     map[string]any
	}{
		{"", "procurations-" + demo.ElectionSlug + "-04.xlsx", map[string]any{"election": demo.ElectionSlug, "rows": 2.0}},
		{"?departement=4", "procurations-" + demo.ElectionSlug + "-04.xlsx", map[string]any{"election": demo.ElectionSlug, "departement": "04", "rows": 2.0}},
		{"?election=ancienne", "procurations-ancienne-04.xlsx", map[string]any{"election": "ancienne", "rows": 0.0}},
	} {
		r := env.Do(t, "GET", "/api/v1/exports/proxies.xlsx"+tc.query, org, nil)
		if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Disposition"), `filename="`+tc.file+`"`) {
			t.Fatalf("%s: %d %s %v", tc.query, r.Status, r.Header.Get("Content-Disposition"), r.JSON)
		}
		var actor, file string
		var details map[string]any
		if err := env.Pool.QueryRow(context.Background(), `SELECT actor, entity_id, details FROM audit_log
			WHERE action = 'export.proxies' ORDER BY id DESC LIMIT 1`).Scan(&actor, &file, &details); err != nil {
			t.Fatal(err)
		}
		if actor != "staff:org04@example.org" || file != tc.file {
			t.Errorf("%s: audit row by %s of %s", tc.query, actor, file)
		}
		for k, v := range tc.details {
			if details[k] != v {
				t.Errorf("%s: audit %s = %v, want %v (%v)", tc.query, k, details[k], v, details)
			}
		}
	}
}

// An offer whose bureau the mandant did not give, in the volunteer's own
// commune, says where to vote without a distance of « 0,0 km » (from one
// commune's centre to itself).
func TestOfferWithoutBureauGivesNoZeroDistance(t *testing.T) {
	env := start(t)
	req := with(requestBody("sans-bureau@example.org"), "bureau_code", "")
	if r := env.Do(t, "POST", "/api/v1/proxy-requests", "", with(req, "rounds", []int{1})); r.Status != 201 {
		t.Fatalf("request: %d %s", r.Status, r.Body)
	}
	vol := with(volunteerBody("voisin@example.org"), "bureau_code", "3")
	if r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", with(vol, "rounds", []int{1})); r.Status != 201 {
		t.Fatalf("volunteer: %d %s", r.Status, r.Body)
	}
	r := env.Do(t, "GET", strings.TrimPrefix(messageLink(t, env, "voisin@example.org", "proxy.offer"), env.URL), "", nil)
	body := html.UnescapeString(string(r.Body))
	if r.Status != 200 || !strings.Contains(body, "dans un bureau de Digne-les-Bains (à préciser avec la personne).") || strings.Contains(body, "0,0 km") {
		t.Fatalf("%d:\n%s", r.Status, body)
	}
}
