package delegateweb

import (
	"context"
	"fmt"
	"hash/crc32"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/changes"
	"scrutin/logistics/delegates"
	"scrutin/logistics/staff"
	"scrutin/web"
	"scrutin/web/webtest"
)

func start(t *testing.T) *webtest.Env {
	return webtest.Start(t, webtest.Options{Modules: []web.Module{Routes}, DemoLoaders: []demo.Loader{delegates.LoadDemo}})
}

func signupBody(email string) map[string]any {
	return map[string]any{
		"election": demo.ElectionSlug, "last_name": "Brûlé", "birth_name": "", "first_names": "Zoé Anne",
		"birth_date": "1990-02-03", "birth_place": "Gap (05)", "address": "4 rue Basse", "postal_code": "04200", "city": "Sisteron",
		"email": email, "phone": "0612345678", "commune_code": "04209", "bureau_code": "1", "voter_number": voterNumberOf(email),
		"roles": []string{"assesseur_titulaire", "delegue_titulaire"}, "rounds": []int{1, 2},
		"preferred_bureaux": []string{"04209_2"},
	}
}

// voterNumberOf is a national voter number of one person per e-mail: one
// NNE signs up once.
func voterNumberOf(email string) string {
	return fmt.Sprintf("%09d", crc32.ChecksumIEEE([]byte(strings.ToLower(strings.TrimSpace(email))))%1_000_000_000)
}

func TestSignupAPI(t *testing.T) {
	env := start(t)
	for _, tc := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"valid", signupBody("zoe@example.org"), 201, ""},
		{"same e-mail: held until confirmed by e-mail", func() map[string]any { b := signupBody("ZOE@example.org"); b["last_name"] = "Autre"; return b }(), 202, ""},
		{"distance in km", func() map[string]any { b := signupBody("km@example.org"); b["max_distance_km"] = 15; return b }(), 201, ""},
		{"own bureau only", func() map[string]any { b := signupBody("zero@example.org"); b["max_distance_km"] = 0; return b }(), 201, ""},
		{"underage", func() map[string]any { b := signupBody("young@example.org"); b["birth_date"] = "2015-01-01"; return b }(), 422, "birth_date"},
		{"bureau not in commune", func() map[string]any { b := signupBody("b@example.org"); b["bureau_code"] = "7"; return b }(), 422, "bureau_code"},
		{"bad NNE", func() map[string]any { b := signupBody("n@example.org"); b["voter_number"] = "12AB"; return b }(), 422, "voter_number"},
		// Answered as a held change: see TestTakenVoterNumberAPIIsAnsweredAsAChangeHeld.
		{"NNE signed up with another e-mail", func() map[string]any {
			b := signupBody("twin@example.org")
			b["voter_number"] = voterNumberOf("zoe@example.org")
			return b
		}(), 202, ""},
		{"list number", func() map[string]any { b := signupBody("l@example.org"); b["list_number"] = "4321"; return b }(), 201, ""},
		{"list number with a letter", func() map[string]any { b := signupBody("la@example.org"); b["list_number"] = "43B"; return b }(), 422, "list_number"},
		{"list number too long", func() map[string]any { b := signupBody("ll@example.org"); b["list_number"] = "1234567"; return b }(), 422, "list_number"},
		{"list number as a JSON number", func() map[string]any { b := signupBody("lj@example.org"); b["list_number"] = 4321; return b }(), 422, "list_number"},
		{"no role", func() map[string]any { b := signupBody("r@example.org"); b["roles"] = []string{}; return b }(), 422, "roles"},
		{"no round", func() map[string]any { b := signupBody("o@example.org"); b["rounds"] = []int{}; return b }(), 422, "rounds"},
		{"unknown field", func() map[string]any { b := signupBody("u@example.org"); b["age"] = 40; return b }(), 422, "age"},
		{"malformed JSON", `{"election":`, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", tc.body)
			if r.Status != tc.status {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if tc.field != "" && r.Field(tc.field) == "" {
				t.Fatalf("no message for %s: %s", tc.field, r.Body)
			}
			if tc.field == "list_number" && strings.Contains(tc.name, "letter") && !strings.Contains(r.Field("list_number"), "1 à 6 chiffres") {
				t.Fatalf("list_number message: %q", r.Field("list_number"))
			}
			if tc.status == 201 && (r.JSON["id"] == nil || r.JSON["status"] != "active") {
				t.Fatalf("answer %s", r.Body)
			}
			// A held change says nothing of the entry, not even its id.
			if tc.status == 202 && string(r.Body) != `{"status":"confirmation_pending"}` {
				t.Fatalf("answer %s", r.Body)
			}
		})
	}
}

