package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"scrutin/demo"
	"scrutin/logistics/elections"
	"scrutin/logistics/materials"
	"scrutin/logistics/staff"
	"scrutin/web"
	"scrutin/web/materialweb"
	"scrutin/web/webtest"
)

// startAccounts is the server with the material capability, whose order
// lists are filtered to each staff member's scope.
func startAccounts(t *testing.T) *webtest.Env {
	t.Helper()
	return webtest.Start(t, webtest.Options{Modules: []web.Module{materialweb.Routes}, DemoLoaders: []demo.Loader{materials.LoadDemo}})
}

// invitationOf returns the path of the latest invitation link e-mailed to
// email (as the person reads it in the message) and the message's body.
func invitationOf(t *testing.T, env *webtest.Env, email string) (string, string) {
	t.Helper()
	var body string
	if err := env.Pool.QueryRow(context.Background(), `SELECT body FROM outbox WHERE recipient = $1 AND kind = 'staff.invitation' ORDER BY id DESC LIMIT 1`, email).Scan(&body); err != nil {
		t.Fatalf("no invitation in the outbox for %s: %v", email, err)
	}
	m := regexp.MustCompile(regexp.QuoteMeta(env.URL) + `(/staff/invitation/[A-Za-z0-9_-]{43})\s`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("invitation e-mail without a link to %s:\n%s", env.URL, body)
	}
	return m[1], body
}

