package delegateweb

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/delegates"
	"scrutin/logistics/staff"
	"scrutin/web/webtest"
)

func TestRepresentativesAPI(t *testing.T) {
	env := start(t) // the demo names a representative in the 04
	admin := env.AdminToken(t)
	org04 := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	org75 := env.StaffToken(t, "org75@example.org", staff.Organizer, "75")
	orgSisteron := env.StaffToken(t, "sisteron@example.org", staff.Organizer, "04209")
	viewer04 := env.StaffToken(t, "viewer04@example.org", staff.Viewer, "04")
	base := "/api/v1/elections/" + demo.ElectionSlug + "/representatives"

	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		field                     string
	}{
		{"organizer renames the 04's", "PUT", base + "/04", org04, map[string]any{"name": "Jeanne Aubert-Roux"}, 200, ""},
		{"admin names the 75's", "PUT", base + "/75", admin, map[string]any{"name": "Paul Lenoir"}, 200, ""},
		{"organizer outside the département", "PUT", base + "/04", org75, map[string]any{"name": "Intrus"}, 403, ""},
		{"organizer of one commune only", "PUT", base + "/04", orgSisteron, map[string]any{"name": "Intrus"}, 403, ""},
		{"viewer", "PUT", base + "/04", viewer04, map[string]any{"name": "Intrus"}, 403, ""},
		{"anonymous", "PUT", base + "/04", "", map[string]any{"name": "Intrus"}, 401, ""},
		{"malformed département", "PUT", base + "/4x", org04, map[string]any{"name": "X Y"}, 422, "departement"},
		{"empty name", "PUT", base + "/04", org04, map[string]any{"name": " "}, 422, "name"},
		{"name too long", "PUT", base + "/04", org04, map[string]any{"name": strings.Repeat("a", 101)}, 422, "name"},
		{"the body cannot name the département", "PUT", base + "/04", org04, map[string]any{"name": "X Y", "departement": "75"}, 422, "departement"},
		{"département without communes", "PUT", base + "/48", admin, map[string]any{"name": "X Y"}, 404, ""},
		{"unknown election", "PUT", "/api/v1/elections/nope/representatives/04", admin, map[string]any{"name": "X Y"}, 404, ""},
		{"malformed JSON", "PUT", base + "/04", org04, `{"name":`, 400, ""},
		{"organizer removes outside the département", "DELETE", base + "/75", org04, nil, 403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(t, tc.method, tc.path, tc.token, tc.body)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.field != "" && r.Field(tc.field) == "" {
				t.Fatalf("no message for %s: %s", tc.field, r.Body)
			}
			if tc.status == 200 && (r.JSON["name"] == nil || r.JSON["departement"] == nil || r.JSON["updated_by"] == nil) {
				t.Fatalf("answer %s", r.Body)
			}
		})
	}

	list := func(token string) map[string]string {
		t.Helper()
		r := env.Do(t, "GET", base, token, nil)
		if r.Status != 200 || r.JSON["representative"] != "Camille Martin" {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		out := map[string]string{}
		for _, x := range r.JSON["representatives"].([]any) {
			m := x.(map[string]any)
			out[m["departement"].(string)] = m["name"].(string)
		}
		return out
	}
	if got := list(admin); len(got) != 2 || got["04"] != "Jeanne Aubert-Roux" || got["75"] != "Paul Lenoir" {
		t.Fatalf("admin lists %v", got)
	}
	if got := list(viewer04); len(got) != 1 || got["04"] != "Jeanne Aubert-Roux" {
		t.Fatalf("viewer of the 04 lists %v", got)
	}
	if got := list(orgSisteron); len(got) != 1 || got["04"] == "" {
		t.Fatalf("organizer of Sisteron lists %v (its département signs its letter)", got)
	}
	if r := env.Do(t, "GET", base, "", nil); r.Status != 401 {
		t.Fatalf("anonymous list: %d", r.Status)
	}

	// The 04's designation letter is signed by its representative.
	pdf := env.Do(t, "GET", "/api/v1/exports/designations/04070.pdf?election="+demo.ElectionSlug, org04, nil)
	if pdf.Status != 200 {
		t.Fatalf("letter: %d %s", pdf.Status, pdf.Body)
	}
	if text := exportPDFText(t, pdf.Body); !strings.Contains(text, "Pour la liste « Ensemble pour demain » Jeanne Aubert-Roux Signature") {
		t.Fatalf("letter not signed by the 04's representative:\n%s", text)
	}

	// Removed: 204, then nothing left to remove.
	if r := env.Do(t, "DELETE", base+"/04", org04, nil); r.Status != 204 {
		t.Fatalf("remove: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "DELETE", base+"/04", org04, nil); r.Status != 404 {
		t.Fatalf("remove twice: %d %s", r.Status, r.Body)
	}
	var set, deleted int
	env.Pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE action = 'delegate_representative.set'), count(*) FILTER (WHERE action = 'delegate_representative.delete')
		FROM audit_log WHERE actor LIKE 'staff:%'`).Scan(&set, &deleted)
	if set != 2 || deleted != 1 {
		t.Fatalf("audit: %d set, %d deleted; want 2 and 1", set, deleted)
	}
}

// login signs a staff member in through the login form.
func login(t *testing.T, env *webtest.Env, email, password string) *http.Client {
	t.Helper()
	c := webtest.Client()
	if status, body := formPost(t, c, env, "/connexion", "/connexion", url.Values{"email": {email}, "password": {password}}); status != http.StatusSeeOther {
		t.Fatalf("login %s: %d\n%s", email, status, body)
	}
	return c
}

func TestRepresentativesForm(t *testing.T) {
	env := start(t)
	env.StaffToken(t, "org75@example.org", staff.Organizer, "75")
	org04 := login(t, env, demo.OrganizerEmail, demo.Password)
	page := "/staff/delegues/besoins?election=" + demo.ElectionSlug
	action := "/staff/delegues/besoins/representants"
	form := func(dep, name string) url.Values {
		return url.Values{"election": {demo.ElectionSlug}, "departement": {dep}, "name": {name}}
	}

	// The coverage page of the 04 says who signs its documents (the demo
	// names a representative there).
	resp, err := org04.Get(env.URL + "/staff/delegues?departement=04&election=" + demo.ElectionSlug)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `<p class="hint" id="signatory">Les documents du département 04 sont signés par `+delegates.DemoRepresentative+`, pour la liste « Ensemble pour demain »`) {
		t.Fatalf("coverage page: no signatory\n%s", b)
	}

	// A place outside the 04 organizer's scope is said to be so, not shown
	// as a place without seats (nor "100 % pourvus"), and offers no
	// document.
	for _, c := range []struct{ query, msg string }{
		{"departement=75", "Le département 75 est hors de votre périmètre."},
		{"commune=75104", "La commune 75104 est hors de votre périmètre."},
	} {
		resp, err = org04.Get(env.URL + "/staff/delegues?" + c.query + "&election=" + demo.ElectionSlug)
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 403 || !strings.Contains(string(b), c.msg) || strings.Contains(string(b), "% pourvus") || strings.Contains(string(b), "/api/v1/exports/") {
			t.Fatalf("%s outside the scope: %d\n%s", c.query, resp.StatusCode, b)
		}
	}
	// A place of the scope without seats to cover says so (a commune
	// that exists: an unknown code is refused).
	if _, err := env.Pool.Exec(context.Background(), `INSERT INTO communes (code, name, departement, search_name) VALUES ('04001', 'Aiglun', '04', 'aiglun') ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	resp, err = org04.Get(env.URL + "/staff/delegues?commune=04001&election=" + demo.ElectionSlug)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "Aucun siège à pourvoir ici pour ce tour.") || strings.Contains(string(b), "% pourvus") {
		t.Fatalf("coverage without seats: %d\n%s", resp.StatusCode, b)
	}

	// So is a round the election does not have, rather than showing another.
	resp, err = org04.Get(env.URL + "/staff/delegues?round=7&election=" + demo.ElectionSlug)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(b), "Cette élection n&#39;a pas ce tour.") {
		t.Fatalf("round 7: %d\n%s", resp.StatusCode, b)
	}
	// An unknown election is said so, not taken for "no election yet".
	resp, err = org04.Get(env.URL + "/staff/delegues?election=nope")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(b), "Élection inconnue.") || strings.Contains(string(b), "Aucune élection") {
		t.Fatalf("unknown election: %d\n%s", resp.StatusCode, b)
	}

	status, body := formPost(t, org04, env, page, action, form("4", "Jeanne Aubert-Roux"))
	if status != 200 || !strings.Contains(body, "Représentant·e enregistré·e pour le département 04 : Jeanne Aubert-Roux.") || !strings.Contains(body, "<td>Jeanne Aubert-Roux</td>") {
		t.Fatalf("save: %d\n%s", status, body)
	}
	status, body = formPost(t, org04, env, page, action, form("4x", ""))
	if status != 422 || !strings.Contains(body, `id="departement-error">Code de département invalide`) ||
		!strings.Contains(body, `id="name-error">Le nom du ou de la représentant·e est obligatoire.`) || !strings.Contains(body, `value="4x"`) {
		t.Fatalf("bad input: %d\n%s", status, body)
	}
	status, body = formPost(t, org04, env, page, action, form("75", "Intrus"))
	if status != 403 || !strings.Contains(body, `id="departement-error">Ce département est hors de votre périmètre`) {
		t.Fatalf("outside the scope: %d\n%s", status, body)
	}
	status, body = formPost(t, org04, env, page, action+"/retirer", url.Values{"election": {demo.ElectionSlug}, "departement": {"04"}})
	if status != 200 || strings.Contains(body, "<td>Jeanne Aubert-Roux</td>") || !strings.Contains(body, "Aucun·e représentant·e par département") {
		t.Fatalf("remove: %d\n%s", status, body)
	}

	// Viewers read the list but get no form.
	env.StaffToken(t, "viewer04@example.org", staff.Viewer, "04")
	viewer := login(t, env, "viewer04@example.org", "password-for-tests")
	resp, err = viewer.Get(env.URL + page)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("viewer page: %d", resp.StatusCode)
	}
	if status, _ := formPost(t, viewer, env, "/staff/delegues", action, form("04", "Intrus")); status != 403 {
		t.Fatalf("viewer saved: %d", status)
	}
	var n int
	env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM delegate_representatives`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d representatives left", n)
	}
}

// The private page shows the number on the list the volunteer gave; a new
// sign-up with the same e-mail changes it, once confirmed by e-mail.
func TestPrivatePageShowsListNumber(t *testing.T) {
	env := start(t)
	ctx := context.Background()
	body := signupBody("numero@example.org")
	body["list_number"] = "4321"
	if r := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", body); r.Status != 201 {
		t.Fatalf("sign-up: %d %s", r.Status, r.Body)
	}
	privatePage := func() string {
		t.Helper()
		var msg string
		if err := env.Pool.QueryRow(ctx, `SELECT body FROM outbox WHERE recipient = 'numero@example.org' ORDER BY id DESC LIMIT 1`).Scan(&msg); err != nil {
			t.Fatal(err)
		}
		i := strings.Index(msg, delegates.LinkPath)
		if i < 0 {
			t.Fatalf("no link in %q", msg)
		}
		link := strings.Fields(msg[i:])[0]
		resp, err := http.Get(env.URL + link)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if page := privatePage(); !strings.Contains(page, `<p id="registration">Inscrit·e à Sisteron, bureau 1, n° 4321.</p>`) {
		t.Fatalf("private page:\n%s", page)
	}
	body["list_number"] = ""
	if r := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", body); r.Status != 202 {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	confirmByEmail(t, env, "numero@example.org")
	if page := privatePage(); !strings.Contains(page, `<p id="registration">Inscrit·e à Sisteron, bureau 1.</p>`) || !strings.Contains(page, "numéro national d'électeur") {
		t.Fatalf("private page after update:\n%s", page)
	}
	// Staff see it in the list.
	admin := env.AdminToken(t)
	body["list_number"] = "99"
	env.Do(t, "POST", "/api/v1/delegate-volunteers", "", body)
	confirmByEmail(t, env, "numero@example.org")
	r := env.Do(t, "GET", "/api/v1/delegate-volunteers?election="+demo.ElectionSlug+"&q=numero", admin, nil)
	vs, _ := r.JSON["volunteers"].([]any)
	if r.Status != 200 || len(vs) != 1 || vs[0].(map[string]any)["list_number"] != "99" {
		t.Fatalf("staff list: %d %s", r.Status, r.Body)
	}
}

// A round that is not a number is refused, not read as "every round": the
// rules of both rounds stay as they were.
func TestRolesFormRefusesARoundThatIsNotANumber(t *testing.T) {
	env := start(t)
	org04 := login(t, env, demo.OrganizerEmail, demo.Password)
	status, body := formPost(t, org04, env, "/staff/delegues/besoins?election="+demo.ElectionSlug, "/staff/delegues/besoins/roles",
		url.Values{"election": {demo.ElectionSlug}, "round": {"abc"}, "scope": {"04"}})
	var rules int
	env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM delegate_role_rules WHERE scope = '04'`).Scan(&rules)
	if status != 422 || !strings.Contains(body, `id="round-error">Cette élection n&#39;a pas ce tour.`) || rules != 0 {
		t.Fatalf("%d, %d rules stored\n%s", status, rules, body)
	}
	// "Tous les tours" (0) sets the rule of each round.
	status, body = formPost(t, org04, env, "/staff/delegues/besoins?election="+demo.ElectionSlug, "/staff/delegues/besoins/roles",
		url.Values{"election": {demo.ElectionSlug}, "round": {"0"}, "scope": {"04"}, "roles": {"assesseur_titulaire"}})
	env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM delegate_role_rules WHERE scope = '04'`).Scan(&rules)
	if status != 200 || !strings.Contains(body, "Règle enregistrée.") || rules != 2 {
		t.Fatalf("every round: %d, %d rules stored\n%s", status, rules, body)
	}
}

// The run form sends the browser back to the page with the result in the
// address: reloading it shows the result again, and runs nothing.
func TestRunFormRedirectsWithItsResult(t *testing.T) {
	env := start(t)
	org04 := login(t, env, demo.OrganizerEmail, demo.Password)
	csrf := csrfOf(t, org04, env, "/staff/delegues?election="+demo.ElectionSlug)
	resp, err := org04.PostForm(env.URL+"/staff/delegues/affectation", url.Values{"_csrf": {csrf}, "election": {demo.ElectionSlug}, "run_round": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	where := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(where, "fait=affectation") {
		t.Fatalf("run: %d to %q", resp.StatusCode, where)
	}
	runs := func() (n int) {
		env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM delegate_runs`).Scan(&n)
		return
	}
	before := runs()
	for range 2 {
		resp, err := org04.Get(env.URL + where)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !regexp.MustCompile(`id="run-result">Affectation terminée : \d+ sièges pourvus sur \d+`).Match(b) {
			t.Fatalf("page after the run: %d\n%s", resp.StatusCode, b)
		}
	}
	if runs() != before {
		t.Fatal("reloading the result ran the assignment again")
	}
}

