package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/staff"
	"scrutin/web/webtest"
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	env := webtest.Start(t)
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "same-origin",
		"X-Frame-Options":        "DENY",
	}
	tests := []struct {
		path   string
		status int
	}{
		{"/", 200},
		{"/connexion", 200},
		{"/staff", 303},
		{"/api/v1/communes?q=digne", 200},
		{"/api/v1/elections", 200},
		{"/healthz", 200},
		{"/static/app.css", 200},
		{"/page-qui-n-existe-pas", 404},
		{"/api/v1/communes/99999/bureaux", 404},
	}
	for _, tt := range tests {
		p := get(t, webtest.Client(), env.URL+tt.path)
		if p.Status != tt.status && !(tt.status == 303 && p.Status == 302) {
			t.Errorf("GET %s: %d, want %d", tt.path, p.Status, tt.status)
		}
		for h, v := range want {
			if got := p.Header.Get(h); got != v {
				t.Errorf("GET %s: %s = %q, want %q", tt.path, h, got, v)
			}
		}
		csp := p.Header.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("GET %s: CSP %q lacks %q", tt.path, csp, d)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: CSP allows inline code: %q", tt.path, csp)
		}
	}
}

func TestHealthz(t *testing.T) {
	env := webtest.Start(t, webtest.Options{NoDemo: true})
	r := env.Do(t, "GET", "/healthz", "", nil)
	if r.Status != 200 || r.JSON["status"] != "ok" {
		t.Fatalf("healthz: %d %s", r.Status, r.Body)
	}
	// The database gone: a load balancer must take this instance out.
	env.Pool.Close()
	r = env.Do(t, "GET", "/healthz", "", nil)
	if r.Status != 503 {
		t.Fatalf("healthz without a database: %d %s", r.Status, r.Body)
	}
}

func TestFormsNeedTheirCSRFToken(t *testing.T) {
	env := webtest.Start(t)
	admin := login(t, env, demo.AdminEmail, demo.Password)
	token := csrfOf(t, get(t, admin, env.URL+"/staff/elections"))
	election := url.Values{"name": {"Municipales"}, "slug": {"municipales-2026"}, "round1": {"2026-03-15"}}

	withToken := func(tok string) url.Values {
		v := url.Values{"_csrf": {tok}}
		for k, x := range election {
			v[k] = x
		}
		return v
	}
	tests := []struct {
		name   string
		client *http.Client
		path   string
		form   url.Values
	}{
		{"login without token", webtest.Client(), "/connexion", url.Values{"email": {demo.AdminEmail}, "password": {demo.Password}}},
		{"new election without token", admin, "/staff/elections", election},
		{"new election with a made-up token", admin, "/staff/elections", withToken("forged-token")},
		{"logout without token", admin, "/deconnexion", url.Values{}},
	}
	for _, tt := range tests {
		p := postForm(t, tt.client, env.URL+tt.path, tt.form)
		if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "Le formulaire a expiré") {
			t.Errorf("%s: %d\n%s", tt.name, p.Status, p.Body)
		}
	}
	// Another site's page cannot read the token: a token from another
	// browser does not go with this browser's cookie.
	other := login(t, env, demo.AdminEmail, demo.Password)
	otherToken := csrfOf(t, get(t, other, env.URL+"/staff/elections"))
	if p := postForm(t, admin, env.URL+"/staff/elections", withToken(otherToken)); p.Status != http.StatusForbidden {
		t.Errorf("token of another session accepted: %d", p.Status)
	}
	if n := countRows(t, env, `SELECT count(*) FROM elections WHERE slug = 'municipales-2026'`); n != 0 {
		t.Fatalf("a forged form created %d elections", n)
	}
	// The same form with its own token goes through.
	if p := postForm(t, admin, env.URL+"/staff/elections", withToken(token)); p.Status != http.StatusSeeOther {
		t.Fatalf("form with its token: %d\n%s", p.Status, p.Body)
	}
}