func TestVolunteerAPIIsScoped(t *testing.T) {
	env := start(t)
	admin := env.AdminToken(t)
	org04 := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	viewer := env.StaffToken(t, "viewer@example.org", staff.Viewer, "04")
	body := signupBody("paris@example.org")
	body["commune_code"], body["bureau_code"], body["address"], body["postal_code"], body["preferred_bureaux"] = "75104", "8", "1 quai, 75004 Paris", "75004", []string{}
	r := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", body)
	if r.Status != 201 {
		t.Fatalf("sign-up: %d %s", r.Status, r.Body)
	}
	id := int64(r.JSON["id"].(float64))
	assign := env.Do(t, "POST", "/api/v1/delegate-assignments", admin, map[string]any{"election": demo.ElectionSlug, "round": 1,
		"commune_code": "75104", "bureau_code": "8", "role": "delegue_titulaire", "volunteer_id": id})
	if assign.Status != 201 {
		t.Fatalf("manual assign: %d %s", assign.Status, assign.Body)
	}
	path := fmt.Sprintf("/api/v1/delegate-volunteers/%d", id)
	for _, tc := range []struct {
		name, token string
		status      int
	}{
		{"admin sees it", admin, 200},
		{"organizer of another département does not", org04, 404},
		{"anonymous", "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(t, "GET", path, tc.token, nil)
			if r.Status != tc.status {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if tc.status != 200 {
				return
			}
			seats, _ := r.JSON["assignments"].([]any)
			if r.JSON["status"] != "active" || len(seats) != 1 {
				t.Fatalf("body %s", r.Body)
			}
			s := seats[0].(map[string]any)
			if s["round"] != 1.0 || s["commune_code"] != "75104" || s["bureau_code"] != "8" || s["role"] != "delegue_titulaire" || s["confirmed"] != false {
				t.Fatalf("seat %v", s)
			}
		})
	}
	// Viewers read but do not act.
	if r := env.Do(t, "POST", "/api/v1/delegate-assignment/run", viewer, map[string]any{"election": demo.ElectionSlug}); r.Status != 403 {
		t.Fatalf("viewer ran the assignment: %d", r.Status)
	}
}

func TestRunAPI(t *testing.T) {
	env := start(t)
	admin := env.AdminToken(t)
	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"one round, dry run", map[string]any{"election": demo.ElectionSlug, "round": 1, "dry_run": true}},
		{"every round", map[string]any{"election": demo.ElectionSlug}},
		{"again: nothing moves", map[string]any{"election": demo.ElectionSlug}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(t, "POST", "/api/v1/delegate-assignment/run", admin, tc.body)
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			assigned, uncovered, seats := r.JSON["assigned"].(float64), r.JSON["uncovered"].(float64), r.JSON["seats"].(float64)
			if assigned == 0 || uncovered == 0 || assigned+uncovered != seats {
				t.Fatalf("result %s", r.Body)
			}
			if tc.name == "again: nothing moves" && (r.JSON["added"] != 0.0 || r.JSON["removed"] != 0.0) {
				t.Fatalf("second run moved people: %s", r.Body)
			}
		})
	}
	if r := env.Do(t, "POST", "/api/v1/delegate-assignment/run", admin, map[string]any{"election": demo.ElectionSlug, "round": 3}); r.Status != 422 {
		t.Fatalf("round 3: %d %s", r.Status, r.Body)
	}
	cov := env.Do(t, "GET", "/api/v1/delegate-coverage?election="+demo.ElectionSlug+"&round=1&commune=04070", admin, nil)
	if cov.Status != 200 || len(cov.JSON["bureaux"].([]any)) != 4 {
		t.Fatalf("coverage: %d %s", cov.Status, cov.Body)
	}
}

// formPost loads a page for its CSRF token, then posts the form.
// csrfOf is the CSRF token of the form on page.
func csrfOf(t *testing.T, c *http.Client, env *webtest.Env, page string) string {
	t.Helper()
	return env.CSRF(t, c, page)
}

