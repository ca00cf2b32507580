package web_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/logistics/check"
	"scrutin/logistics/staff"
	"scrutin/web/webtest"
)

func TestLoginSessionCookie(t *testing.T) {
	env := webtest.Start(t)
	client := webtest.Client()
	p := loginWith(t, env, client, demo.AdminEmail, demo.Password)
	if p.Status != http.StatusSeeOther || p.Location != "/staff" {
		t.Fatalf("login: %d to %q", p.Status, p.Location)
	}
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: p.Header}).Cookies() {
		if c.Name == "scrutin_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure || cookie.Path != "/" {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP, Path=/", cookie)
	}
	if p := get(t, client, env.URL+"/staff"); p.Status != 200 || !strings.Contains(p.Body, demo.AdminEmail) {
		t.Fatalf("dashboard after login: %d", p.Status)
	}
}

// A new session at every login: a session id planted before login
// (fixation) or stolen before a new login is worth nothing afterwards.
func TestLoginRegeneratesSession(t *testing.T) {
	env := webtest.Start(t)
	ctx := context.Background()
	client := login(t, env, demo.AdminEmail, demo.Password)
	first := sessionCookie(t, env, client)

	p := loginWith(t, env, client, demo.AdminEmail, demo.Password)
	second := sessionCookie(t, env, client)
	if p.Status != http.StatusSeeOther || second == "" || second == first {
		t.Fatalf("second login: %d, session %q then %q", p.Status, first, second)
	}
	if _, err := staff.BySession(ctx, env.Pool, first); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("the session before the new login still works: %v", err)
	}
	stale := webtest.Client()
	u, _ := url.Parse(env.URL)
	stale.Jar.SetCookies(u, []*http.Cookie{{Name: "scrutin_session", Value: first, Path: "/"}})
	if p := get(t, stale, env.URL+"/staff"); p.Status/100 != 3 || !strings.HasPrefix(p.Location, "/connexion") {
		t.Fatalf("old session on the dashboard: %d to %q", p.Status, p.Location)
	}

	// Logging out ends the session for good.
	token := csrfOf(t, get(t, client, env.URL+"/staff"))
	if p := postForm(t, client, env.URL+"/deconnexion", url.Values{"_csrf": {token}}); p.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d", p.Status)
	}
	if _, err := staff.BySession(ctx, env.Pool, second); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("session alive after logout: %v", err)
	}
}

func TestStaffPagesByRole(t *testing.T) {
	env := webtest.Start(t)
	ctx := context.Background()
	if _, err := staff.Add(ctx, env.Pool, staff.NewUser{Email: "vue@example.org", Role: staff.Viewer, Scope: []string{"04"}, Password: "password-for-tests"}); err != nil {
		t.Fatal(err)
	}
	anonymous := webtest.Client()
	admin := login(t, env, demo.AdminEmail, demo.Password)
	organizer := login(t, env, demo.OrganizerEmail, demo.Password)
	viewer := login(t, env, "vue@example.org", "password-for-tests")
	tests := []struct {
		who    string
		client *http.Client
		path   string
		status int
	}{
		{"anonymous", anonymous, "/staff", 302},
		{"anonymous", anonymous, "/staff/import", 302},
		{"admin", admin, "/staff", 200},
		{"admin", admin, "/staff/import", 200},
		{"admin", admin, "/staff/journal", 200},
		{"organizer", organizer, "/staff", 200},
		{"organizer", organizer, "/staff/elections", 200},
		{"organizer", organizer, "/staff/import", 403},
		{"organizer", organizer, "/staff/journal", 403},
		{"viewer", viewer, "/staff", 200},
		{"viewer", viewer, "/staff/import", 403},
	}
	for _, tt := range tests {
		p := get(t, tt.client, env.URL+tt.path)
		if p.Status != tt.status {
			t.Errorf("%s GET %s: %d, want %d", tt.who, tt.path, p.Status, tt.status)
		}
		if tt.status == 302 && p.Location != "/connexion?next="+tt.path {
			t.Errorf("%s GET %s: redirected to %q", tt.who, tt.path, p.Location)
		}
		if tt.status == 403 && !strings.Contains(p.Body, "Accès refusé") {
			t.Errorf("%s GET %s: 403 without explanation", tt.who, tt.path)
		}
	}
	// Roles and actors read in French.
	if body := get(t, admin, env.URL+"/staff").Body; !strings.Contains(body, "(administrateur·rice, national)") {
		t.Errorf("dashboard: role not in French:\n%s", body)
	}
	// The journal reads as text: the logins' details, not Go maps.
	if body := get(t, admin, env.URL+"/staff/journal").Body; !strings.Contains(body, "ip : 127.0.0.1") || strings.Contains(body, "map[") {
		t.Errorf("journal details not readable:\n%s", body)
	}
	// Only admins see the import and audit links.
	for who, c := range map[string]*http.Client{"admin": admin, "organizer": organizer} {
		body := get(t, c, env.URL+"/staff").Body
		if strings.Contains(body, `href="/staff/import"`) != (who == "admin") {
			t.Errorf("%s: import link shown = %v", who, !(who == "admin"))
		}
	}
}

