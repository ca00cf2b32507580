package materialweb_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"scrutin/logistics/staff"
	"scrutin/web/webtest"
)

// Marking a batch sent from its staff page: the notice that follows, and
// the batch holding orders beyond the staff member's scope.

// staffSession logs a new staff account in through the login form and
// returns the client holding its session.
func staffSession(t *testing.T, env *webtest.Env, email string, role staff.Role, scope ...string) *http.Client {
	t.Helper()
	env.StaffToken(t, email, role, scope...) // password-for-tests
	c := webtest.Client()
	_, page, _ := staffFetch(t, c, env, "GET", "/connexion", nil)
	status, body, where := staffFetch(t, c, env, "POST", "/connexion",
		url.Values{"_csrf": {pageCSRF(t, page)}, "email": {email}, "password": {"password-for-tests"}})
	if status != http.StatusSeeOther {
		t.Fatalf("login %s: %d to %q\n%s", email, status, where, body)
	}
	return c
}

// staffFetch gets a page (form nil) or posts a form, and returns the
// status, the page unescaped and where it redirects.
func staffFetch(t *testing.T, c *http.Client, env *webtest.Env, method, path string, form url.Values) (int, string, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == "GET" {
		resp, err = c.Get(env.URL + path)
	} else {
		resp, err = c.PostForm(env.URL+path, form)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, html.UnescapeString(string(b)), resp.Header.Get("Location")
}

func pageCSRF(t *testing.T, page string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", page)
	}
	return m[1]
}

// markSent posts « Marquer le lot envoyé » with the CSRF token of the batch
// page (the logout form carries one when the button is not there).
func markSent(t *testing.T, c *http.Client, env *webtest.Env, batch int) (int, string, string) {
	t.Helper()
	path := fmt.Sprintf("/staff/materiel/lots/%d", batch)
	_, page, _ := staffFetch(t, c, env, "GET", path, nil)
	return staffFetch(t, c, env, "POST", path+"/envoye", url.Values{"_csrf": {pageCSRF(t, page)}})
}

// placeOrder orders 100 tracts for a person in a commune and returns the
// order number.
func placeOrder(t *testing.T, env *webtest.Env, name, email, postal, commune, address string) int {
	t.Helper()
	b := orderBody(100, email)
	b["name"], b["postal_code"], b["commune_code"], b["address"] = name, postal, commune, address
	r := env.Do(t, "POST", "/api/v1/material-orders", "", b)
	if r.Status != 201 {
		t.Fatalf("order: %d %s", r.Status, r.Body)
	}
	return int(r.JSON["id"].(float64))
}

// batchAll batches every pending order of the demo election.
func batchAll(t *testing.T, env *webtest.Env, token string) int {
	t.Helper()
	r := env.Do(t, "POST", "/api/v1/material-batches", token, map[string]any{"election": "demo-2027"})
	if r.Status != 201 {
		t.Fatalf("batch: %d %s", r.Status, r.Body)
	}
	return int(r.JSON["id"].(float64))
}

func shippedMails(t *testing.T, env *webtest.Env) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE kind = 'material.shipped'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func batchSentAt(t *testing.T, env *webtest.Env, batch int) *time.Time {
	t.Helper()
	var sent *time.Time
	if err := env.Pool.QueryRow(context.Background(), `SELECT sent_at FROM material_batches WHERE id = $1`, batch).Scan(&sent); err != nil {
		t.Fatal(err)
	}
	return sent
}

// TestBatchSentNotice: the notice after marking a batch sent agrees with
// the number of orders it shipped, and says so when it shipped none.
func TestBatchSentNotice(t *testing.T) {
	env := start(t)
	token := env.StaffToken(t, "org04-token@example.org", staff.Organizer, "04")
	org := staffSession(t, env, "org04-notice@example.org", staff.Organizer, "04")
	cases := []struct {
		name      string
		orders    int
		shipFirst bool // every order shipped one by one before the batch
		shipped   int
		want      string
		lack      []string
	}{
		{"two orders", 2, false, 2, "Lot marqué comme envoyé : 2 commandes expédiées, les destinataires sont prévenus.", nil},
		{"one order", 1, false, 1, "Lot marqué comme envoyé : 1 commande expédiée, la personne est prévenue.",
			[]string{"les destinataires sont prévenus"}},
		{"all shipped already", 2, true, 0,
			"Lot marqué comme envoyé : toutes ses commandes avaient déjà été expédiées, personne n'est prévenu à nouveau.",
			[]string{"0 commande", "les destinataires sont prévenus", "la personne est prévenue"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ids []int
			for j := range tc.orders {
				ids = append(ids, placeOrder(t, env, "Camille Roux", fmt.Sprintf("notice%d-%d@example.org", i, j), "04000", "04070", "3 rue Pied de Ville"))
			}
			batch := batchAll(t, env, token)
			if tc.shipFirst {
				for _, id := range ids {
					if r := env.Do(t, "POST", fmt.Sprintf("/api/v1/material-orders/%d/shipped", id), token, nil); r.Status != 200 {
						t.Fatalf("ship %d: %d %s", id, r.Status, r.Body)
					}
				}
			}
			mails := shippedMails(t, env)
			_, page, _ := staffFetch(t, org, env, "GET", fmt.Sprintf("/staff/materiel/lots/%d", batch), nil)
			webtest.PageShows(t, page, []string{"Marquer le lot envoyé"}, []string{"hors de votre périmètre"})
			status, body, where := markSent(t, org, env, batch)
			wantWhere := fmt.Sprintf("/staff/materiel/lots/%d?expediees=%d", batch, tc.shipped)
			if status != http.StatusSeeOther || where != wantWhere {
				t.Fatalf("mark sent: %d to %q, want %q\n%s", status, where, wantWhere, body)
			}
			if got := shippedMails(t, env) - mails; got != tc.shipped {
				t.Errorf("%d people told of the shipment, want %d", got, tc.shipped)
			}
			status, page, _ = staffFetch(t, org, env, "GET", where, nil)
			if status != http.StatusOK {
				t.Fatalf("batch page: %d\n%s", status, page)
			}
			webtest.PageShows(t, page, []string{`<div class="notice" role="status">` + tc.want + `</div>`}, append(tc.lack, "Marquer le lot envoyé"))
		})
	}
}