func formPost(t *testing.T, c *http.Client, env *webtest.Env, page, action string, v url.Values) (int, string) {
	t.Helper()
	v.Set("_csrf", csrfOf(t, c, env, page))
	resp, err := c.PostForm(env.URL+action, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/assesseurs/merci" {
		// A sign-up sent: Post/Redirect/Get, the thanks page as the
		// browser shows it.
		return get200(t, c, env, "/assesseurs/merci")
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// get200 GETs a page, returning its status and body.
func get200(t *testing.T, c *http.Client, env *webtest.Env, path string) (int, string) {
	t.Helper()
	resp, err := c.Get(env.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// listNumberError: the field keeps what was typed and its message follows it.
var listNumberError = regexp.MustCompile(`(?s)<input id="list_number" name="list_number"[^>]*value="12b"[^>]*aria-invalid="true".*?<p class="error" id="list_number-error">Le numéro d&#39;ordre sur la liste électorale s&#39;écrit avec 1 à 6 chiffres`)

func TestSignupForm(t *testing.T) {
	env := start(t)
	// What is required is said once at the top and per field
	// (aria-required, no HTML required: the French messages come from
	// the server); the optional fields say "facultatif".
	webtest.PageShows(t, get(t, env, "/assesseurs/inscription"), []string{
		`<p class="hint">Tous les champs sont obligatoires, sauf mention contraire.</p>`,
		`<label for="birth_name">Nom de naissance (facultatif, s&#39;il est différent)</label>`,
		`<label for="list_number">Numéro d'ordre sur la liste électorale (facultatif, sur la carte électorale)</label>`,
		`<label for="bureau_code">Bureau de vote (indiqué sur votre carte électorale)</label>`,
		`<input id="last_name" name="last_name" type="text" value="" autocomplete="family-name" aria-required="true">`,
		`<input id="birth_name" name="birth_name" type="text" value="">`,
		`<input id="voter_number" name="voter_number" type="text" value="" inputmode="numeric" autocomplete="off" aria-required="true">`,
		`<input id="postal_code" name="postal_code" type="text" value="" inputmode="numeric" autocomplete="postal-code" aria-required="true">`,
		`<select id="commune_code" name="commune_code" aria-required="true">`,
		`data-empty="— choisissez votre bureau —" aria-required="true">`,
		`name="consent" value="oui" aria-required="true">`,
		`<fieldset id="roles" class="checks">`,
		`<fieldset id="rounds" class="checks">`,
	}, []string{" required", `role="alert"`})
	base := func() url.Values {
		return url.Values{"election": {demo.ElectionSlug}, "last_name": {"Martin"}, "first_names": {"Léa"}, "birth_date": {"1999-09-09"},
			"birth_place": {"Digne"}, "address": {"1 place"}, "postal_code": {"04000"}, "city": {"Digne-les-Bains"}, "email": {"lea@example.org"},
			"phone": {"0611223344"}, "commune_code": {"04070"}, "bureau_code": {"3"}, "voter_number": {"11223344"},
			"roles": {"assesseur_titulaire", "assesseur_suppleant"}, "rounds": {"1", "2"}, "reach": {"km"}, "max_distance_km": {"12"}, "consent": {"oui"}}
	}
	for _, tc := range []struct {
		name   string
		edit   func(url.Values)
		status int
		want   string
		stored bool
	}{
		{"errors next to the fields, values kept", func(v url.Values) { v.Del("roles"); v.Set("voter_number", "12") }, 422, "Choisissez au moins un rôle", false},
		{"consent needed", func(v url.Values) { v.Del("consent") }, 422, "Votre accord est nécessaire", false},
		{"list number with letters", func(v url.Values) { v.Set("list_number", "12b") }, 422, "1 à 6 chiffres", false},
		{"honeypot", func(v url.Values) { v.Set("site_web", "http://spam") }, 200, "Merci", false},
		{"accepted", func(url.Values) {}, 200, "Votre inscription comme assesseur", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := base()
			tc.edit(v)
			status, body := formPost(t, webtest.Client(), env, "/assesseurs/inscription", "/assesseurs/inscription", v)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("status %d, body lacks %q", status, tc.want)
			}
			if status == 422 && !strings.Contains(body, `value="Léa"`) {
				t.Fatal("typed values lost")
			}
			if tc.name == "errors next to the fields, values kept" {
				// The roles' message is tied to its fieldset, as the rounds' one.
				webtest.PageShows(t, body, []string{
					`<fieldset id="roles" class="checks has-error" aria-describedby="roles-error">`,
					`<p class="error" id="roles-error">Choisissez au moins un rôle.</p>`,
					`<input id="voter_number" name="voter_number" type="text" value="12" inputmode="numeric" autocomplete="off" aria-required="true" aria-invalid="true" aria-describedby="voter_number-error">`,
					`<p class="error" id="voter_number-error">Le numéro national d&#39;électeur compte 8 ou 9 chiffres`,
				}, nil)
			}
			if tc.name == "list number with letters" && !listNumberError.MatchString(body) {
				t.Fatalf("the list number's message is not next to its field, or the value was lost:\n%s", body)
			}
			var n int
			env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM delegate_volunteers WHERE email = 'lea@example.org'`).Scan(&n)
			if (n == 1) != tc.stored {
				t.Fatalf("%d rows stored", n)
			}
		})
	}
}

var fieldErrorRe = regexp.MustCompile(`<p class="error"`)

// A distance or a round the form cannot read is reported together with
// every other field's error, as the JSON API does, and with the domain's
// messages for the distance (1 to 200 km, in figures, to a tenth); nothing
// is stored.
func TestSignupFormShowsEveryErrorAtOnce(t *testing.T) {
	env := start(t)
	post := func(v url.Values) (int, string) {
		return formPost(t, webtest.Client(), env, "/assesseurs/inscription", "/assesseurs/inscription", v)
	}
	// The same empty form with a good distance: the errors of the other fields.
	status, body := post(url.Values{"reach": {"km"}, "max_distance_km": {"5"}})
	others := len(fieldErrorRe.FindAllString(body, -1))
	if status != 422 || others < 10 || strings.Contains(body, `id="max_distance_km-error"`) {
		t.Fatalf("empty form with a good distance: status %d, %d errors", status, others)
	}
	distanceError := func(msg string) *regexp.Regexp {
		return regexp.MustCompile(`<p class="error" id="max_distance_km-error">` + regexp.QuoteMeta(template.HTMLEscapeString(msg)) + `</p>`)
	}
	rangeMsg := "Indiquez une distance entre 1 et " + fmt.Sprint(delegates.MaxDistanceKm) + " km."
	formatMsg := "Écrivez la distance en kilomètres, avec des chiffres : par exemple 12 ou 7,5."
	tenthsMsg := "Indiquez la distance avec une décimale au plus : par exemple 7,5."
	for _, tc := range []struct{ km, msg string }{
		{"0", rangeMsg}, {"0,0", rangeMsg}, {"", rangeMsg}, {"-3", rangeMsg}, {"201", rangeMsg}, {"200,5", rangeMsg}, {"0,5", rangeMsg},
		{"99999999999999999999", rangeMsg}, {"abc", formatMsg}, {"1e2", formatMsg}, {"7,5,1", formatMsg}, {"7,25", tenthsMsg},
	} {
		t.Run("distance "+tc.km, func(t *testing.T) {
			status, body := post(url.Values{"reach": {"km"}, "max_distance_km": {tc.km}})
			if n := len(fieldErrorRe.FindAllString(body, -1)); status != 422 || n != others+1 {
				t.Fatalf("status %d, %d errors, want %d", status, n, others+1)
			}
			if !distanceError(tc.msg).MatchString(body) {
				t.Fatalf("the distance's message is missing or differs from the domain's %q", tc.msg)
			}
			// What was typed stays in the field.
			if !strings.Contains(body, `name="max_distance_km" type="text" inputmode="decimal" size="6" value="`+template.HTMLEscapeString(tc.km)+`"`) {
				t.Fatal("the distance typed is not kept")
			}
		})
	}
	t.Run("round x", func(t *testing.T) {
		status, body := post(url.Values{"reach": {"km"}, "max_distance_km": {"5"}, "rounds": {"x"}})
		n := len(fieldErrorRe.FindAllString(body, -1))
		// "rounds" was already refused ("Choisissez au moins un tour."): now "Tour invalide." instead.
		if status != 422 || n != others || !strings.Contains(body, "Tour invalide.") {
			t.Fatalf("status %d, %d errors, want %d with Tour invalide.", status, n, others)
		}
	})
	t.Run("round x and bad distance", func(t *testing.T) {
		status, body := post(url.Values{"reach": {"km"}, "max_distance_km": {"abc"}, "rounds": {"1", "x"}})
		if n := len(fieldErrorRe.FindAllString(body, -1)); status != 422 || n != others+1 ||
			!strings.Contains(body, "Tour invalide.") || !distanceError(formatMsg).MatchString(body) {
			t.Fatalf("status %d, %d errors, want %d", status, n, others+1)
		}
	})

	// A complete form but for one unreadable value: refused, not stored.
	full := func(email string) url.Values {
		return url.Values{"election": {demo.ElectionSlug}, "last_name": {"Martin"}, "first_names": {"Léa"}, "birth_date": {"1999-09-09"},
			"birth_place": {"Digne"}, "address": {"1 place"}, "postal_code": {"04000"}, "city": {"Digne-les-Bains"}, "email": {email},
			"phone": {"0611223344"}, "commune_code": {"04070"}, "bureau_code": {"3"}, "voter_number": {voterNumberOf(email)},
			"roles": {"assesseur_titulaire"}, "rounds": {"1", "2"}, "reach": {"km"}, "max_distance_km": {"12"}, "consent": {"oui"}}
	}
	for _, tc := range []struct {
		name, field, value, want string
	}{
		{"distance 0", "max_distance_km", "0", "Indiquez une distance entre 1 et"},
		{"distance 1e2", "max_distance_km", "1e2", "Écrivez la distance en kilomètres"},
		{"distance in hundredths", "max_distance_km", "7,25", "une décimale au plus"},
		{"distance 201", "max_distance_km", "201", "Indiquez une distance entre 1 et"},
		{"round x", "rounds", "x", "Tour invalide."},
		{"invisible last name", "last_name", "\u200b", "Le nom est obligatoire."},
		{"bidi override in the first names", "first_names", "L\u202eéa", "Les prénoms contiennent des caractères non autorisés."},
	} {
		t.Run("complete form, "+tc.name, func(t *testing.T) {
			email := strings.ReplaceAll(tc.name, " ", "-") + "@example.org"
			v := full(email)
			v.Set(tc.field, tc.value)
			status, body := post(v)
			if n := len(fieldErrorRe.FindAllString(body, -1)); status != 422 || n != 1 || !strings.Contains(body, tc.want) {
				t.Fatalf("status %d, %d errors, want 1: %q", status, n, tc.want)
			}
			var stored int
			env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM delegate_volunteers WHERE email = $1`, email).Scan(&stored)
			if stored != 0 {
				t.Fatal("stored")
			}
		})
	}
	// The limits themselves are accepted.
	for _, km := range []string{"1", "1,0", fmt.Sprint(delegates.MaxDistanceKm)} {
		v := full("km" + strings.ReplaceAll(km, ",", "-") + "@example.org")
		v.Set("max_distance_km", km)
		if status, _ := post(v); status != 200 {
			t.Fatalf("distance %s km: status %d", km, status)
		}
	}
}

// changeLink is the path of the latest confirmation link e-mailed to
// someone.
func changeLink(t *testing.T, env *webtest.Env, email string) string {
	t.Helper()
	var body string
	if err := env.Pool.QueryRow(context.Background(), `SELECT body FROM outbox WHERE recipient = $1 AND kind = 'delegate.change' ORDER BY id DESC LIMIT 1`, email).Scan(&body); err != nil {
		t.Fatal(err)
	}
	i := strings.Index(body, "/assesseurs"+changes.LinkPath)
	if i < 0 {
		t.Fatalf("no confirmation link in %q", body)
	}
	return strings.Fields(body[i:])[0]
}

// confirmByEmail confirms, as its owner would, the latest change held for
// an e-mail.
func confirmByEmail(t *testing.T, env *webtest.Env, email string) {
	t.Helper()
	link := changeLink(t, env, email)
	if status, body := formPost(t, webtest.Client(), env, link, link, url.Values{}); status != 200 || !strings.Contains(body, "Modification enregistrée") {
		t.Fatalf("confirmation: %d\n%s", status, body)
	}
}

// The form sent again with the e-mail of a sign-up changes nothing: the
// sender is sent to "check your mailbox", the address receives a link; the
// link's page (GET, as a mail scanner would) changes nothing; its button
// applies the change, once.
func TestSignupFormSentAgainWaitsForTheMailbox(t *testing.T) {
	env := start(t)
	ctx := context.Background()
	form := func(last, voter string) url.Values {
		return url.Values{"election": {demo.ElectionSlug}, "last_name": {last}, "first_names": {"Léa"}, "birth_date": {"1999-09-09"},
			"birth_place": {"Digne"}, "address": {"1 place"}, "postal_code": {"04000"}, "city": {"Digne-les-Bains"}, "email": {"lea@example.org"},
			"phone": {"0611223344"}, "commune_code": {"04070"}, "bureau_code": {"3"}, "voter_number": {voter},
			"roles": {"assesseur_titulaire"}, "rounds": {"1", "2"}, "reach": {"commune"}, "consent": {"oui"}}
	}
	client := webtest.Client()
	if status, body := formPost(t, client, env, "/assesseurs/inscription", "/assesseurs/inscription", form("Martin", "11223344")); status != 200 || !strings.Contains(body, "Pour modifier votre inscription plus tard") {
		t.Fatalf("first sign-up: %d\n%s", status, body)
	}
	entry := func() (last, voter string) {
		t.Helper()
		if err := env.Pool.QueryRow(ctx, `SELECT last_name, voter_number FROM delegate_volunteers WHERE email = 'lea@example.org'`).Scan(&last, &voter); err != nil {
			t.Fatal(err)
		}
		return last, voter
	}

	// Sent again by someone else: redirected to "check your mailbox".
	v := form("Faussaire", "99887766")
	v.Set("_csrf", csrfOf(t, client, env, "/assesseurs/inscription"))
	resp, err := client.PostForm(env.URL+"/assesseurs/inscription", v)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/assesseurs/modification" {
		t.Fatalf("sent again: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if page := get(t, env, "/assesseurs/modification"); !strings.Contains(page, "Vérifiez votre boîte mail") {
		t.Fatalf("mailbox page:\n%s", page)
	}
	if last, voter := entry(); last != "Martin" || voter != "11223344" {
		t.Fatalf("changed before confirmation: %s %s", last, voter)
	}

	// The link's page shows the change, without the voter number, twice,
	// and changes nothing.
	link := changeLink(t, env, "lea@example.org")
	for range 2 {
		page := get(t, env, link)
		if !strings.Contains(page, "Faussaire") || strings.Contains(page, "99887766") || strings.Contains(page, "1999") ||
			!strings.Contains(page, "votre inscription comme assesseur·e ou délégué·e") || !strings.Contains(page, `id="confirmer"`) {
			t.Fatalf("link page:\n%s", page)
		}
	}
	if last, _ := entry(); last != "Martin" {
		t.Fatal("opening the link changed the entry")
	}
	// Unknown link: not found.
	resp, err = http.Get(env.URL + "/assesseurs" + changes.LinkPath + "inconnu")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("unknown link: %d", resp.StatusCode)
	}

	// Confirmed: applied, and the link is spent.
	if status, body := formPost(t, webtest.Client(), env, link, link, url.Values{}); status != 200 || !strings.Contains(body, "Modification enregistrée") {
		t.Fatalf("confirmation: %d\n%s", status, body)
	}
	if last, voter := entry(); last != "Faussaire" || voter != "99887766" {
		t.Fatalf("after confirmation: %s %s", last, voter)
	}
	c := webtest.Client()
	token := csrfOf(t, c, env, "/assesseurs/inscription")
	resp, err = c.PostForm(env.URL+link, url.Values{"_csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("second confirmation: %d", resp.StatusCode)
	}
}

// get is the body of a public page, which must answer 200.
func get(t *testing.T, env *webtest.Env, path string) string {
	t.Helper()
	resp, err := http.Get(env.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, b)
	}
	return string(b)
}

