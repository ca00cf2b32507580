package delegateweb

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/delegates"
	"scrutin/web/webtest"
)

// voterNumberMessages maps the recipients of the messages of a voter
// number signed up under another address to their bodies.
func voterNumberMessages(t *testing.T, env *webtest.Env) map[string]string {
	t.Helper()
	rows, err := env.Pool.Query(context.Background(), `SELECT recipient, body FROM outbox WHERE kind = $1`, delegates.KindVoterNumberTaken)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var to, body string
		if err := rows.Scan(&to, &body); err != nil {
			t.Fatal(err)
		}
		out[to] += body
	}
	return out
}

// storedFor counts the entries and changes held of an address.
func storedFor(t *testing.T, env *webtest.Env, email string) int {
	t.Helper()
	var n int
	env.Pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM delegate_volunteers WHERE email = $1)
		+ (SELECT count(*) FROM pending_changes WHERE email = $1)`, email).Scan(&n)
	return n
}

// The API answers a new e-mail sent with a voter number signed up under
// another address byte for byte as it answers a change held: whoever
// tries voter numbers learns nothing. Only the mailboxes do.
func TestTakenVoterNumberAPIIsAnsweredAsAChangeHeld(t *testing.T) {
	env := start(t)
	if r := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", signupBody("owner@example.org")); r.Status != 201 {
		t.Fatalf("sign-up: %d %s", r.Status, r.Body)
	}
	again := signupBody("owner@example.org")
	again["last_name"] = "Autre"
	held := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", again)

	b := signupBody("newcomer@example.org")
	b["voter_number"] = voterNumberOf("owner@example.org")
	taken := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", b)

	if taken.Status != held.Status || string(taken.Body) != string(held.Body) || held.Status != 202 ||
		string(held.Body) != `{"status":"confirmation_pending"}` {
		t.Fatalf("taken voter number: %d %s; change held: %d %s", taken.Status, taken.Body, held.Status, held.Body)
	}
	for _, h := range []string{"Content-Type", "Content-Length", "Cache-Control"} {
		if taken.Header.Get(h) != held.Header.Get(h) {
			t.Errorf("%s: %q, change held %q", h, taken.Header.Get(h), held.Header.Get(h))
		}
	}
	if n := storedFor(t, env, "newcomer@example.org"); n != 0 {
		t.Fatalf("%d rows stored for the new address", n)
	}
	msgs := voterNumberMessages(t, env)
	if len(msgs) != 2 || !strings.Contains(msgs["owner@example.org"], "n***@e***.org") || strings.Contains(msgs["owner@example.org"], "newcomer") ||
		!strings.Contains(msgs["newcomer@example.org"], "n'a pas pu être enregistrée") || strings.Contains(msgs["newcomer@example.org"], "owner") {
		t.Fatalf("messages %v", msgs)
	}
	// An unused voter number is signed up (201): the only other answer,
	// which tells nothing of anyone else.
	if r := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", signupBody("fresh@example.org")); r.Status != 201 {
		t.Fatalf("unused voter number: %d %s", r.Status, r.Body)
	}
}

// postForm sends the sign-up form as a browser would, and returns the
// answer (redirects are not followed) and its body.
func postForm(t *testing.T, env *webtest.Env, v url.Values) (*http.Response, string) {
	t.Helper()
	c := webtest.Client()
	v.Set("_csrf", csrfOf(t, c, env, "/assesseurs/inscription"))
	resp, err := c.PostForm(env.URL+"/assesseurs/inscription", v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// The form, too, answers a taken voter number as a change held: the same
// redirection to "check your mailbox", no message next to the field.
func TestTakenVoterNumberFormIsAnsweredAsAChangeHeld(t *testing.T) {
	env := start(t)
	form := func(email, last string) url.Values {
		return url.Values{"election": {demo.ElectionSlug}, "last_name": {last}, "first_names": {"Léa"}, "birth_date": {"1999-09-09"},
			"birth_place": {"Digne"}, "address": {"1 place"}, "postal_code": {"04000"}, "city": {"Digne-les-Bains"}, "email": {email},
			"phone": {"0611223344"}, "commune_code": {"04070"}, "bureau_code": {"3"}, "voter_number": {"11 22 33 44"},
			"roles": {"assesseur_titulaire"}, "rounds": {"1", "2"}, "reach": {"commune"}, "consent": {"oui"}}
	}
	if resp, body := postForm(t, env, form("lea@example.org", "Martin")); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/assesseurs/merci" {
		t.Fatalf("first sign-up: %d\n%s", resp.StatusCode, body)
	}
	held, heldBody := postForm(t, env, form("lea@example.org", "Autre"))
	taken, takenBody := postForm(t, env, form("paul@example.org", "Dubois"))
	if taken.StatusCode != held.StatusCode || held.StatusCode != http.StatusSeeOther || takenBody != heldBody ||
		taken.Header.Get("Location") != held.Header.Get("Location") || held.Header.Get("Location") != "/assesseurs/modification" ||
		taken.Header.Get("Content-Type") != held.Header.Get("Content-Type") {
		t.Fatalf("taken voter number: %d to %q %q; change held: %d to %q %q", taken.StatusCode, taken.Header.Get("Location"), takenBody,
			held.StatusCode, held.Header.Get("Location"), heldBody)
	}
	webtest.PageShows(t, get(t, env, "/assesseurs/modification"), []string{"Vérifiez votre boîte mail"}, []string{"déjà inscrit", "numéro national"})
	if n := storedFor(t, env, "paul@example.org"); n != 0 {
		t.Fatalf("%d rows stored for the new address", n)
	}
	msgs := voterNumberMessages(t, env)
	if len(msgs) != 2 || !strings.Contains(msgs["lea@example.org"], "p***@e***.org") || !strings.Contains(msgs["paul@example.org"], "n'a pas pu être enregistrée") {
		t.Fatalf("messages %v", msgs)
	}
}

// The town of the home address: its own field on the form, required, with
// its message next to it; required by the API too, with a French message
// for the field.
func TestSignupAsksForTheTown(t *testing.T) {
	env := start(t)
	page := get(t, env, "/assesseurs/inscription")
	webtest.PageShows(t, page, []string{`<label for="city">Commune de résidence</label>`, `<input id="city" name="city" type="text" value="" autocomplete="address-level2" aria-required="true">`}, nil)

	for _, tc := range []struct {
		name string
		city any
		msg  string
	}{
		{"missing", nil, "La commune de résidence est obligatoire."},
		{"blank", "   ", "La commune de résidence est obligatoire."},
		{"too long", strings.Repeat("x", 101), "La commune de résidence dépasse 100 caractères."},
		{"not a string", 4000, ""},
	} {
		t.Run("API "+tc.name, func(t *testing.T) {
			b := signupBody(strings.ReplaceAll(tc.name, " ", "-") + "@example.org")
			delete(b, "city")
			if tc.city != nil {
				b["city"] = tc.city
			}
			r := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", b)
			if r.Status != 422 || r.Field("city") == "" || (tc.msg != "" && r.Field("city") != tc.msg) {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
	r := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", signupBody("ville@example.org"))
	var city string
	env.Pool.QueryRow(context.Background(), `SELECT city FROM delegate_volunteers WHERE email = 'ville@example.org'`).Scan(&city)
	if r.Status != 201 || city != "Sisteron" {
		t.Fatalf("API with the town: %d %s, stored %q", r.Status, r.Body, city)
	}

	v := url.Values{"election": {demo.ElectionSlug}, "last_name": {"Martin"}, "first_names": {"Léa"}, "birth_date": {"1999-09-09"},
		"birth_place": {"Digne"}, "address": {"1 place"}, "postal_code": {"04000"}, "email": {"lea@example.org"},
		"phone": {"0611223344"}, "commune_code": {"04070"}, "bureau_code": {"3"}, "voter_number": {"11223344"},
		"roles": {"assesseur_titulaire"}, "rounds": {"1", "2"}, "reach": {"commune"}, "consent": {"oui"}}
	status, body := formPost(t, webtest.Client(), env, "/assesseurs/inscription", "/assesseurs/inscription", v)
	if status != 422 || len(fieldErrorRe.FindAllString(body, -1)) != 1 {
		t.Fatalf("form without the town: %d\n%s", status, body)
	}
	webtest.PageShows(t, body, []string{`<input id="city" name="city" type="text" value="" autocomplete="address-level2" aria-required="true" aria-invalid="true" aria-describedby="city-error">`,
		`<p class="error" id="city-error">La commune de résidence est obligatoire.</p>`, `value="1 place"`}, nil)
	v.Set("city", "Digne-les-Bains")
	status, body = formPost(t, webtest.Client(), env, "/assesseurs/inscription", "/assesseurs/inscription", v)
	env.Pool.QueryRow(context.Background(), `SELECT city FROM delegate_volunteers WHERE email = 'lea@example.org'`).Scan(&city)
	if status != 200 || city != "Digne-les-Bains" {
		t.Fatalf("form with the town: %d, stored %q\n%s", status, city, body)
	}
}