func TestLoginRedirectsStayOnSite(t *testing.T) {
	env := webtest.Start(t)
	// What /connexion?next=/%09/evil.example hands the form: a tab,
	// which browsers drop from a Location (leaving //evil.example).
	tabbed, err := url.QueryUnescape("/%09/evil.example")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ next, want string }{
		{"/staff/elections", "/staff/elections"},
		{"/staff/procurations?statut=open", "/staff/procurations?statut=open"},
		{"//evil.example/phish", "/staff"},
		{"//evil", "/staff"},
		{"https://evil.example/", "/staff"},
		{"https://evil", "/staff"},
		{`/\evil.example`, "/staff"},
		{`/\evil`, "/staff"},
		{tabbed, "/staff"},
		{"/\t/evil.example", "/staff"},
		{"/\n/evil.example", "/staff"},
		{"/\r/evil.example", "/staff"},
		{"/staff\r\nSet-Cookie: planted=1", "/staff"},
		{"/\x7f/evil.example", "/staff"},
		{"", "/staff"},
	}
	for _, tt := range tests {
		client := webtest.Client()
		form := get(t, client, env.URL+"/connexion?next="+url.QueryEscape(tt.next))
		if !strings.Contains(form.Body, `name="next" value="`+html.EscapeString(tt.want)+`"`) {
			t.Errorf("next=%q: the form does not carry %q", tt.next, tt.want)
		}
		p := postForm(t, client, env.URL+"/connexion", url.Values{"_csrf": {csrfOf(t, form)}, "email": {demo.AdminEmail},
			"password": {demo.Password}, "next": {tt.next}})
		if p.Status != http.StatusSeeOther || p.Location != tt.want || strings.Contains(strings.Join(p.Header.Values("Set-Cookie"), "\n"), "planted") {
			t.Errorf("next=%q: %d to %q, want %q", tt.next, p.Status, p.Location, tt.want)
		}
	}
}