// The staff list of volunteers comes in pages, API and page alike: every
// volunteer of the filter once, limit a page, the filter kept from page to
// page.
func TestVolunteerListPages(t *testing.T) {
	env := start(t)
	admin := env.AdminToken(t)
	for i := 0; i < 3; i++ {
		if r := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", signupBody(fmt.Sprintf("page%d@example.org", i))); r.Status != 201 {
			t.Fatalf("sign-up %d: %d %s", i, r.Status, r.Body)
		}
	}
	base := "/api/v1/delegate-volunteers?election=" + demo.ElectionSlug + "&commune=04209"
	all := env.Do(t, "GET", base, admin, nil)
	whole, _ := all.JSON["volunteers"].([]any)
	if len(whole) < 3 || all.JSON["next_page"] != nil {
		t.Fatalf("whole list: %s", all.Body)
	}
	seen := map[float64]bool{}
	for page := 1; ; page++ {
		if page > len(whole) {
			t.Fatal("more pages than volunteers")
		}
		r := env.Do(t, "GET", fmt.Sprintf("%s&limit=2&page=%d", base, page), admin, nil)
		vs, _ := r.JSON["volunteers"].([]any)
		if r.Status != 200 || len(vs) == 0 || len(vs) > 2 {
			t.Fatalf("page %d: %d %s", page, r.Status, r.Body)
		}
		for _, v := range vs {
			m := v.(map[string]any)
			if id := m["id"].(float64); seen[id] || m["commune_code"] != "04209" {
				t.Fatalf("page %d: %v (seen before: %v)", page, m, seen[id])
			}
			seen[m["id"].(float64)] = true
		}
		next, more := r.JSON["next_page"]
		if !more {
			break
		}
		if next != float64(page+1) {
			t.Fatalf("page %d: next_page %v", page, next)
		}
	}
	if len(seen) != len(whole) {
		t.Fatalf("%d volunteers over the pages, %d in the whole list", len(seen), len(whole))
	}

	page := env.Do(t, "GET", "/staff/delegues/benevoles?election="+demo.ElectionSlug+"&commune=04209&limit=2", admin, nil)
	body := string(page.Body)
	next := regexp.MustCompile(`href="([^"]+)" id="page-suivante"`).FindStringSubmatch(body)
	if page.Status != 200 || !strings.Contains(body, "Bénévoles 1 à 2 (page 1)") || next == nil || strings.Contains(body, `id="page-precedente"`) {
		t.Fatalf("first page: %d\n%s", page.Status, body)
	}
	link := strings.ReplaceAll(next[1], "&amp;", "&")
	if !strings.Contains(link, "commune=04209") || !strings.Contains(link, "limit=2") || !strings.Contains(link, "page=2") {
		t.Fatalf("next page link %q loses the filter", link)
	}
	page = env.Do(t, "GET", link, admin, nil)
	if body := string(page.Body); page.Status != 200 || !strings.Contains(body, "Bénévoles 3 à ") || !strings.Contains(body, `id="page-precedente"`) {
		t.Fatalf("second page: %d\n%s", page.Status, body)
	}
}

