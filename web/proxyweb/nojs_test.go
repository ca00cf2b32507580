package proxyweb_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/web/webtest"
)

// The public forms without JavaScript: what a browser sends when no script
// filled the commune and bureau selects (commune_q typed, commune_code
// empty; sans_js from the <noscript> input when scripts are off).

// post sends a form and returns the status, the page (unescaped) and
// where it redirects.
func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, html.UnescapeString(string(body)), resp.Header.Get("Location")
}

// typedRequest is the request form as sent with the commune typed and
// nothing chosen in the selects.
func typedRequest(csrf, email, typed string) url.Values {
	return url.Values{"_csrf": {csrf}, "election": {demo.ElectionSlug}, "first_name": {"Jeanne"}, "last_name": {"Moreau"},
		"email": {email}, "phone": {"06 12 34 56 78"}, "commune_q": {typed}, "commune_code": {""}, "commune_label": {""},
		"bureau_code": {""}, "rounds": {"1"}, "consent": {"oui"}}
}

func storedPlace(t *testing.T, env *webtest.Env, table, email string) (commune, bureau string) {
	t.Helper()
	if err := env.Pool.QueryRow(context.Background(), `SELECT commune_code, bureau_code FROM `+table+` WHERE email = $1`, email).Scan(&commune, &bureau); err != nil {
		t.Fatalf("%s of %s: %v", table, email, err)
	}
	return commune, bureau
}