// A login is recorded with the client's address, never with the one an
// X-Forwarded-For header claims (no proxy is trusted here); and a login
// whose audit row cannot be written fails, leaving no session behind.
func TestLoginAuditedWithPeerAddressInOneTransaction(t *testing.T) {
	env := webtest.Start(t)
	ctx := context.Background()
	client := webtest.Client()
	token := csrfOf(t, get(t, client, env.URL+"/connexion"))
	req, err := http.NewRequest(http.MethodPost, env.URL+"/connexion", strings.NewReader(url.Values{"_csrf": {token},
		"email": {demo.AdminEmail}, "password": {demo.Password}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	req.Header.Set("X-Scrutin-Client-Ip", "203.0.113.10")
	if p := fetch(t, client, req); p.Status != http.StatusSeeOther {
		t.Fatalf("login: %d\n%s", p.Status, p.Body)
	}
	var ip string
	if err := env.Pool.QueryRow(ctx, `SELECT details->>'ip' FROM audit_log WHERE action = 'staff.login' ORDER BY id DESC LIMIT 1`).Scan(&ip); err != nil {
		t.Fatal(err)
	}
	if ip != "127.0.0.1" {
		t.Errorf("login audited from %q, want the peer 127.0.0.1", ip)
	}

	dbtest.RefuseAudit(t, env.Pool, "staff.login")
	var before int
	env.Pool.QueryRow(ctx, `SELECT count(*) FROM staff_sessions`).Scan(&before)
	other := webtest.Client()
	if p := loginWith(t, env, other, demo.AdminEmail, demo.Password); p.Status != http.StatusInternalServerError {
		t.Errorf("login without its audit row: %d to %q, want 500", p.Status, p.Location)
	}
	var after int
	env.Pool.QueryRow(ctx, `SELECT count(*) FROM staff_sessions`).Scan(&after)
	if after != before || sessionCookie(t, env, other) != "" {
		t.Errorf("unaudited login left a session: %d sessions, then %d; cookie %q", before, after, sessionCookie(t, env, other))
	}
}

// The journal pages back through the whole log, newest first, 200 entries
// a page, keeping its filters; the API walks it with the same cursor.
func TestAuditJournalPages(t *testing.T) {
	env := webtest.Start(t)
	if _, err := env.Pool.Exec(t.Context(), `INSERT INTO audit_log (actor, action, entity, entity_id)
		SELECT 'cli', 'test.page', 'chose', g::text FROM generate_series(1, 250) g`); err != nil {
		t.Fatal(err)
	}
	admin := login(t, env, demo.AdminEmail, demo.Password)
	ids := regexp.MustCompile(`<td>chose (\d+)</td>`)
	older := regexp.MustCompile(`<a class="button secondary" href="([^"]+)" id="entrees-anciennes" rel="next">Entrées plus anciennes`)
	shown := func(body string) []string {
		var out []string
		for _, m := range ids.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	first := get(t, admin, env.URL+"/staff/journal?action=test.")
	got := shown(first.Body)
	if first.Status != http.StatusOK || len(got) != 200 || got[0] != "250" || got[199] != "51" {
		t.Fatalf("first page: %d, %d entries from %v", first.Status, len(got), got[:min(len(got), 3)])
	}
	if strings.Contains(first.Body, "Entrées les plus récentes") {
		t.Error("first page links to itself")
	}
	m := older.FindStringSubmatch(first.Body)
	if m == nil {
		t.Fatalf("no link to older entries:\n%s", first.Body)
	}
	next, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil || next.Path != "/staff/journal" || next.Query().Get("action") != "test." || next.Query().Get("before") == "" {
		t.Fatalf("older link %q does not keep the filter", m[1])
	}
	second := get(t, admin, env.URL+next.String())
	got = shown(second.Body)
	if second.Status != http.StatusOK || len(got) != 50 || got[0] != "50" || got[49] != "1" {
		t.Fatalf("second page: %d, %d entries from %v", second.Status, len(got), got[:min(len(got), 3)])
	}
	if strings.Contains(second.Body, "Entrées plus anciennes") || !strings.Contains(second.Body, `href="/staff/journal?action=test."`) {
		t.Errorf("last page: link to older entries, or none back to the newest:\n%s", second.Body)
	}
	// Unfiltered, the log holds more than a page too (the demo's and the
	// logins' rows besides): the older page starts where the first ended.
	all := get(t, admin, env.URL+"/staff/journal").Body
	if m := older.FindStringSubmatch(all); m == nil || !strings.HasPrefix(html.UnescapeString(m[1]), "/staff/journal?before=") {
		t.Errorf("unfiltered journal: older link %v", m)
	}
	// Actions in French, their code below for the filter.
	if !strings.Contains(all, `<td>Connexion<br><span class="hint">staff.login</span></td>`) {
		t.Errorf("the admin's login is not shown in French:\n%s", all)
	}

	// The API: the same pages, the cursor of the next one in next_before.
	token := env.AdminToken(t)
	entityIDs := func(r *webtest.Response) []string {
		entries, _ := r.JSON["entries"].([]any)
		out := []string{}
		for _, e := range entries {
			out = append(out, e.(map[string]any)["entity_id"].(string))
		}
		return out
	}
	r := env.Do(t, "GET", "/api/v1/audit?action=test.", token, nil)
	got = entityIDs(r)
	nb, _ := r.JSON["next_before"].(float64)
	if r.Status != 200 || len(got) != 200 || got[0] != "250" || got[199] != "51" || nb == 0 {
		t.Fatalf("API first page: %d, %d entries, next_before %v", r.Status, len(got), r.JSON["next_before"])
	}
	r = env.Do(t, "GET", fmt.Sprintf("/api/v1/audit?action=test.&before=%d", int64(nb)), token, nil)
	got = entityIDs(r)
	if r.Status != 200 || len(got) != 50 || got[0] != "50" || got[49] != "1" {
		t.Fatalf("API second page: %d, %d entries", r.Status, len(got))
	}
	if _, ok := r.JSON["next_before"]; ok {
		t.Errorf("API last page has a next_before: %v", r.JSON["next_before"])
	}
}
