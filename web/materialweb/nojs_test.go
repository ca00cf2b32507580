package materialweb_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/materials"
	"scrutin/logistics/places"
	"scrutin/web"
	"scrutin/web/materialweb"
	"scrutin/web/webtest"
)

// The order form without JavaScript: the delivery commune comes as the
// text typed (commune_q) with no commune chosen in the select, as a
// browser sends it when no script filled the select.

// addSaintDenis adds two communes of one name, the case where the text
// typed cannot tell which is meant.
func addSaintDenis(t *testing.T, env *webtest.Env) {
	t.Helper()
	for _, c := range []struct{ code, postal string }{{"93066", "93200"}, {"97411", "97400"}} {
		if _, err := env.Pool.Exec(context.Background(), `INSERT INTO communes (code, name, departement, search_name) VALUES ($1, $2, $3, $4)`,
			c.code, "Saint-Denis", places.Departement(c.code), places.Fold("Saint-Denis")); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Pool.Exec(context.Background(), `INSERT INTO postal_codes (postal_code, commune_code) VALUES ($1, $2)`, c.postal, c.code); err != nil {
			t.Fatal(err)
		}
	}
}

// orderForm is the order form as sent with the commune typed and nothing
// chosen in the commune select.
func orderForm(csrf, email, postal, typed string) url.Values {
	return url.Values{"_csrf": {csrf}, "election": {demo.ElectionSlug}, "items.TRACT-A5.quantity": {"100"},
		"items.AFFICHE-A2.quantity": {""}, "name": {"Bea Roux"}, "address": {"4 rue du Pont"}, "postal_code": {postal},
		"commune_q": {typed}, "commune_code": {""}, "commune_label": {""}, "email": {email}, "phone": {"0611223344"},
		"consent": {"oui"}, "sans_js": {"1"}, "site_web": {""}}
}

// formClient is a client with the session of the order page and its CSRF
// token.
func formClient(t *testing.T, env *webtest.Env) (*http.Client, string) {
	t.Helper()
	c := webtest.Client()
	return c, env.CSRF(t, c, "/materiel")
}