// Without JavaScript the commune comes as typed text: one match is taken,
// and the page comes back with that commune's bureaux to choose from (the
// bureau is required here); then the sign-up goes through.
func TestSignupFormWithoutJavaScript(t *testing.T) {
	env := start(t)
	form := func(bureau string) url.Values {
		return url.Values{"election": {demo.ElectionSlug}, "last_name": {"Martin"}, "first_names": {"Léa"}, "birth_date": {"1999-09-09"},
			"birth_place": {"Digne"}, "address": {"1 place"}, "postal_code": {"04000"}, "city": {"Digne-les-Bains"}, "email": {"lea@example.org"},
			"phone": {"0611223344"}, "commune_q": {"Digne-les-Bains"}, "commune_code": {""}, "bureau_code": {bureau}, "voter_number": {"11223344"},
			"roles": {"assesseur_titulaire"}, "rounds": {"1"}, "reach": {"bureau"}, "consent": {"oui"}, "sans_js": {"1"}}
	}
	status, body := formPost(t, webtest.Client(), env, "/assesseurs/inscription", "/assesseurs/inscription", form(""))
	if status != 422 || !strings.Contains(body, `value="04070" selected`) || !strings.Contains(body, `<option value="3"`) {
		t.Fatalf("typed commune, no bureau: %d\n%s", status, body)
	}
	// As the page came back: the commune chosen, its bureaux listed.
	again := form("3")
	again.Set("commune_code", "04070")
	again.Set("bureaux_for", "04070")
	status, body = formPost(t, webtest.Client(), env, "/assesseurs/inscription", "/assesseurs/inscription", again)
	if status != 200 || !strings.Contains(body, "Votre inscription comme assesseur") {
		t.Fatalf("typed commune, bureau chosen: %d\n%s", status, body)
	}
}