func TestLoginIsRateLimited(t *testing.T) {
	env := webtest.Start(t)
	client := webtest.Client()
	for i := 1; i <= 10; i++ {
		p := loginWith(t, env, client, demo.AdminEmail, "wrong-password")
		if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "mot de passe incorrect") {
			t.Fatalf("attempt %d: %d", i, p.Status)
		}
	}
	// The 11th attempt is refused, even with the right password.
	p := loginWith(t, env, client, demo.AdminEmail, demo.Password)
	if p.Status != http.StatusTooManyRequests || !strings.Contains(p.Body, "Trop de tentatives") {
		t.Fatalf("11th attempt: %d\n%s", p.Status, p.Body)
	}
	if sessionCookie(t, env, client) != "" {
		t.Fatal("a refused attempt got a session")
	}
	// Another account from the same address is refused too: the limit is
	// per address as well as per account.
	if p := loginWith(t, env, webtest.Client(), demo.OrganizerEmail, demo.Password); p.Status != http.StatusTooManyRequests {
		t.Fatalf("other account from the same address: %d", p.Status)
	}
}

// Only failed attempts count toward the login limit: staff behind one
// office NAT log in as often as they need, while guesses stay limited.
func TestSuccessfulLoginsDoNotUseUpTheLimit(t *testing.T) {
	env := webtest.Start(t)
	for i := 1; i <= 12; i++ {
		p := loginWith(t, env, webtest.Client(), demo.AdminEmail, demo.Password)
		if p.Status != http.StatusSeeOther || p.Location != "/staff" {
			t.Fatalf("successful login %d from the same address: %d\n%s", i, p.Status, p.Body)
		}
	}
	// The 12 logins left the whole budget for failures: 10 wrong
	// passwords are answered as such, then even the right one is refused.
	client := webtest.Client()
	for i := 1; i <= 10; i++ {
		if p := loginWith(t, env, client, demo.AdminEmail, "wrong-password"); p.Status != http.StatusUnauthorized {
			t.Fatalf("failed attempt %d: %d", i, p.Status)
		}
	}
	p := loginWith(t, env, client, demo.AdminEmail, demo.Password)
	if p.Status != http.StatusTooManyRequests || !strings.Contains(p.Body, "Trop de tentatives de connexion. Réessayez dans un quart d&#39;heure.") {
		t.Fatalf("right password after 10 failures: %d\n%s", p.Status, p.Body)
	}
	if sessionCookie(t, env, client) != "" {
		t.Fatal("a refused attempt got a session")
	}
	// Refused attempts give no more tries either.
	if p := loginWith(t, env, client, demo.AdminEmail, demo.Password); p.Status != http.StatusTooManyRequests {
		t.Fatalf("second attempt over the limit: %d", p.Status)
	}
}

func TestBearerTokens(t *testing.T) {
	env := webtest.Start(t)
	admin := env.AdminToken(t)
	organizer := env.StaffToken(t, "orga@example.org", staff.Organizer, "04")
	tests := []struct {
		name, token string
		status      int
		error       string
	}{
		{"admin", admin, 200, ""},
		{"no token", "", 401, "Authentification requise."},
		{"unknown token", "pas-un-jeton", 401, "Jeton invalide."},
		{"token with a typo", admin[:len(admin)-1] + "x", 401, "Jeton invalide."},
		{"organizer on an admin endpoint", organizer, 403, "Accès refusé"},
	}
	for _, tt := range tests {
		r := env.Do(t, "GET", "/api/v1/audit", tt.token, nil)
		if r.Status != tt.status {
			t.Errorf("%s: %d %s", tt.name, r.Status, r.Body)
		}
		if msg, _ := r.JSON["error"].(string); !strings.HasPrefix(msg, tt.error) {
			t.Errorf("%s: error %q, want %q", tt.name, msg, tt.error)
		}
		// Entries in snake_case, as every other JSON answer.
		if entries, _ := r.JSON["entries"].([]any); tt.status == 200 {
			if len(entries) == 0 {
				t.Fatalf("%s: no entries", tt.name)
			}
			if e, _ := entries[0].(map[string]any); e["action"] == nil || e["entity_id"] == nil || e["Action"] != nil {
				t.Errorf("%s: entries %v", tt.name, entries)
			}
		}
	}
	// An unknown token is refused even where no login is needed: a client
	// with a broken configuration learns it at once.
	if r := env.Do(t, "GET", "/api/v1/communes?q=digne", "pas-un-jeton", nil); r.Status != 401 {
		t.Errorf("public endpoint with a bad token: %d", r.Status)
	}
}

func countRows(t *testing.T, env *webtest.Env, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
