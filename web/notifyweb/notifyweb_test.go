package notifyweb_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
	"scrutin/logistics/token"
	"scrutin/web"
	"scrutin/web/notifyweb"
	"scrutin/web/webtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func start(t *testing.T) *webtest.Env {
	return webtest.Start(t, webtest.Options{Modules: []web.Module{notifyweb.Routes}})
}

func enqueue(t *testing.T, env *webtest.Env, msgs ...notify.Message) {
	t.Helper()
	ctx := context.Background()
	if err := pgdb.Tx(ctx, env.Pool, func(tx pgx.Tx) error { return notify.Enqueue(ctx, tx, msgs...) }); err != nil {
		t.Fatal(err)
	}
}

// browser is a staff member's session driven over HTTP.
type browser struct {
	t      *testing.T
	env    *webtest.Env
	client *http.Client
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// login signs in through the real login form.
func login(t *testing.T, env *webtest.Env, email string) *browser {
	t.Helper()
	b := &browser{t: t, env: env, client: webtest.Client()}
	_, page := b.get("/connexion")
	resp, body := b.post("/connexion", b.csrf(page), url.Values{"email": {email}, "password": {demo.Password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s: %d\n%s", email, resp.StatusCode, body)
	}
	return b
}

func (b *browser) csrf(page string) string {
	b.t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no _csrf field in page:\n%s", page)
	}
	return m[1]
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.client.Get(b.env.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, html.UnescapeString(string(body))
}

func (b *browser) post(path, csrf string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if csrf != "" {
		form.Set("_csrf", csrf)
	}
	resp, err := b.client.PostForm(b.env.URL+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, html.UnescapeString(string(body))
}

var tags = regexp.MustCompile(`<[^>]*>`)

// text is what a reader sees of a page: no tags.
func text(page string) string { return tags.ReplaceAllString(page, "") }

func outboxIDs(t *testing.T, env *webtest.Env) []int64 {
	t.Helper()
	rows, _ := env.Pool.Query(context.Background(), `SELECT id FROM outbox ORDER BY id`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func auditCount(t *testing.T, env *webtest.Env, action, entityID string) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1 AND entity_id = $2 AND actor = $3`,
		action, entityID, "staff:"+demo.AdminEmail).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const offerBody = "Bonjour Élodie,\n\nCamille Durand (04001, bureau 2) a besoin d'un·e mandataire pour le 1er tour.\nAcceptez ou refusez : https://scrutin.example.org/p/t/abc\n"

func TestAdminReadsPendingMessagesWhenNoProviderIsConfigured(t *testing.T) {
	env := start(t)
	enqueue(t, env,
		notify.Message{Channel: notify.Email, Recipient: "elodie.martin@example.org", Subject: "Une procuration vous est proposée", Body: offerBody, Kind: "proxy.offer"},
		notify.Message{Channel: notify.SMS, Recipient: "+33612345678", Body: "Scrutin : une procuration vous est proposée, voir votre e-mail.", Kind: "proxy.offer"},
		notify.Message{Channel: notify.Email, Recipient: "camille.durand@example.org", Subject: "Votre demande est enregistrée", Body: "Bonjour Camille", Kind: "proxy.request"},
	)
	ids := outboxIDs(t, env)
	admin := login(t, env, demo.AdminEmail)

	resp, page := admin.get("/staff/messages")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Messages page: %d", resp.StatusCode)
	}
	for _, want := range []string{"elodie.martin@example.org", "+33612345678", "camille.durand@example.org",
		"Une procuration vous est proposée", "En attente : 3 · Envoyés : 0 · En échec : 0", "SMTP_URL"} {
		if !strings.Contains(text(page), want) {
			t.Errorf("Messages page lacks %q", want)
		}
	}
	if strings.Contains(page, "besoin d'un·e mandataire") {
		t.Error("the list shows message bodies; they are read one at a time, audited")
	}
	if strings.Index(page, "camille.durand@example.org") > strings.Index(page, "elodie.martin@example.org") {
		t.Error("newest message is not listed first")
	}

	// Kinds read in French; the filter's values stay the codes.
	offerLabel, requestLabel := notify.KindLabel("proxy.offer"), notify.KindLabel("proxy.request")
	for _, want := range []string{"<td>" + offerLabel + "</td>", "<td>" + requestLabel + "</td>",
		`<option value="proxy.offer">` + offerLabel + `</option>`, `<option value="proxy.request">` + requestLabel + `</option>`} {
		if !strings.Contains(html.UnescapeString(page), want) {
			t.Errorf("Messages page lacks %q", want)
		}
	}
	if strings.Contains(text(page), "proxy.offer") || strings.Contains(text(page), "proxy.request") {
		t.Error("Messages page shows raw message kinds")
	}

	_, page = admin.get("/staff/messages?kind=proxy.request")
	if !strings.Contains(page, "camille.durand@example.org") || strings.Contains(page, "elodie.martin@example.org") {
		t.Error("filter by kind does not narrow the list")
	}
	if !strings.Contains(html.UnescapeString(page), `<option value="proxy.request" selected>`+requestLabel+`</option>`) {
		t.Error("the kind filtered on is not selected")
	}
	_, page = admin.get("/staff/messages?channel=sms&recipient=%2B336")
	if !strings.Contains(page, "+33612345678") || strings.Contains(page, "example.org</td>") {
		t.Error("filter by channel and recipient does not narrow the list")
	}
	_, page = admin.get("/staff/messages?per_page=2")
	if !strings.Contains(text(page), "3 messages · page 1 sur 2") || !strings.Contains(page, `href="/staff/messages?page=2&per_page=2"`) {
		t.Errorf("first page of 2 does not link to the next:\n%s", page)
	}
	_, page = admin.get("/staff/messages?per_page=2&page=2")
	if !strings.Contains(page, "elodie.martin@example.org") || strings.Contains(page, "camille.durand@example.org") || !strings.Contains(page, "Page précédente") {
		t.Error("second page does not hold the oldest message alone")
	}
	_, page = admin.get("/staff/messages?status=sent")
	if !strings.Contains(page, "Aucun message.") {
		t.Error("filter by status sent shows pending messages")
	}
	resp, page = admin.get("/staff/messages?status=perdu")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Statut inconnu") {
		t.Errorf("unknown status: %d", resp.StatusCode)
	}

	id := strconv.FormatInt(ids[0], 10)
	resp, page = admin.get("/staff/messages/" + id)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, offerBody) || !strings.Contains(page, "Une procuration vous est proposée") {
		t.Fatalf("message page (%d) does not show the full text:\n%s", resp.StatusCode, page)
	}
	if strings.Contains(page, "/renvoyer") {
		t.Error("a pending message never tried offers a retry button")
	}
	if !strings.Contains(html.UnescapeString(page), "<td>"+offerLabel+"</td>") || strings.Contains(text(page), "proxy.offer") {
		t.Error("message page does not show the kind in French")
	}
	if n := auditCount(t, env, "message.view", id); n != 1 {
		t.Errorf("%d audit rows for reading the message, want 1", n)
	}
	if resp, _ := admin.get("/staff/messages/999999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown message: %d", resp.StatusCode)
	}
}

func TestMessagesAreForAdminsOnly(t *testing.T) {
	env := start(t)
	enqueue(t, env, notify.Message{Channel: notify.Email, Recipient: "x@example.org", Subject: "S", Body: "B"})
	id := strconv.FormatInt(outboxIDs(t, env)[0], 10)
	organizer := login(t, env, demo.OrganizerEmail)
	for _, path := range []string{"/staff/messages", "/staff/messages/" + id} {
		if resp, page := organizer.get(path); resp.StatusCode != http.StatusForbidden || strings.Contains(page, "x@example.org") {
			t.Errorf("organizer GET %s: %d", path, resp.StatusCode)
		}
	}
	_, page := organizer.get("/staff")
	if strings.Contains(page, `href="/staff/messages"`) {
		t.Error("organizer's dashboard links to the Messages page")
	}
	if resp, _ := (&browser{t: t, env: env, client: webtest.Client()}).get("/staff/messages"); resp.StatusCode != http.StatusFound ||
		!strings.HasPrefix(resp.Header.Get("Location"), "/connexion") {
		t.Errorf("anonymous: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	orgToken := env.StaffToken(t, "org-api@example.org", staff.Organizer, "04")
	if r := env.Do(t, "GET", "/api/v1/messages", orgToken, nil); r.Status != http.StatusForbidden {
		t.Errorf("organizer API: %d", r.Status)
	}
	if r := env.Do(t, "GET", "/api/v1/messages", "", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous API: %d", r.Status)
	}

	admin := login(t, env, demo.AdminEmail)
	_, page = admin.get("/staff")
	if !strings.Contains(page, `href="/staff/messages"`) || !strings.Contains(page, "En échec") {
		t.Error("admin's dashboard has no Messages section")
	}
}

func TestMessagesAPIListsAndReadsForAnAdminToken(t *testing.T) {
	env := start(t)
	msgs := make([]notify.Message, 0, 61)
	for i := 0; i < 60; i++ {
		msgs = append(msgs, notify.Message{Channel: notify.Email, Recipient: "v" + strconv.Itoa(i) + "@example.org", Subject: "Offre", Body: "B", Kind: "proxy.offer"})
	}
	msgs = append(msgs, notify.Message{Channel: notify.SMS, Recipient: "+33611111111", Body: "Texte du SMS", Kind: "proxy.accepted"})
	enqueue(t, env, msgs...)
	token := env.AdminToken(t)

	r := env.Do(t, "GET", "/api/v1/messages", token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	list, _ := r.JSON["messages"].([]any)
	if r.JSON["total"] != float64(61) || len(list) != 50 || r.JSON["pages"] != float64(2) {
		t.Fatalf("first page: total %v, %d messages, %v pages", r.JSON["total"], len(list), r.JSON["pages"])
	}
	first, _ := list[0].(map[string]any)
	if first["recipient"] != "+33611111111" || first["status"] != "pending" || first["channel"] != "sms" {
		t.Errorf("newest message first: %v", first)
	}
	if _, ok := first["body"]; ok {
		t.Error("the list returns bodies")
	}
	counts, _ := r.JSON["counts"].(map[string]any)
	if counts["pending"] != float64(61) {
		t.Errorf("counts %v", counts)
	}

	r = env.Do(t, "GET", "/api/v1/messages?page=2", token, nil)
	if list, _ := r.JSON["messages"].([]any); len(list) != 11 {
		t.Errorf("second page: %d messages, want 11", len(list))
	}
	r = env.Do(t, "GET", "/api/v1/messages?kind=proxy.accepted&status=pending", token, nil)
	if r.JSON["total"] != float64(1) {
		t.Errorf("filtered total %v", r.JSON["total"])
	}
	r = env.Do(t, "GET", "/api/v1/messages?channel=pigeon", token, nil)
	if r.Status != http.StatusUnprocessableEntity || r.Field("channel") == "" {
		t.Errorf("unknown channel: %d %s", r.Status, r.Body)
	}

	id := strconv.FormatInt(int64(first["id"].(float64)), 10)
	r = env.Do(t, "GET", "/api/v1/messages/"+id, token, nil)
	if r.Status != http.StatusOK || r.JSON["body"] != "Texte du SMS" {
		t.Errorf("one message: %d %s", r.Status, r.Body)
	}
}

// A message waiting in the outbox shows its private link, for an admin to
// pass it on; once sent, the link is masked: its recipient has it, and
// whoever opened it could act as them.
func TestSentMessagesHideTheirPrivateLinks(t *testing.T) {
	env := start(t)
	plain, _ := token.New()
	link := "https://scrutin.example.org/p/t/" + plain
	enqueue(t, env, notify.Message{Channel: notify.Email, Recipient: "mandant@example.org", Subject: "Acceptée", Body: "Votre page : " + link + "\n", Kind: "proxy.accepted"})
	admin := env.AdminToken(t)
	id := strconv.FormatInt(outboxIDs(t, env)[0], 10)
	if r := env.Do(t, "GET", "/api/v1/messages/"+id, admin, nil); r.Status != http.StatusOK || !strings.Contains(fmt.Sprint(r.JSON["body"]), link) {
		t.Fatalf("pending message: %d %s", r.Status, r.Body)
	}
	if _, err := env.Pool.Exec(context.Background(), `UPDATE outbox SET status = 'sent'`); err != nil {
		t.Fatal(err)
	}
	r := env.Do(t, "GET", "/api/v1/messages/"+id, admin, nil)
	if body := fmt.Sprint(r.JSON["body"]); r.Status != http.StatusOK || strings.Contains(body, plain) || !strings.Contains(body, "https://scrutin.example.org/p/t/…") {
		t.Fatalf("sent message: %d %s", r.Status, r.Body)
	}
	b := login(t, env, demo.AdminEmail)
	if _, page := b.get("/staff/messages/" + id); strings.Contains(page, plain) || !strings.Contains(page, "/p/t/…") {
		t.Fatalf("sent message page shows its link:\n%s", page)
	}
}

func TestAdminRetriesAFailedMessage(t *testing.T) {
	env := start(t)
	enqueue(t, env,
		notify.Message{Channel: notify.Email, Recipient: "rebond@example.org", Subject: "Rappel", Body: "B", Kind: "proxy.reminder"},
		notify.Message{Channel: notify.Email, Recipient: "autre@example.org", Subject: "Rappel", Body: "B", Kind: "proxy.reminder"},
	)
	ids := outboxIDs(t, env)
	if _, err := env.Pool.Exec(context.Background(), `UPDATE outbox SET status = 'failed', attempts = 8, last_attempt_at = now(),
		last_error = 'RCPT TO refusé par le serveur SMTP : 550 5.1.1 No such user'`); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(ids[0], 10)
	admin := login(t, env, demo.AdminEmail)
	_, page := admin.get("/staff/messages/" + id)
	if !strings.Contains(page, "En échec") || !strings.Contains(page, "550 5.1.1 No such user") || !strings.Contains(page, ">Renvoyer</button>") {
		t.Fatalf("failed message page:\n%s", page)
	}

	// Without the form's token the retry is refused.
	if resp, _ := admin.post("/staff/messages/"+id+"/renvoyer", "", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("retry without CSRF token: %d", resp.StatusCode)
	}
	resp, _ := admin.post("/staff/messages/"+id+"/renvoyer", admin.csrf(page), url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d", resp.StatusCode)
	}
	_, page = admin.get(resp.Header.Get("Location"))
	if !strings.Contains(page, "remis dans la file d'envoi") || !strings.Contains(page, "En attente") {
		t.Errorf("after retry the page shows:\n%s", page)
	}
	e, err := notify.Get(context.Background(), env.Pool, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != notify.Pending || e.Attempts != 0 {
		t.Errorf("after retry: %+v", e)
	}
	if n := auditCount(t, env, "message.retry", id); n != 1 {
		t.Errorf("%d audit rows for the retry", n)
	}
	if other, _ := notify.Get(context.Background(), env.Pool, ids[1]); other.Status != notify.Failed {
		t.Error("retrying one message touched another")
	}

	// The API twin: a message that is no longer failed nor retried cannot
	// be retried twice into a duplicate once sent.
	env.Pool.Exec(context.Background(), `UPDATE outbox SET status = 'sent', sent_at = now() WHERE id = $1`, ids[0])
	if r := env.Do(t, "POST", "/api/v1/messages/"+id+"/retry", env.AdminToken(t), nil); r.Status != http.StatusConflict {
		t.Errorf("retry of a sent message: %d %s", r.Status, r.Body)
	}

	// Bulk retry of every failed message from the list.
	_, page = admin.get("/staff/messages?status=failed")
	if !strings.Contains(page, ">Renvoyer le message en échec</button>") || !strings.Contains(text(page), "1 message.") {
		t.Errorf("one failed message:\n%s", page)
	}
	resp, _ = admin.post("/staff/messages/renvoyer-echecs", admin.csrf(page), url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bulk retry: %d", resp.StatusCode)
	}
	_, page = admin.get(resp.Header.Get("Location"))
	if !strings.Contains(page, "1 message en échec remis dans la file d'envoi") {
		t.Errorf("after bulk retry:\n%s", page)
	}
	if other, _ := notify.Get(context.Background(), env.Pool, ids[1]); other.Status != notify.Pending {
		t.Errorf("bulk retry left %+v", other)
	}
}
