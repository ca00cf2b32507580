package delegateweb

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/staff"
	"scrutin/web/webtest"
)

// A run over a place that is no commune, no département, or a commune and
// a département that disagree is refused, not answered with zeros.
func TestRunRefusesUnknownOrContradictoryPlaces(t *testing.T) {
	env := start(t)
	admin := env.AdminToken(t)
	for _, tc := range []struct {
		body        map[string]any
		field, want string
	}{
		{map[string]any{"commune": "99999"}, "commune", "Commune inconnue : 99999."},
		{map[string]any{"commune": "04999"}, "commune", "Commune inconnue : 04999."},
		{map[string]any{"departement": "99"}, "departement", "Département inconnu : 99."},
		{map[string]any{"commune": "75056"}, "commune", "arrondissement"},
		{map[string]any{"commune": "04070", "departement": "75"}, "commune", "Indiquez une commune ou un département, pas les deux."},
	} {
		tc.body["election"], tc.body["dry_run"] = demo.ElectionSlug, true
		r := env.Do(t, "POST", "/api/v1/delegate-assignment/run", admin, tc.body)
		if r.Status != 422 || !strings.Contains(r.Field(tc.field), tc.want) {
			t.Errorf("%v: %d %s", tc.body, r.Status, r.Body)
		}
	}
	// Both given and agreeing: the commune's run.
	r := env.Do(t, "POST", "/api/v1/delegate-assignment/run", admin, map[string]any{"election": demo.ElectionSlug, "dry_run": true, "commune": "04070", "departement": "04"})
	if r.Status != 200 || r.JSON["commune"] != "04070" {
		t.Errorf("04070 in 04: %d %s", r.Status, r.Body)
	}
	// The coverage, too.
	if r := env.Do(t, "GET", "/api/v1/delegate-coverage?election="+demo.ElectionSlug+"&commune=04999", admin, nil); r.Status != 422 {
		t.Errorf("coverage of 04999: %d %s", r.Status, r.Body)
	}

	c := login(t, env, demo.AdminEmail, demo.Password)
	for _, tc := range []struct{ query, want string }{
		{"&commune=99999", "Commune inconnue : 99999."},
		{"&commune=04999", "Commune inconnue : 04999."},
		{"&departement=99", "Département inconnu : 99."},
		{"&departement=75&commune=04070", "Indiquez une commune ou un département, pas les deux."},
	} {
		status, body := fetch(t, c, env, "/staff/delegues?election="+demo.ElectionSlug+"&round=1"+tc.query)
		if status != 422 || !strings.Contains(body, `id="bad-place" role="alert">`+tc.want) || strings.Contains(body, "› <a") {
			t.Errorf("%s: %d\n%s", tc.query, status, body)
		}
	}
	if status, body := fetch(t, c, env, "/staff/delegues?election="+demo.ElectionSlug+"&round=1&departement=04&commune=04070"); status != 200 ||
		!strings.Contains(body, "Lancer l'affectation (commune de Digne-les-Bains, 04070)") {
		t.Errorf("04070 in 04: %d\n%s", status, body)
	}
}

// The sign-up form answers Post/Redirect/Get: reloading the thanks page
// sends nothing again.
func TestSignupFormRedirectsToTheThanksPage(t *testing.T) {
	env := start(t)
	c := webtest.Client()
	v := url.Values{"election": {demo.ElectionSlug}, "last_name": {"Martin"}, "first_names": {"Léa"}, "birth_date": {"1999-09-09"},
		"birth_place": {"Digne"}, "address": {"1 place"}, "postal_code": {"04000"}, "city": {"Digne-les-Bains"}, "email": {"prg@example.org"},
		"phone": {"0611223344"}, "commune_code": {"04070"}, "bureau_code": {"3"}, "voter_number": {"55667788"},
		"roles": {"assesseur_titulaire"}, "rounds": {"1", "2"}, "reach": {"commune"}, "consent": {"oui"}}
	v.Set("_csrf", csrfOf(t, c, env, "/assesseurs/inscription"))
	for _, honeypot := range []string{"", "http://robot"} {
		v.Set("site_web", honeypot)
		resp, err := c.PostForm(env.URL+"/assesseurs/inscription", v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/assesseurs/merci" {
			t.Fatalf("honeypot %q: %d to %q", honeypot, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if status, body := fetch(t, c, env, "/assesseurs/merci"); status != 200 || !strings.Contains(body, "Votre inscription comme assesseur·e ou délégué·e est enregistrée.") {
		t.Fatalf("thanks page: %d\n%s", status, body)
	}
	if n := count(t, env, `SELECT count(*) FROM delegate_volunteers WHERE email = 'prg@example.org'`); n != 1 {
		t.Fatalf("%d sign-ups stored", n)
	}
}

// An organizer scoped to one commune, on the page of its département: the
// text says the run covers that commune's seats and volunteers only.
func TestRunScopeTextOfACommuneScopedOrganizer(t *testing.T) {
	env := start(t)
	if _, err := staff.Add(context.Background(), env.Pool, staff.NewUser{Email: "digne@example.org", Name: "Digne", Role: staff.Organizer,
		Scope: []string{"04070"}, Password: demo.Password}); err != nil {
		t.Fatal(err)
	}
	c := login(t, env, "digne@example.org", demo.Password)
	status, body := fetch(t, c, env, "/staff/delegues?election="+demo.ElectionSlug+"&round=1&departement=04")
	if status != 200 || !strings.Contains(body, "les sièges et les bénévoles de votre périmètre dans le département 04 : ceux de la commune 04070 seulement") ||
		strings.Contains(body, "ses sièges et ses bénévoles") {
		t.Fatalf("%d\n%s", status, body)
	}
}