func count(t *testing.T, env *webtest.Env, table, email string) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table+` WHERE email = $1`, email).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRequestFormWithoutJavaScript(t *testing.T) {
	env := start(t)
	const page = "/procuration/demande"
	c, csrf := formClient(t, env, page)
	u := env.URL + page

	t.Run("the form says what to do without script", func(t *testing.T) {
		_, body := get(t, env, page)
		webtest.PageShows(t, body, []string{`<noscript><input type="hidden" name="sans_js" value="1">`}, nil)
	})

	t.Run("the form says to act early and what is required", func(t *testing.T) {
		_, body := get(t, env, page)
		webtest.PageShows(t, body, []string{
			`<p class="hint">Faites votre demande au plus tôt : la procuration doit être établie quelques jours avant le scrutin pour arriver à temps au bureau de vote.</p>`,
			`<p class="hint">Tous les champs sont obligatoires, sauf mention contraire.</p>`,
			`<label for="phone">Téléphone (transmis au ou à la volontaire qui acceptera)</label>`,
			`<input id="phone" name="phone" type="tel" value="" autocomplete="tel" aria-required="true">`,
			`<input id="first_name" name="first_name" type="text" value="" autocomplete="given-name" aria-required="true">`,
			`<select id="commune_code" name="commune_code" aria-required="true">`,
			`<label for="bureau_code">Bureau de vote (facultatif, indiqué sur votre carte électorale)</label>`,
			`name="consent" value="oui" aria-required="true">`,
		}, []string{" required", `data-empty="Je ne sais pas" aria-required`})
	})

	t.Run("one commune matches, the script failed: stored", func(t *testing.T) {
		status, body, where := post(t, c, u, typedRequest(csrf, "unique@example.org", "Sisteron"))
		if status != 303 || where != "/procuration/merci/demande" {
			t.Fatalf("%d → %q: %s", status, where, body)
		}
		if commune, bureau := storedPlace(t, env, "proxy_requests", "unique@example.org"); commune != "04209" || bureau != "" {
			t.Fatalf("stored %s bureau %q", commune, bureau)
		}
	})

	t.Run("one commune matches, scripts off: its bureaux to choose from, then stored", func(t *testing.T) {
		form := typedRequest(csrf, "bureau@example.org", "04200")
		form.Set("sans_js", "1")
		status, body, _ := post(t, c, u, form)
		if status != 422 {
			t.Fatalf("%d: %s", status, body)
		}
		webtest.PageShows(t, body, []string{
			`<option value="04209" selected>Sisteron (04200)</option>`,
			`<option value="1">Bureau 1 – Mairie</option>`,
			`<option value="2">Bureau 2 – École des Plantiers</option>`,
			`<input type="hidden" name="bureaux_for" value="04209">`,
			`<p class="error" id="bureau_code-error">Choisissez votre bureau de vote dans la liste, ou « Je ne sais pas ».</p>`,
			`value="04200" name="commune_q"`,
		}, []string{`id="commune_code-error"`, "Code de bureau invalide"})
		if n := count(t, env, "proxy_requests", "bureau@example.org"); n != 0 {
			t.Fatalf("stored before the bureau was asked: %d", n)
		}
		// The person picks bureau 2: the browser sends the selects.
		form.Set("commune_code", "04209")
		form.Set("bureaux_for", "04209")
		form.Set("bureau_code", "2")
		if status, body, _ := post(t, c, u, form); status != 303 {
			t.Fatalf("with the bureau: %d %s", status, body)
		}
		if commune, bureau := storedPlace(t, env, "proxy_requests", "bureau@example.org"); commune != "04209" || bureau != "2" {
			t.Fatalf("stored %s bureau %q", commune, bureau)
		}
	})

	t.Run("several communes match: listed, then the one chosen is stored", func(t *testing.T) {
		form := typedRequest(csrf, "several@example.org", "041") // Manosque 04100, Château-Arnoux 04160
		form.Set("sans_js", "1")
		form.Set("phone", "12") // every other message comes at once
		status, body, _ := post(t, c, u, form)
		if status != 422 {
			t.Fatalf("%d: %s", status, body)
		}
		webtest.PageShows(t, body, []string{
			`<option value="" selected>— choisissez votre commune dans la liste —</option>`,
			`<option value="04112">Manosque (04100)</option>`,
			`<option value="04049">Château-Arnoux-Saint-Auban (04160, 04600)</option>`,
			`<p class="error" id="commune_code-error">Choisissez votre commune dans la liste.</p>`,
			`<select id="commune_code" name="commune_code" aria-required="true" aria-invalid="true" aria-describedby="commune_code-error">`,
			`<input id="phone" name="phone" type="tel" value="12" autocomplete="tel" aria-required="true" aria-invalid="true" aria-describedby="phone-error">`,
			`<p class="error" id="phone-error">`,
		}, []string{"Choisissez votre commune.<", `name="bureaux_for"`})
		// Manosque chosen, the phone fixed: its bureaux are asked (the
		// page had none to show), then "Je ne sais pas" is an answer.
		form.Set("commune_code", "04112")
		form.Set("phone", "06 12 34 56 78")
		status, body, _ = post(t, c, u, form)
		if status != 422 {
			t.Fatalf("commune chosen: %d %s", status, body)
		}
		webtest.PageShows(t, body, []string{`<option value="04112" selected>Manosque (04100)</option>`, `Bureau 3 – Salle Osco Manosco`,
			`<input type="hidden" name="bureaux_for" value="04112">`}, []string{`id="phone-error"`, `id="commune_code-error"`})
		form.Set("bureaux_for", "04112")
		if status, body, _ := post(t, c, u, form); status != 303 {
			t.Fatalf("je ne sais pas: %d %s", status, body)
		}
		if commune, bureau := storedPlace(t, env, "proxy_requests", "several@example.org"); commune != "04112" || bureau != "" {
			t.Fatalf("stored %s bureau %q", commune, bureau)
		}
	})

	t.Run("several communes match, the script failed: the one chosen is stored", func(t *testing.T) {
		form := typedRequest(csrf, "several-js@example.org", "04")
		status, body, _ := post(t, c, u, form)
		if status != 422 || !strings.Contains(body, "Choisissez votre commune dans la liste.") || !strings.Contains(body, `<option value="04070">Digne-les-Bains (04000)</option>`) {
			t.Fatalf("%d: %s", status, body)
		}
		form.Set("commune_code", "04070")
		if status, body, _ := post(t, c, u, form); status != 303 {
			t.Fatalf("chosen: %d %s", status, body)
		}
		if commune, _ := storedPlace(t, env, "proxy_requests", "several-js@example.org"); commune != "04070" {
			t.Fatalf("stored %s", commune)
		}
	})

	t.Run("no commune matches", func(t *testing.T) {
		status, body, _ := post(t, c, u, typedRequest(csrf, "none@example.org", "Zanzibar"))
		if status != 422 {
			t.Fatalf("%d: %s", status, body)
		}
		webtest.PageShows(t, body, []string{`<p class="error" id="commune_code-error">Aucune commune ne correspond à « Zanzibar ».</p>`,
			`<option value="">— tapez le nom ou le code postal ci-dessus —</option>`}, nil)
	})

	t.Run("the text changed after a commune was chosen: the text wins", func(t *testing.T) {
		form := typedRequest(csrf, "changed@example.org", "Manosque")
		form.Set("commune_code", "04209") // Sisteron, found by the text before
		form.Set("bureau_code", "2")
		if status, body, _ := post(t, c, u, form); status != 303 {
			t.Fatalf("%d %s", status, body)
		}
		if commune, bureau := storedPlace(t, env, "proxy_requests", "changed@example.org"); commune != "04112" || bureau != "" {
			t.Fatalf("stored %s bureau %q", commune, bureau)
		}
	})

	t.Run("a commune chosen by the script among the matches is kept", func(t *testing.T) {
		form := typedRequest(csrf, "script@example.org", "041")
		form.Set("commune_code", "04049")
		form.Set("bureau_code", "2")
		if status, body, _ := post(t, c, u, form); status != 303 {
			t.Fatalf("%d %s", status, body)
		}
		if commune, bureau := storedPlace(t, env, "proxy_requests", "script@example.org"); commune != "04049" || bureau != "2" {
			t.Fatalf("stored %s bureau %q", commune, bureau)
		}
	})

	t.Run("a page coming back for another field lists the commune's bureaux", func(t *testing.T) {
		form := typedRequest(csrf, "other@example.org", "Dig")
		form.Set("commune_code", "04070")
		form.Set("bureau_code", "3")
		form.Del("consent")
		status, body, _ := post(t, c, u, form)
		if status != 422 {
			t.Fatalf("%d %s", status, body)
		}
		webtest.PageShows(t, body, []string{`<option value="04070" selected>Digne-les-Bains (04000)</option>`,
			`<option value="3" selected>Bureau 3 – Gymnase des Arches</option>`, `<option value="1">Bureau 1 – Hôtel de ville</option>`,
			`id="consent-error"`}, []string{`id="commune_code-error"`, `id="bureau_code-error"`})
	})
}