func auditCount(t *testing.T, env *webtest.Env, action, entityID string) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1 AND entity_id = $2`, action, entityID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// orderIn files a public material order in a commune, under a name the
// staff lists show.
func orderIn(t *testing.T, env *webtest.Env, name, postal, commune string) {
	t.Helper()
	body := map[string]any{"election": demo.ElectionSlug, "items": []map[string]any{{"sku": "TRACT-A5", "quantity": 100}},
		"name": name, "address": "1 rue de la Mairie", "postal_code": postal, "commune_code": commune,
		"email": strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org", "phone": "06 12 34 56 78"}
	if r := env.Do(t, "POST", "/api/v1/material-orders", "", body); r.Status != http.StatusCreated {
		t.Fatalf("order in %s: %d %s", commune, r.Status, r.Body)
	}
}

// An admin creates an organizer of 04 on the page; the person gets the
// invitation, chooses a password with its link (once), is logged in and
// sees their scope only.
func TestAccountInvitationJourney(t *testing.T) {
	env := startAccounts(t)
	orderIn(t, env, "Alice Digne", "04000", "04070")
	orderIn(t, env, "Bruno Paris", "75004", "75104")
	admin := login(t, env, demo.AdminEmail, demo.Password)

	p := get(t, admin, env.URL+"/staff")
	webtest.PageShows(t, p.Body, []string{`href="/staff/comptes"`}, nil)
	p = get(t, admin, env.URL+"/staff/comptes")
	if p.Status != http.StatusOK {
		t.Fatalf("accounts page: %d\n%s", p.Status, p.Body)
	}
	webtest.PageShows(t, p.Body, []string{"Comptes de l'équipe", demo.AdminEmail, demo.OrganizerEmail, "administrateur·rice", "organisateur·rice",
		"département 04", "national", "mot de passe choisi", `name="_csrf"`, "Ajouter un compte"}, nil)

	p = redirected(t, env, admin, postForm(t, admin, env.URL+"/staff/comptes", url.Values{"_csrf": {csrfOf(t, p)}, "email": {" Camille.Orga@Example.org "}, "role": {"organizer"}, "scope": {"04"}}))
	webtest.PageShows(t, p.Body, []string{"Compte créé pour camille.orga@example.org (organisateur·rice, périmètre : département 04)", "invitation en attente", "lien valable jusqu'au"}, nil)
	if n := auditCount(t, env, "staff.add", "camille.orga@example.org"); n != 1 {
		t.Fatalf("%d audit rows for the new account", n)
	}

	link, body := invitationOf(t, env, "camille.orga@example.org")
	for _, want := range []string{demo.AdminEmail + " vous a ouvert un compte", "organisateur·rice", "périmètre : département 04", "ne sert qu'une fois"} {
		if !strings.Contains(body, want) {
			t.Errorf("invitation e-mail lacks %q:\n%s", want, body)
		}
	}
	// No password was chosen for the person: none logs in.
	if p := loginWith(t, env, webtest.Client(), "camille.orga@example.org", ""); p.Status != http.StatusUnauthorized {
		t.Fatalf("login before the invitation: %d", p.Status)
	}

	person := webtest.Client()
	p = get(t, person, env.URL+link)
	if p.Status != http.StatusOK {
		t.Fatalf("invitation page: %d\n%s", p.Status, p.Body)
	}
	webtest.PageShows(t, p.Body, []string{"Choisir votre mot de passe", "camille.orga@example.org", "organisateur·rice, périmètre : département 04"}, []string{"périmètre : 04"})
	token := csrfOf(t, p)
	// Refused passwords: French messages next to their field, nothing spent.
	for _, tc := range []struct{ pw, confirm, id, msg string }{
		{"court", "court", "password-error", "Le mot de passe doit compter au moins 10 caractères."},
		{"un-long-mot-de-passe", "un-autre", "password_confirm-error", "Les deux mots de passe ne sont pas identiques."},
		{"", "", "password-error", "Choisissez un mot de passe."},
	} {
		p = postForm(t, person, env.URL+link, url.Values{"_csrf": {token}, "password": {tc.pw}, "password_confirm": {tc.confirm}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("password %q: %d", tc.pw, p.Status)
		}
		webtest.PageShows(t, p.Body, []string{`id="` + tc.id + `">` + escaped(tc.msg)}, nil)
		if tc.pw != "" && strings.Contains(p.Body, tc.pw) {
			t.Errorf("the page sends the password %q back", tc.pw)
		}
	}
	p = postForm(t, person, env.URL+link, url.Values{"_csrf": {token}, "password": {"un-long-mot-de-passe"}, "password_confirm": {"un-long-mot-de-passe"}})
	if p.Status != http.StatusSeeOther || p.Location != "/staff" {
		t.Fatalf("password chosen: %d to %q\n%s", p.Status, p.Location, p.Body)
	}
	// Logged in, with their role and scope.
	p = get(t, person, env.URL+"/staff")
	webtest.PageShows(t, p.Body, []string{"camille.orga@example.org", "organisateur·rice", "périmètre : 04"}, []string{`href="/staff/comptes"`})
	p = get(t, person, env.URL+"/staff/materiel/commandes")
	webtest.PageShows(t, p.Body, []string{"Alice Digne"}, []string{"Bruno Paris"})
	if p := get(t, admin, env.URL+"/staff/materiel/commandes"); !strings.Contains(p.Body, "Bruno Paris") {
		t.Fatal("the admin does not see the order of 75")
	}
	// Not an admin: no accounts page.
	if p := get(t, person, env.URL+"/staff/comptes"); p.Status != http.StatusForbidden {
		t.Fatalf("accounts page for an organizer: %d", p.Status)
	}

	// The link serves once.
	p = get(t, webtest.Client(), env.URL+link)
	if p.Status != http.StatusGone || !strings.Contains(p.Body, "a déjà servi") {
		t.Fatalf("used link: %d\n%s", p.Status, p.Body)
	}
	again := webtest.Client()
	p = postForm(t, again, env.URL+link, url.Values{"_csrf": {csrfOf(t, get(t, again, env.URL+"/connexion"))}, "password": {"autre-mot-de-passe"}, "password_confirm": {"autre-mot-de-passe"}})
	if p.Status != http.StatusGone || sessionCookie(t, env, again) != "" {
		t.Fatalf("used link, sent again: %d", p.Status)
	}
	// The person logs in with their password, as anyone does.
	login(t, env, "camille.orga@example.org", "un-long-mot-de-passe")
	if p := loginWith(t, env, webtest.Client(), "camille.orga@example.org", "autre-mot-de-passe"); p.Status != http.StatusUnauthorized {
		t.Fatalf("the second use changed the password: %d", p.Status)
	}
	if n := auditCount(t, env, "staff.invitation_accept", "camille.orga@example.org"); n != 1 {
		t.Fatalf("%d audit rows for the chosen password", n)
	}
	p = get(t, admin, env.URL+"/staff/comptes")
	row := accountRow(t, p.Body, "camille.orga@example.org")
	webtest.PageShows(t, row, []string{"mot de passe choisi", "département 04"}, []string{"invitation en attente", "renvoyer l'invitation"})
}

// redirected follows the answer p to a change on the accounts page: a
// 303 to the page, which says what was done; reloading it changes
// nothing.
func redirected(t *testing.T, env *webtest.Env, client *http.Client, p page) page {
	t.Helper()
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/staff/comptes?fait=") {
		t.Fatalf("change on the accounts page: %d to %q\n%s", p.Status, p.Location, p.Body)
	}
	p = get(t, client, env.URL+p.Location)
	if p.Status != http.StatusOK {
		t.Fatalf("accounts page after a change: %d", p.Status)
	}
	return p
}

// escaped is a message as the templates write it.
func escaped(s string) string { return strings.ReplaceAll(s, "'", "&#39;") }

// accountRow is the table row of an account on the accounts page.
func accountRow(t *testing.T, page, email string) string {
	t.Helper()
	for _, row := range strings.Split(page, "<tr ") {
		if strings.Contains(row, "<td>"+email) {
			return row[:strings.Index(row, "</tr>")]
		}
	}
	t.Fatalf("no row for %s", email)
	return ""
}

var rowID = regexp.MustCompile(`<tr id="compte-(\d+)">`)

// A link that expired, or that a newer invitation replaced, no longer
// serves; the admin sends another.
func TestAccountInvitationExpires(t *testing.T) {
	env := webtest.Start(t)
	admin := env.AdminToken(t)
	r := env.Do(t, "POST", "/api/v1/staff-accounts", admin, map[string]any{"email": "tard@example.org", "role": "viewer", "scope": []string{"05"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	id := int(r.JSON["id"].(float64))
	link, _ := invitationOf(t, env, "tard@example.org")

	env.SetNow(time.Now().Add(staff.InvitationTTL + time.Minute))
	person := webtest.Client()
	p := get(t, person, env.URL+link)
	if p.Status != http.StatusGone || !strings.Contains(p.Body, "Ce lien d&#39;invitation a expiré : il était valable 72 heures.") {
		t.Fatalf("expired link: %d\n%s", p.Status, p.Body)
	}
	token := csrfOf(t, get(t, person, env.URL+"/connexion"))
	p = postForm(t, person, env.URL+link, url.Values{"_csrf": {token}, "password": {"un-long-mot-de-passe"}, "password_confirm": {"un-long-mot-de-passe"}})
	if p.Status != http.StatusGone || !strings.Contains(p.Body, "a expiré") || sessionCookie(t, env, person) != "" {
		t.Fatalf("expired link sent: %d", p.Status)
	}
	r = env.Do(t, "GET", "/api/v1/staff-accounts", admin, nil)
	if !strings.Contains(string(r.Body), `"email":"tard@example.org","name":"","role":"viewer","role_label":"lecture seule","scope":["05"],"scope_label":"département 05","has_password":false,"status":"invitation_expired"`) {
		t.Fatalf("expired invitation listed as %s", r.Body)
	}

	// Sent again: the new link works, the old one is unknown.
	r = env.Do(t, "POST", "/api/v1/staff-accounts/"+strconv.Itoa(id)+"/invitation", admin, nil)
	if r.Status != http.StatusOK || r.JSON["status"] != "invited" {
		t.Fatalf("invitation sent again: %d %s", r.Status, r.Body)
	}
	fresh, _ := invitationOf(t, env, "tard@example.org")
	if p := get(t, webtest.Client(), env.URL+link); p.Status != http.StatusNotFound || !strings.Contains(p.Body, "lien d&#39;invitation est inconnu") {
		t.Fatalf("replaced link: %d", p.Status)
	}
	p = get(t, person, env.URL+fresh)
	p = postForm(t, person, env.URL+fresh, url.Values{"_csrf": {csrfOf(t, p)}, "password": {"un-long-mot-de-passe"}, "password_confirm": {"un-long-mot-de-passe"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("new link: %d\n%s", p.Status, p.Body)
	}
	env.SetNow(time.Time{})
	if r := env.Do(t, "POST", "/api/v1/staff-accounts/"+strconv.Itoa(id)+"/invitation", admin, nil); r.Status != http.StatusConflict || !strings.Contains(r.JSON["error"].(string), "déjà un mot de passe") {
		t.Fatalf("invitation for an account with a password: %d %s", r.Status, r.Body)
	}
	if n := auditCount(t, env, "staff.invite", "tard@example.org"); n != 1 {
		t.Fatalf("%d audit rows for the invitation sent again", n)
	}
}

func TestAccountAPI(t *testing.T) {
	env := startAccounts(t)
	admin := env.AdminToken(t)
	orga := env.StaffToken(t, "orga-api@example.org", staff.Organizer, "04")
	viewer := env.StaffToken(t, "viewer-api@example.org", staff.Viewer, "04")

	// Admins only.
	for _, tc := range []struct{ method, path string }{
		{"GET", "/api/v1/staff-accounts"}, {"POST", "/api/v1/staff-accounts"}, {"PATCH", "/api/v1/staff-accounts/1"},
		{"DELETE", "/api/v1/staff-accounts/1"}, {"POST", "/api/v1/staff-accounts/1/revoke"}, {"POST", "/api/v1/staff-accounts/1/invitation"},
	} {
		body := map[string]any{"email": "x@example.org", "role": "admin"}
		for _, tok := range []string{orga, viewer} {
			if r := env.Do(t, tc.method, tc.path, tok, body); r.Status != http.StatusForbidden || !strings.Contains(r.JSON["error"].(string), "Accès refusé") {
				t.Errorf("%s %s as a non-admin: %d %s", tc.method, tc.path, r.Status, r.Body)
			}
		}
		if r := env.Do(t, tc.method, tc.path, "", body); r.Status != http.StatusUnauthorized {
			t.Errorf("%s %s without credentials: %d", tc.method, tc.path, r.Status)
		}
	}
	if n := countRows(t, env, `SELECT count(*) FROM staff_users WHERE email = 'x@example.org'`); n != 0 {
		t.Fatal("a non-admin created an account")
	}

	// Bad input: every field's French message at once.
	r := env.Do(t, "POST", "/api/v1/staff-accounts", admin, map[string]any{"email": "pas-une-adresse", "role": "chef", "scope": []string{"99"}})
	if r.Status != http.StatusUnprocessableEntity || r.JSON["error"] != "Certaines informations sont à corriger." ||
		!strings.HasPrefix(r.Field("email"), "Adresse e-mail invalide") || r.Field("role") != "Rôle inconnu : « chef ». Choisissez administrateur·rice (admin), organisateur·rice (organizer) ou lecture seule (viewer)." ||
		r.Field("scope") != "Code de département ou de commune invalide : « 99 »." {
		t.Fatalf("bad account: %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		body  any
		field string
		msg   string
	}{
		{map[string]any{"email": "x@example.org", "role": "organizer"}, "scope", "Le rôle « organisateur·rice » a besoin d'un périmètre (codes de départements ou de communes) : sans lui, le compte ne voit rien."},
		{map[string]any{"email": "x@example.org", "role": "admin", "scope": []string{"04"}}, "scope", "Le rôle « administrateur·rice » couvre tout le pays : laissez le périmètre vide."},
		{map[string]any{"email": "x@example.org", "scope": []string{"04"}}, "role", "Choisissez un rôle : administrateur·rice (admin), organisateur·rice (organizer) ou lecture seule (viewer)."},
		{map[string]any{"email": demo.OrganizerEmail, "role": "viewer", "scope": []string{"05"}}, "email", "Un compte existe déjà avec cette adresse e-mail"},
		{map[string]any{"email": "x@example.org", "role": "viewer", "scope": "04"}, "scope", "Type de valeur incorrect."},
		{map[string]any{"email": "x@example.org", "role": "viewer", "scope": []string{"04"}, "password": "choisi-par-l-admin"}, "password", "Champ inconnu."},
	} {
		r := env.Do(t, "POST", "/api/v1/staff-accounts", admin, tc.body)
		if r.Status != http.StatusUnprocessableEntity || !strings.HasPrefix(r.Field(tc.field), tc.msg) {
			t.Errorf("%v: %d %s, want %q on %s", tc.body, r.Status, r.Body, tc.msg, tc.field)
		}
	}
	if n := countRows(t, env, `SELECT count(*) FROM staff_users WHERE email = 'x@example.org'`); n != 0 {
		t.Fatal("a refused account was stored")
	}

	// An organizer of 04.
	r = env.Do(t, "POST", "/api/v1/staff-accounts", admin, map[string]any{"email": "Dominique@Example.org", "role": "organizer", "scope": []string{"04"}})
	if r.Status != http.StatusCreated || r.JSON["email"] != "dominique@example.org" || r.JSON["status"] != "invited" || r.JSON["role_label"] != "organisateur·rice" ||
		r.JSON["scope_label"] != "département 04" || r.JSON["has_password"] != false || r.JSON["invitation_expires_at"] == nil {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if strings.Contains(string(r.Body), "/staff/invitation/") {
		t.Fatal("the admin got the private link")
	}
	id := strconv.Itoa(int(r.JSON["id"].(float64)))
	link, _ := invitationOf(t, env, "dominique@example.org")
	if n := auditCount(t, env, "staff.add", "dominique@example.org"); n != 1 {
		t.Fatalf("%d audit rows for the new account", n)
	}
	r = env.Do(t, "GET", "/api/v1/staff-accounts", admin, nil)
	accounts, _ := r.JSON["accounts"].([]any)
	if r.Status != http.StatusOK || len(accounts) != 6 || !strings.Contains(string(r.Body), `"email":"dominique@example.org"`) {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}

	// Role and scope.
	r = env.Do(t, "PATCH", "/api/v1/staff-accounts/"+id, admin, map[string]any{"role": "viewer", "scope": []string{"04070", "05"}})
	if r.Status != http.StatusOK || r.JSON["role"] != "viewer" || r.JSON["scope_label"] != "Digne-les-Bains (04070), département 05" {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "PATCH", "/api/v1/staff-accounts/"+id, admin, map[string]any{"scope": []string{"2O"}}); r.Status != http.StatusUnprocessableEntity || r.Field("scope") != "Code de département ou de commune invalide : « 2O »." {
		t.Fatalf("bad patch: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "PATCH", "/api/v1/staff-accounts/"+id, admin, map[string]any{"role": "organizer"}); r.Status != http.StatusOK || r.JSON["scope_label"] != "Digne-les-Bains (04070), département 05" {
		t.Fatalf("patch of the role only: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "PATCH", "/api/v1/staff-accounts/99999", admin, map[string]any{"role": "viewer"}); r.Status != http.StatusNotFound {
		t.Fatalf("patch of an unknown account: %d", r.Status)
	}
	if r := env.Do(t, "PATCH", "/api/v1/staff-accounts/"+id, admin, map[string]any{"scope": []string{"04070", "05"}}); r.Status != http.StatusOK {
		t.Fatalf("patch that changes nothing: %d %s", r.Status, r.Body)
	}
	if n := auditCount(t, env, "staff.add", "dominique@example.org"); n != 3 {
		t.Fatalf("%d audit rows after two changes", n)
	}

	// The person chooses a password; their access is revoked, then removed.
	person := webtest.Client()
	p := get(t, person, env.URL+link)
	p = postForm(t, person, env.URL+link, url.Values{"_csrf": {csrfOf(t, p)}, "password": {"un-long-mot-de-passe"}, "password_confirm": {"un-long-mot-de-passe"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("password: %d", p.Status)
	}
	r = env.Do(t, "POST", "/api/v1/staff-accounts/"+id+"/revoke", admin, nil)
	if r.Status != http.StatusOK || r.JSON["sessions"] != float64(1) || r.JSON["tokens"] != float64(0) || r.JSON["invitations"] != float64(0) {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if p := get(t, person, env.URL+"/staff"); p.Status != http.StatusFound && p.Status != http.StatusSeeOther {
		t.Fatalf("dashboard after revocation: %d", p.Status)
	}
	if n := auditCount(t, env, "staff.revoke", "dominique@example.org"); n != 1 {
		t.Fatalf("%d audit rows for the revocation", n)
	}
	if r := env.Do(t, "DELETE", "/api/v1/staff-accounts/"+id, admin, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "DELETE", "/api/v1/staff-accounts/"+id, admin, nil); r.Status != http.StatusNotFound {
		t.Fatalf("delete again: %d", r.Status)
	}
	if p := loginWith(t, env, webtest.Client(), "dominique@example.org", "un-long-mot-de-passe"); p.Status != http.StatusUnauthorized {
		t.Fatalf("login after removal: %d", p.Status)
	}
	if n := auditCount(t, env, "staff.remove", "dominique@example.org"); n != 1 {
		t.Fatalf("%d audit rows for the removal", n)
	}

	// An admin does not remove or demote themselves.
	var self int64
	env.Pool.QueryRow(context.Background(), `SELECT id FROM staff_users WHERE email = 'admin-test@example.org'`).Scan(&self)
	selfPath := "/api/v1/staff-accounts/" + strconv.FormatInt(self, 10)
	if r := env.Do(t, "DELETE", selfPath, admin, nil); r.Status != http.StatusConflict || !strings.Contains(r.JSON["error"].(string), "votre propre compte") {
		t.Fatalf("self removal: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "PATCH", selfPath, admin, map[string]any{"role": "viewer", "scope": []string{"04"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Field("role"), "vous-même") {
		t.Fatalf("self demotion: %d %s", r.Status, r.Body)
	}
}

// The per-account forms: CSRF, confirmations, errors next to the field of
// the account's own form, revoke, remove.
func TestAccountPageForms(t *testing.T) {
	env := webtest.Start(t)
	admin := login(t, env, demo.AdminEmail, demo.Password)
	p := get(t, admin, env.URL+"/staff/comptes")
	orgaRow := accountRow(t, p.Body, demo.OrganizerEmail)
	orgaID := rowID.FindStringSubmatch(`<tr ` + orgaRow)[1]
	webtest.PageShows(t, orgaRow, []string{
		`action="/staff/comptes/` + orgaID + `"`, `action="/staff/comptes/` + orgaID + `/revoquer"`, `action="/staff/comptes/` + orgaID + `/supprimer"`,
		`data-confirm="Supprimer le compte d&#39;` + demo.OrganizerEmail, `data-confirm="Révoquer les accès d&#39;` + demo.OrganizerEmail,
		`data-confirm="Changer le rôle ou le périmètre d&#39;` + demo.OrganizerEmail, `value="04"`,
	}, []string{"renvoyer l'invitation", "de " + demo.OrganizerEmail})
	webtest.PageShows(t, accountRow(t, p.Body, demo.AdminEmail), []string{`data-confirm="Révoquer les accès d&#39;` + demo.AdminEmail}, []string{"de " + demo.AdminEmail})
	// One's own account has no remove button.
	webtest.PageShows(t, accountRow(t, p.Body, demo.AdminEmail), []string{"vous"}, []string{"/supprimer"})
	token := csrfOf(t, p)

	// Without the CSRF token: refused, nothing changed.
	if p := postForm(t, admin, env.URL+"/staff/comptes/"+orgaID+"/supprimer", url.Values{}); p.Status != http.StatusForbidden {
		t.Fatalf("remove without CSRF: %d", p.Status)
	}
	if p := postForm(t, admin, env.URL+"/staff/comptes", url.Values{"email": {"sans-jeton@example.org"}, "role": {"viewer"}, "scope": {"04"}}); p.Status != http.StatusForbidden {
		t.Fatalf("add without CSRF: %d", p.Status)
	}

	// The new account's form keeps what was typed and says what is wrong.
	p = postForm(t, admin, env.URL+"/staff/comptes", url.Values{"_csrf": {token}, "email": {"nouveau@example"}, "role": {"viewer"}, "scope": {"04, 99"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad new account: %d", p.Status)
	}
	webtest.PageShows(t, p.Body, []string{`id="email-error"`, `id="scope-error">Code de département ou de commune invalide : « 99 ».`,
		`value="nouveau@example"`, `value="04, 99"`, `<option value="viewer" selected>`}, nil)

	// An account's form: the error in its row only.
	p = postForm(t, admin, env.URL+"/staff/comptes/"+orgaID, url.Values{"_csrf": {token}, "role": {"viewer"}, "scope": {""}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad change: %d", p.Status)
	}
	row := accountRow(t, p.Body, demo.OrganizerEmail)
	webtest.PageShows(t, row, []string{`<details open>`, `id="scope-` + orgaID + `-error">Le rôle « lecture seule » a besoin d&#39;un périmètre`}, nil)
	if strings.Contains(p.Body, `id="scope-error"`) {
		t.Fatal("the new account's form shows the error of an account's form")
	}
	p = redirected(t, env, admin, postForm(t, admin, env.URL+"/staff/comptes/"+orgaID, url.Values{"_csrf": {token}, "role": {"viewer"}, "scope": {"04070 04112"}}))
	webtest.PageShows(t, p.Body, []string{"Compte " + demo.OrganizerEmail + " modifié : lecture seule, périmètre : Digne-les-Bains (04070), Manosque (04112)."}, nil)

	orga := login(t, env, demo.OrganizerEmail, demo.Password)
	p = redirected(t, env, admin, postForm(t, admin, env.URL+"/staff/comptes/"+orgaID+"/revoquer", url.Values{"_csrf": {token}}))
	webtest.PageShows(t, p.Body, []string{"Accès d&#39;" + demo.OrganizerEmail + " révoqués : 1 connexion ne sert plus. Le compte et son mot de passe restent."}, []string{"0 jeton"})
	if p := get(t, orga, env.URL+"/staff"); p.Status/100 != 3 {
		t.Fatalf("session after revocation: %d", p.Status)
	}
	p = redirected(t, env, admin, postForm(t, admin, env.URL+"/staff/comptes/"+orgaID+"/supprimer", url.Values{"_csrf": {token}}))
	webtest.PageShows(t, p.Body, []string{"Compte " + demo.OrganizerEmail + " supprimé"}, []string{"<td>" + demo.OrganizerEmail})
	p = postForm(t, admin, env.URL+"/staff/comptes/"+orgaID+"/supprimer", url.Values{"_csrf": {token}})
	if p.Status != http.StatusNotFound || !strings.Contains(p.Body, "Ce compte n&#39;existe plus") {
		t.Fatalf("removed twice: %d", p.Status)
	}
	if n := auditCount(t, env, "staff.remove", demo.OrganizerEmail); n != 1 {
		t.Fatalf("%d audit rows for the removal", n)
	}
}

// Every route of the accounts' API has its heading in docs/API.md.
func TestAccountAPIDocumented(t *testing.T) {
	env := webtest.Start(t, webtest.Options{NoDemo: true})
	headings, _ := readAPIDoc(t)
	n := 0
	for _, r := range env.Server.App.GetRoutes(true) {
		if strings.HasPrefix(r.Path, "/api/v1/staff-accounts") && r.Method != http.MethodHead {
			n++
			if headings[r.Method+" "+r.Path] == 0 {
				t.Errorf("%s %s has no heading in %s", r.Method, r.Path, apiDoc)
			}
		}
	}
	if n != 6 {
		t.Fatalf("%d account routes", n)
	}
}

// In a real browser: the admin adds an account from the dashboard; the
// person opens the link of the e-mail, chooses a password, and logs in.
func TestBrowserAccountInvitation(t *testing.T) {
	env := webtest.Start(t)
	ctx := webtest.Browser(t)
	if err := chromedp.Do(ctx,
		env.Login(demo.AdminEmail, demo.Password),
		chromedp.WaitVisible(chromedp.CSS(`#lien-comptes`)),
		chromedp.Click(chromedp.CSS(`#lien-comptes`)),
		chromedp.WaitVisible(chromedp.CSS(`#nouveau`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), "sacha@example.org"),
		chromedp.SetValue(chromedp.CSS(`#role`), "organizer"),
		chromedp.SendKeys(chromedp.CSS(`#scope`), "04"),
		chromedp.Submit(chromedp.CSS(`#scope`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
	); err != nil {
		t.Fatal(err)
	}
	notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.notice`)))
	if err != nil || !strings.Contains(notice, "Compte créé pour sacha@example.org (organisateur·rice, périmètre : département 04)") {
		t.Fatalf("notice %q %v", notice, err)
	}
	link, _ := invitationOf(t, env, "sacha@example.org")

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`header form button`)), // log out
		chromedp.WaitVisible(chromedp.CSS(`a[href="/connexion"]`)),
		chromedp.Navigate(env.URL+link),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#password`), "court"),
		chromedp.SendKeys(chromedp.CSS(`#password_confirm`), "court"),
		chromedp.Submit(chromedp.CSS(`#password_confirm`)),
		chromedp.WaitVisible(chromedp.CSS(`#password-error`)),
	); err != nil {
		t.Fatal(err)
	}
	msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#password-error`)))
	if msg != "Le mot de passe doit compter au moins 10 caractères." {
		t.Fatalf("short password: %q", msg)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#password`), "sacha-mot-de-passe"),
		chromedp.SendKeys(chromedp.CSS(`#password_confirm`), "sacha-mot-de-passe"),
		chromedp.Submit(chromedp.CSS(`#password_confirm`)),
		chromedp.WaitVisible(chromedp.CSS(`.cards`)),
	); err != nil {
		t.Fatal(err)
	}
	who, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main p`)))
	if !strings.Contains(who, "sacha@example.org") || !strings.Contains(who, "périmètre : 04") {
		t.Fatalf("after choosing the password: %q", who)
	}
	// Logged out, then in again with the password chosen.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`header form button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/connexion"]`)),
		env.Login("sacha@example.org", "sacha-mot-de-passe"),
		chromedp.WaitVisible(chromedp.CSS(`.cards`)),
	); err != nil {
		t.Fatal(err)
	}
	who, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main p`)))
	url, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.HasSuffix(url, "/staff") || !strings.Contains(who, "sacha@example.org (organisateur·rice, périmètre : 04)") {
		t.Fatalf("login with the chosen password: %q at %s", who, url)
	}
}

// The forms of the accounts page answer a change with a redirect to the
// page (POST, redirect, GET): reloading what the browser shows sends
// nothing again. The notice comes from the account and the journal, so a
// made-up link says nothing false.
func TestAccountFormsRedirect(t *testing.T) {
	env := webtest.Start(t)
	admin := login(t, env, demo.AdminEmail, demo.Password)
	p := get(t, admin, env.URL+"/staff/comptes")
	token := csrfOf(t, p)
	created := postForm(t, admin, env.URL+"/staff/comptes", url.Values{"_csrf": {token}, "email": {"recharge@example.org"}, "role": {"viewer"}, "scope": {"05"}})
	for range 3 { // shown, then reloaded twice
		p = redirected(t, env, admin, created)
		webtest.PageShows(t, p.Body, []string{"Compte créé pour recharge@example.org (lecture seule, périmètre : département 05)"}, nil)
	}
	if n := auditCount(t, env, "staff.add", "recharge@example.org"); n != 1 {
		t.Fatalf("%d audit rows after reloads", n)
	}
	if n := countRows(t, env, `SELECT count(*) FROM outbox WHERE recipient = 'recharge@example.org'`); n != 1 {
		t.Fatalf("%d invitations after reloads", n)
	}
	// Links nobody was redirected to.
	for _, q := range []string{"fait=supprime&email=" + url.QueryEscape(demo.OrganizerEmail), "fait=revoque&compte=1", "fait=cree&compte=99999", "fait=autre"} {
		p := get(t, admin, env.URL+"/staff/comptes?"+q)
		if p.Status != http.StatusOK || strings.Contains(p.Body, `class="notice"`) {
			t.Errorf("%s: %d, with a notice", q, p.Status)
		}
	}
	// Refused: the page again, with what was typed, no redirect.
	if p := postForm(t, admin, env.URL+"/staff/comptes", url.Values{"_csrf": {token}, "email": {"recharge@example.org"}, "role": {"viewer"}, "scope": {"05"}}); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, `value="recharge@example.org"`) {
		t.Fatalf("refused: %d", p.Status)
	}
}

// Scope rules on the page and in the API: a whole city refused with what
// to give instead, a Pacific collectivity taken, a commune unknown to the
// communes refused, duplicates dropped; an unknown role alone is the role's
// error.
func TestAccountScopeRules(t *testing.T) {
	env := webtest.Start(t)
	admin := env.AdminToken(t)
	for _, tc := range []struct {
		scope []string
		msg   string
	}{
		{[]string{"04", "75056"}, "75056 désigne tout Paris, dont les données sont rangées par arrondissement : donnez le département 75 ou les arrondissements (75101 à 75120)."},
		{[]string{"69123"}, "69123 désigne tout Lyon, dont les données sont rangées par arrondissement : donnez les arrondissements (69381 à 69389)."},
		{[]string{"13055"}, "13055 désigne tout Marseille, dont les données sont rangées par arrondissement : donnez les arrondissements (13201 à 13216)."},
		{[]string{"04", "04999"}, "Commune inconnue : 04999."},
	} {
		r := env.Do(t, "POST", "/api/v1/staff-accounts", admin, map[string]any{"email": "ville@example.org", "role": "organizer", "scope": tc.scope})
		if r.Status != http.StatusUnprocessableEntity || r.Field("scope") != tc.msg {
			t.Errorf("%v: %d %s", tc.scope, r.Status, r.Body)
		}
	}
	r := env.Do(t, "POST", "/api/v1/staff-accounts", admin, map[string]any{"email": "tahiti@example.org", "role": "viewer", "scope": []string{"987", "04", "04", "04070", "04070"}})
	if r.Status != http.StatusCreated || r.JSON["scope_label"] != "collectivité 987, département 04, Digne-les-Bains (04070)" {
		t.Fatalf("Pacific scope: %d %s", r.Status, r.Body)
	}
	if scope, _ := r.JSON["scope"].([]any); len(scope) != 3 {
		t.Fatalf("duplicates kept: %s", r.Body)
	}

	admins := login(t, env, demo.AdminEmail, demo.Password)
	p := get(t, admins, env.URL+"/staff/comptes")
	p = postForm(t, admins, env.URL+"/staff/comptes", url.Values{"_csrf": {csrfOf(t, p)}, "email": {"lyon@example.org"}, "role": {"organizer"}, "scope": {"69123"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("whole city on the page: %d", p.Status)
	}
	webtest.PageShows(t, p.Body, []string{`id="scope-error">69123 désigne tout Lyon, dont les données sont rangées par arrondissement : donnez les arrondissements (69381 à 69389).`}, nil)

	var self int64
	env.Pool.QueryRow(context.Background(), `SELECT id FROM staff_users WHERE email = 'admin-test@example.org'`).Scan(&self)
	r = env.Do(t, "PATCH", "/api/v1/staff-accounts/"+strconv.FormatInt(self, 10), admin, map[string]any{"role": "x"})
	if r.Status != http.StatusUnprocessableEntity || !strings.HasPrefix(r.Field("role"), "Rôle inconnu : « x ».") || r.Field("scope") != "" {
		t.Fatalf("unknown role: %d %s", r.Status, r.Body)
	}
}

// Revoking an account's access voids its pending invitation link, from
// the API as from the page, which says what it ended in plain words.
func TestAccountRevokeVoidsInvitation(t *testing.T) {
	env := webtest.Start(t)
	admin := env.AdminToken(t)
	r := env.Do(t, "POST", "/api/v1/staff-accounts", admin, map[string]any{"email": "fuite@example.org", "role": "viewer", "scope": []string{"04"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	id := strconv.Itoa(int(r.JSON["id"].(float64)))
	link, _ := invitationOf(t, env, "fuite@example.org")
	r = env.Do(t, "POST", "/api/v1/staff-accounts/"+id+"/revoke", admin, nil)
	if r.Status != http.StatusOK || r.JSON["invitations"] != float64(1) || r.JSON["tokens"] != float64(0) || r.JSON["sessions"] != float64(0) {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	person := webtest.Client()
	if p := get(t, person, env.URL+link); p.Status != http.StatusNotFound {
		t.Fatalf("link after revocation: %d", p.Status)
	}
	p := postForm(t, person, env.URL+link, url.Values{"_csrf": {csrfOf(t, get(t, person, env.URL+"/connexion"))}, "password": {"un-long-mot-de-passe"}, "password_confirm": {"un-long-mot-de-passe"}})
	if p.Status != http.StatusNotFound || sessionCookie(t, env, person) != "" {
		t.Fatalf("link used after revocation: %d", p.Status)
	}

	// On the page.
	r = env.Do(t, "POST", "/api/v1/staff-accounts/"+id+"/invitation", admin, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("invitation again: %d %s", r.Status, r.Body)
	}
	link, _ = invitationOf(t, env, "fuite@example.org")
	admins := login(t, env, demo.AdminEmail, demo.Password)
	token := csrfOf(t, get(t, admins, env.URL+"/staff/comptes"))
	p = redirected(t, env, admins, postForm(t, admins, env.URL+"/staff/comptes/"+id+"/revoquer", url.Values{"_csrf": {token}}))
	webtest.PageShows(t, p.Body, []string{"Accès de fuite@example.org révoqués : 1 lien d&#39;invitation ne sert plus. Le compte reste : renvoyez l&#39;invitation pour que la personne choisisse son mot de passe."}, nil)
	if p := get(t, webtest.Client(), env.URL+link); p.Status != http.StatusNotFound {
		t.Fatalf("link after revocation on the page: %d", p.Status)
	}
	p = redirected(t, env, admins, postForm(t, admins, env.URL+"/staff/comptes/"+id+"/revoquer", url.Values{"_csrf": {token}}))
	webtest.PageShows(t, p.Body, []string{"Rien à révoquer pour fuite@example.org : aucune connexion ouverte, aucun jeton d&#39;API, aucune invitation en attente."}, []string{"0 jeton", "0 connexion"})
}

// The journal in French: kinds of records, detail keys, roles, scopes
// (national said as on the « Comptes » page) and times in Paris time.
func TestJournalOfAccountsInFrench(t *testing.T) {
	env := webtest.Start(t)
	admin := env.AdminToken(t)
	r := env.Do(t, "POST", "/api/v1/staff-accounts", admin, map[string]any{"email": "journal@example.org", "role": "organizer", "scope": []string{"04070"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	id := strconv.Itoa(int(r.JSON["id"].(float64)))
	expires, _ := time.Parse(time.RFC3339Nano, r.JSON["invitation_expires_at"].(string))
	if r := env.Do(t, "PATCH", "/api/v1/staff-accounts/"+id, admin, map[string]any{"role": "admin"}); r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	p := env.Do(t, "GET", "/staff/journal?entity_id=journal@example.org", admin, nil)
	var rows []string
	for _, m := range regexp.MustCompile(`(?s)<tr><td>(.*?)</tr>`).FindAllStringSubmatch(string(p.Body), -1) {
		rows = append(rows, strings.ReplaceAll(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], " | "), "&#39;", "'"))
	}
	if p.Status != http.StatusOK || len(rows) != 2 {
		t.Fatalf("journal: %d, %d rows\n%s", p.Status, len(rows), p.Body)
	}
	raw := []string{"staff_user ", "invitation_expires_at", "role :", "scope :", `["04070"]`, "organizer", "tout le territoire"}
	webtest.PageShows(t, rows[0], []string{"compte d'équipe journal@example.org",
		"rôle précédent : organisateur·rice · périmètre précédent : 04070 · rôle : administrateur·rice · périmètre : national"}, raw)
	webtest.PageShows(t, rows[1], []string{"compte d'équipe journal@example.org",
		"invitation valable jusqu'au " + expires.In(elections.Paris).Format("02/01/2006 à 15h04") + " · rôle : organisateur·rice · périmètre : 04070"}, raw)
}

// Wide tables scroll inside the main column rather than past it: the
// accounts on a 500 px wide screen, the journal on a 1280 px one.
func TestBrowserStaffTablesFit(t *testing.T) {
	env := webtest.Start(t)
	long := strings.Repeat("0123456789", 20)
	if _, err := env.Pool.Exec(context.Background(), `INSERT INTO audit_log (actor, action, entity, entity_id, details) VALUES ('cli', 'proxy_matching.run', 'election', $1, $2)`,
		"demo-"+long, map[string]any{"offers": long}); err != nil {
		t.Fatal(err)
	}
	ctx := webtest.Browser(t)
	if err := chromedp.Do(ctx, env.Login(demo.AdminEmail, demo.Password), chromedp.WaitVisible(chromedp.CSS(`#lien-comptes`))); err != nil {
		t.Fatal(err)
	}
	// fits: the page does not scroll sideways, the table's box ends
	// within the main column's content, and what is wider scrolls inside.
	const fits = `(() => {
		const main = document.querySelector('main'), table = document.querySelector('main table');
		const box = table.parentElement, cs = getComputedStyle(main);
		const right = main.getBoundingClientRect().right - parseFloat(cs.paddingRight);
		return [document.documentElement.scrollWidth <= window.innerWidth,
			box.getBoundingClientRect().right <= right + 1,
			table.getBoundingClientRect().width <= box.clientWidth + 1 || ['auto', 'scroll'].includes(getComputedStyle(box).overflowX)].join(' ');
	})()`
	for _, tc := range []struct {
		width int64
		path  string
	}{{500, "/staff/comptes"}, {1280, "/staff/journal"}} {
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(tc.width, 900),
			chromedp.Navigate(env.URL+tc.path),
			chromedp.WaitVisible(chromedp.CSS(`main table`)),
		); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](fits))
		if err != nil || got != "true true true" {
			t.Errorf("%s at %d px: %q %v (page fits, table in the column, scrolls inside)", tc.path, tc.width, got, err)
		}
	}
}