// post sends the form and returns the status, the page (unescaped) and
// where it redirects.
func post(t *testing.T, c *http.Client, env *webtest.Env, form url.Values) (int, string, string) {
	t.Helper()
	resp, err := c.PostForm(env.URL+"/materiel", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, html.UnescapeString(string(body)), resp.Header.Get("Location")
}

// storedCommunes are the delivery communes of the orders of email, oldest
// first.
func storedCommunes(t *testing.T, env *webtest.Env, email string) []string {
	t.Helper()
	rows, err := env.Pool.Query(context.Background(), `SELECT commune_code FROM material_orders WHERE email = $1 ORDER BY id`, email)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMaterialOrderCommuneTypedWithoutJavaScript(t *testing.T) {
	env := start(t)
	addSaintDenis(t, env)
	c, csrf := formClient(t, env)

	t.Run("the form says what to do without script", func(t *testing.T) {
		resp, err := webtest.Client().Get(env.URL + "/materiel")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		webtest.PageShows(t, html.UnescapeString(string(body)), []string{
			`<label for="commune_q">Commune (nom ou code postal ; facultatif si votre code postal ne correspond qu'à une seule commune)</label>`,
			`<p class="hint">Tous les champs sont obligatoires, sauf mention contraire.</p>`,
			`<p class="hint">Choisissez au moins un article ; laissez vides ceux dont vous n'avez pas besoin.</p>`,
			`<input id="postal_code" name="postal_code" type="text" value="" inputmode="numeric" autocomplete="postal-code" aria-required="true">`,
			`<input id="name" name="name" type="text" value="" autocomplete="name" aria-required="true">`,
			`<input id="phone" name="phone" type="tel" value="" autocomplete="tel" aria-required="true">`,
			`<input type="checkbox" name="consent" value="oui" aria-required="true">`,
			`<select id="commune_code" name="commune_code">`,
			`<noscript><input type="hidden" name="sans_js" value="1"><p class="hint">Tapez le nom ou le code postal de la commune de livraison`,
			`<option value="">— d'après le code postal, ou tapez le nom ci-dessus —</option>`,
		}, []string{`name="bureau_code"`, `aria-required="true" aria-invalid`, " required"})
	})

	t.Run("one commune matches: ordered", func(t *testing.T) {
		status, body, where := post(t, c, env, orderForm(csrf, "one@example.org", "04000", "04000"))
		if status != http.StatusSeeOther || !linkRe.MatchString(where) {
			t.Fatalf("%d → %q: %s", status, where, body)
		}
		if got := storedCommunes(t, env, "one@example.org"); len(got) != 1 || got[0] != "04070" {
			t.Fatalf("stored %v", got)
		}
	})

	t.Run("several communes match: listed, everything kept, then the one chosen is ordered", func(t *testing.T) {
		// 04000 is neither Saint-Denis's: the list stays whole.
		form := orderForm(csrf, "several@example.org", "04000", "Saint-Denis")
		status, body, _ := post(t, c, env, form)
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("%d: %s", status, body)
		}
		webtest.PageShows(t, body, []string{
			`<select id="commune_code" name="commune_code" aria-invalid="true" aria-describedby="commune_code-error">`,
			`<option value="" selected>— choisissez votre commune dans la liste —</option>`,
			`<option value="93066">Saint-Denis (93200)</option>`,
			`<option value="97411">Saint-Denis (97400)</option>`,
			`<p class="error" id="commune_code-error">Choisissez votre commune dans la liste.</p>`,
			`value="Saint-Denis" name="commune_q"`,
			`name="items.TRACT-A5.quantity" type="number" inputmode="numeric" min="0" step="50" max="1000" value="100"`,
			`name="name" type="text" value="Bea Roux"`,
			`name="address" type="text" value="4 rue du Pont"`,
			`name="postal_code" type="text" value="04000" inputmode="numeric"`,
			`name="email" type="email" value="several@example.org"`,
			`name="phone" type="tel" value="0611223344"`,
			`name="consent" value="oui" checked`,
		}, []string{"Code de commune invalide", "Choisissez votre commune.<", `name="bureaux_for"`, `<p class="error" role="alert">`})
		if got := storedCommunes(t, env, "several@example.org"); len(got) != 0 {
			t.Fatalf("ordered before the commune was chosen: %v", got)
		}
		// The person picks the first Saint-Denis, and its postal code:
		// the browser sends them.
		form.Set("commune_code", "93066")
		form.Set("postal_code", "93200")
		if status, body, where := post(t, c, env, form); status != http.StatusSeeOther || !linkRe.MatchString(where) {
			t.Fatalf("chosen: %d → %q %s", status, where, body)
		}
		if got := storedCommunes(t, env, "several@example.org"); len(got) != 1 || got[0] != "93066" {
			t.Fatalf("stored %v", got)
		}
	})

	t.Run("several communes match the name, one has the postal code: ordered there", func(t *testing.T) {
		for _, typed := range []string{"Saint-Denis", "Saint Denis"} {
			email := "postal-" + strings.ToLower(strings.ReplaceAll(typed, " ", "")) + "@example.org"
			status, body, where := post(t, c, env, orderForm(csrf, email, "93200", typed))
			if status != http.StatusSeeOther || !linkRe.MatchString(where) {
				t.Fatalf("%q: %d → %q: %s", typed, status, where, body)
			}
			if got := storedCommunes(t, env, email); len(got) != 1 || got[0] != "93066" {
				t.Fatalf("%q: stored %v", typed, got)
			}
		}
		// Digne with 04000 is Digne-les-Bains, not La Digne-d'Aval (11300).
		if _, err := env.Pool.Exec(context.Background(), `INSERT INTO communes (code, name, departement, search_name) VALUES ('11118', 'La Digne-d''Aval', '11', $1)`,
			places.Fold("La Digne-d'Aval")); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Pool.Exec(context.Background(), `INSERT INTO postal_codes (postal_code, commune_code) VALUES ('11300', '11118')`); err != nil {
			t.Fatal(err)
		}
		status, body, where := post(t, c, env, orderForm(csrf, "digne@example.org", "04000", "Digne"))
		if status != http.StatusSeeOther || !linkRe.MatchString(where) {
			t.Fatalf("Digne 04000: %d → %q: %s", status, where, body)
		}
		if got := storedCommunes(t, env, "digne@example.org"); len(got) != 1 || got[0] != "04070" {
			t.Fatalf("Digne 04000: stored %v", got)
		}
	})

	t.Run("no commune matches", func(t *testing.T) {
		status, body, _ := post(t, c, env, orderForm(csrf, "none@example.org", "04000", "Zanzibar"))
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("%d: %s", status, body)
		}
		webtest.PageShows(t, body, []string{
			`<p class="error" id="commune_code-error">Aucune commune ne correspond à « Zanzibar ».</p>`,
			`<option value="">— d'après le code postal, ou tapez le nom ci-dessus —</option>`,
			`value="Zanzibar" name="commune_q"`,
			`name="name" type="text" value="Bea Roux"`,
		}, []string{"Code de commune invalide"})
		if got := storedCommunes(t, env, "none@example.org"); len(got) != 0 {
			t.Fatalf("ordered with no commune: %v", got)
		}
	})

	t.Run("a page coming back for another field shows the commune found", func(t *testing.T) {
		form := orderForm(csrf, "other@example.org", "04000", "Digne")
		form.Del("consent")
		status, body, _ := post(t, c, env, form)
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("%d: %s", status, body)
		}
		webtest.PageShows(t, body, []string{
			`<option value="04070" selected>Digne-les-Bains (04000)</option>`,
			`name="commune_label" value="Digne-les-Bains (04000)"`,
			`id="consent-error"`,
		}, []string{`id="commune_code-error"`})
		if got := storedCommunes(t, env, "other@example.org"); len(got) != 0 {
			t.Fatalf("ordered without consent: %v", got)
		}
	})

	t.Run("text naming no commune: the postal code's commune is not taken instead", func(t *testing.T) {
		// 04100 is Manosque's: without the text, the domain would deliver
		// there; the text names no commune, so the page asks.
		status, body, _ := post(t, c, env, orderForm(csrf, "postal@example.org", "04100", "Zanzibar"))
		if status != http.StatusUnprocessableEntity || len(storedCommunes(t, env, "postal@example.org")) != 0 {
			t.Fatalf("%d: %s", status, body)
		}
		webtest.PageShows(t, body, []string{`id="commune_code-error">Aucune commune ne correspond à « Zanzibar ».`}, []string{`id="postal_code-error"`})
	})
}

// Choosing among communes is a step of the form, not an order: it takes
// nothing of the e-mail's hourly limit (5 here).
func TestMaterialOrderStepsWithoutJavaScriptAreNotRateLimited(t *testing.T) {
	env := webtest.Start(t, webtest.Options{Modules: []web.Module{materialweb.Routes}, DemoLoaders: []demo.Loader{materials.LoadDemo},
		PublicRatePerMinute: 25})
	addSaintDenis(t, env)
	c, csrf := formClient(t, env)
	for i := 1; i <= 6; i++ {
		// 04000 is neither Saint-Denis's: the page asks which.
		if status, body, _ := post(t, c, env, orderForm(csrf, "vague@example.org", "04000", "Saint-Denis")); status != http.StatusUnprocessableEntity {
			t.Fatalf("step %d: %d %s", i, status, body)
		}
	}
	form := orderForm(csrf, "vague@example.org", "93200", "Saint-Denis")
	form.Set("commune_code", "93066")
	if status, body, where := post(t, c, env, form); status != http.StatusSeeOther || !linkRe.MatchString(where) {
		t.Fatalf("the order after six steps: %d → %q %s", status, where, body)
	}
}