func TestVolunteerFormWithoutJavaScript(t *testing.T) {
	env := start(t)
	const page = "/procuration/volontaire"
	_, blank := get(t, env, page)
	webtest.PageShows(t, blank, []string{
		`<p class="hint">Vous ne pouvez porter qu'une seule procuration établie en France par tour : si vous en portez déjà une (pour un proche par exemple), ne vous inscrivez pas pour ce tour.</p>`,
		`<p class="hint">Tous les champs sont obligatoires, sauf mention contraire.</p>`,
		`<input id="voter_number" name="voter_number" type="text" value="" inputmode="numeric" autocomplete="off" aria-required="true">`,
		`<input id="birth_date" name="birth_date" type="date" value="" autocomplete="bday" aria-required="true">`,
		`<label for="max_distance_km">Distance que vous pouvez parcourir jusqu&#39;au bureau de vote (facultatif, en km entiers, 20 au plus)</label>`,
		`<input id="max_distance_km" name="max_distance_km" type="number" value="10" step="1" min="1" max="20" inputmode="numeric">`,
		`<label for="bureau_code">Bureau de vote (facultatif, indiqué sur votre carte électorale)</label>`,
	}, []string{" required", `inputmode="decimal"`})
	c, csrf := formClient(t, env, page)
	form := typedRequest(csrf, "paul@example.org", "manosque")
	form.Set("first_name", "Paul")
	form.Set("birth_date", "1990-05-17")
	form.Set("voter_number", "123456789")
	form.Set("max_distance_km", "10")
	form.Set("sans_js", "1")
	status, body, _ := post(t, c, env.URL+page, form)
	if status != 422 || !strings.Contains(body, `<option value="2">Bureau 2 – École Jean Giono</option>`) {
		t.Fatalf("%d: %s", status, body)
	}
	form.Set("commune_code", "04112")
	form.Set("bureaux_for", "04112")
	form.Set("bureau_code", "2")
	if status, body, where := post(t, c, env.URL+page, form); status != 303 || where != "/procuration/merci/volontaire" {
		t.Fatalf("%d → %q: %s", status, where, body)
	}
	if commune, bureau := storedPlace(t, env, "proxy_volunteers", "paul@example.org"); commune != "04112" || bureau != "2" {
		t.Fatalf("stored %s bureau %q", commune, bureau)
	}
}

// The steps of a form without script (choosing among communes) are not
// submissions: they take nothing of the e-mail's hourly limit (5 here),
// so a person who types a vague commune a few times can still send.
func TestFormStepsWithoutJavaScriptAreNotRateLimited(t *testing.T) {
	env := start(t, webtest.Options{PublicRatePerMinute: 25})
	c, csrf := formClient(t, env, "/procuration/demande")
	for i := 1; i <= 6; i++ {
		if status, body, _ := post(t, c, env.URL+"/procuration/demande", typedRequest(csrf, "vague@example.org", "041")); status != 422 {
			t.Fatalf("step %d: %d %s", i, status, body)
		}
	}
	form := typedRequest(csrf, "vague@example.org", "041")
	form.Set("commune_code", "04112")
	if status, body, where := post(t, c, env.URL+"/procuration/demande", form); status != 303 || where != "/procuration/merci/demande" {
		t.Fatalf("the submission after six steps: %d → %q %s", status, where, body)
	}
}