// TestBatchBeyondScope: a batch made by an admin holds orders of the 04
// and of Paris. The 04 organizer sees the 04 order only, no button to mark
// the batch sent but why, and is refused if posting anyway; the admin
// marks it sent.
func TestBatchBeyondScope(t *testing.T) {
	env := start(t)
	adminToken := env.AdminToken(t)
	admin := staffSession(t, env, "admin-scope@example.org", staff.Admin)
	org := staffSession(t, env, "org04-scope@example.org", staff.Organizer, "04")
	viewer := staffSession(t, env, "viewer04-scope@example.org", staff.Viewer, "04")
	placeOrder(t, env, "Camille Roux", "digne@example.org", "04000", "04070", "3 rue Pied de Ville")
	placeOrder(t, env, "Dominique Secret", "paris@example.org", "75004", "75104", "9 rue Cachée")
	batch := batchAll(t, env, adminToken)
	path := fmt.Sprintf("/staff/materiel/lots/%d", batch)
	const why = "Ce lot contient aussi 1 commande hors de votre périmètre : seul·e un·e responsable couvrant tout le lot peut le marquer envoyé."
	paris := []string{"Dominique Secret", "9 rue Cachée", "paris@example.org", "Paris 4e"}
	button := []string{"Marquer le lot envoyé", `action="` + path + `/envoye"`}

	status, page, _ := staffFetch(t, org, env, "GET", path, nil)
	if status != http.StatusOK {
		t.Fatalf("organizer's batch page: %d\n%s", status, page)
	}
	webtest.PageShows(t, page, []string{"Camille Roux", "un colis par commande (1)", why}, append(paris, button...))

	// Viewers act on nothing: neither the button nor the explanation.
	_, page, _ = staffFetch(t, viewer, env, "GET", path, nil)
	webtest.PageShows(t, page, []string{"Camille Roux"}, append(append([]string{why}, paris...), button...))

	// Posting anyway (a page opened earlier, a forged form): refused, with
	// the reason and still nothing of the Paris order.
	mails := shippedMails(t, env)
	status, page, _ = markSent(t, org, env, batch)
	if status != http.StatusForbidden {
		t.Fatalf("organizer marks the batch sent: %d\n%s", status, page)
	}
	webtest.PageShows(t, page, []string{"Accès refusé : ce lot contient des commandes hors de votre périmètre.", why}, append(paris, button...))
	if r := env.Do(t, "POST", fmt.Sprintf("/api/v1/material-batches/%d/sent", batch), env.StaffToken(t, "org04-api@example.org", staff.Organizer, "04"), nil); r.Status != 403 {
		t.Fatalf("organizer marks the batch sent through the API: %d %s", r.Status, r.Body)
	}
	if batchSentAt(t, env, batch) != nil || shippedMails(t, env) != mails {
		t.Fatal("the refused organizer changed the batch")
	}

	// The admin covers the whole batch.
	_, page, _ = staffFetch(t, admin, env, "GET", path, nil)
	webtest.PageShows(t, page, append([]string{"Dominique Secret", "un colis par commande (2)"}, button...), []string{"hors de votre périmètre"})
	status, page, where := markSent(t, admin, env, batch)
	if status != http.StatusSeeOther || where != path+"?expediees=2" {
		t.Fatalf("admin marks the batch sent: %d to %q\n%s", status, where, page)
	}
	if batchSentAt(t, env, batch) == nil || shippedMails(t, env) != mails+2 {
		t.Fatal("the batch was not sent")
	}
	_, page, _ = staffFetch(t, admin, env, "GET", where, nil)
	webtest.PageShows(t, page, []string{"Lot marqué comme envoyé : 2 commandes expédiées, les destinataires sont prévenus."}, button)
	// Once sent, nothing to explain to the organizer either.
	_, page, _ = staffFetch(t, org, env, "GET", path, nil)
	webtest.PageShows(t, page, []string{"<strong>envoyé</strong>"}, append([]string{why}, button...))
}