// The list the documents are signed for takes its article, on the
// coverage page's signatory line and on the needs page: « pour la liste
// « Ensemble pour demain » », not « pour Liste « … » ».
func TestSignatoryLineNamesTheList(t *testing.T) {
	env := start(t)
	org04 := login(t, env, demo.OrganizerEmail, demo.Password)
	slug := demo.ElectionSlug
	for _, tc := range []struct{ path, want string }{
		{"/staff/delegues?departement=04&election=" + slug,
			`<p class="hint" id="signatory">Les documents du département 04 sont signés par ` + delegates.DemoRepresentative + `, pour la liste « Ensemble pour demain ».`},
		{"/staff/delegues/besoins?election=" + slug, "La personne qui représente la liste « Ensemble pour demain » dans un département signe"},
	} {
		status, body := fetch(t, org04, env, tc.path)
		if status != 200 || !strings.Contains(body, tc.want) || strings.Contains(body, "Liste « Ensemble") {
			t.Errorf("%s: %d, want %s\n%s", tc.path, status, tc.want, body)
		}
	}
}

// The needs page says how many bureaux a délégué may cover; an admin
// changes it there (a wrong number comes back next to the field), an
// organizer only reads it.
func TestNeedsPageSetsBureauxPerDelegue(t *testing.T) {
	env := start(t)
	page := "/staff/delegues/besoins?election=" + demo.ElectionSlug
	org04 := login(t, env, demo.OrganizerEmail, demo.Password)
	if status, body := fetch(t, org04, env, page); status != 200 || !strings.Contains(body, `<strong id="max-bureaux">3</strong>`) ||
		strings.Contains(body, `name="max_bureaux_per_delegue"`) {
		t.Fatalf("organizer's page: %d\n%s", status, body)
	}
	if status, _ := formPost(t, org04, env, page, "/staff/delegues/besoins/bureaux-par-delegue",
		url.Values{"election": {demo.ElectionSlug}, "max_bureaux_per_delegue": {"5"}}); status != 403 {
		t.Fatalf("organizer's change: %d", status)
	}
	admin := login(t, env, demo.AdminEmail, demo.Password)
	status, body := formPost(t, admin, env, page, "/staff/delegues/besoins/bureaux-par-delegue",
		url.Values{"election": {demo.ElectionSlug}, "max_bureaux_per_delegue": {"50"}})
	if status != 422 || !strings.Contains(body, `id="max_bureaux_per_delegue-error">Indiquez un nombre de bureaux entre 1 et 20.`) ||
		!strings.Contains(body, `value="50"`) {
		t.Fatalf("50 bureaux: %d\n%s", status, body)
	}
	status, body = formPost(t, admin, env, page, "/staff/delegues/besoins/bureaux-par-delegue",
		url.Values{"election": {demo.ElectionSlug}, "max_bureaux_per_delegue": {"5"}})
	if status != 200 || !strings.Contains(body, "Nombre de bureaux par délégué·e enregistré.") || !strings.Contains(body, `<strong id="max-bureaux">5</strong>`) {
		t.Fatalf("5 bureaux: %d\n%s", status, body)
	}
	if r := env.Do(t, "POST", "/api/v1/delegate-settings", env.AdminToken(t), map[string]any{"election": demo.ElectionSlug, "max_bureaux_per_delegue": 4}); r.Status != 204 {
		t.Fatalf("API: %d %s", r.Status, r.Body)
	}
	if _, body := fetch(t, org04, env, page); !strings.Contains(body, `<strong id="max-bureaux">4</strong>`) {
		t.Fatal("the API's change is not on the page")
	}
}
