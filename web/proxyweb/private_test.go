package proxyweb_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"scrutin/web/webtest"
)

// privatePath is the path of the newest link of kind sent to recipient.
func privatePath(t *testing.T, env *webtest.Env, recipient, kind string) string {
	t.Helper()
	link := messageLink(t, env, recipient, kind)
	return link[strings.Index(link, "/procuration/"):]
}

// act posts an action of a private page twice, as a double click does:
// both answers lead to the page saying it is done.
func actTwice(t *testing.T, env *webtest.Env, c *http.Client, path, action string, form url.Values, done string) {
	t.Helper()
	for i := 1; i <= 2; i++ {
		status, body, where := post(t, c, env.URL+path+"/"+action, form)
		if status != http.StatusSeeOther || where != path+"?fait="+done {
			t.Fatalf("%s, click %d: %d → %q: %s", action, i, status, where, body)
		}
	}
}

// offeredToPaul files Jeanne's request and signs Paul up near her: the
// instant matching offers it to him. It returns the request, Paul's page
// and a client on it with its CSRF token.
func offeredToPaul(t *testing.T, env *webtest.Env) (int64, string, *http.Client, string) {
	t.Helper()
	requestID := newRequest(t, env, requestBody("jeanne@example.org"))
	if r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("paul@example.org")); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	volunteer := privatePath(t, env, "paul@example.org", "proxy.offer")
	c, csrf := formClient(t, env, volunteer)
	return requestID, volunteer, c, csrf
}

// A second click on « J'accepte », « Je ne peux pas », « J'ai établi la
// procuration » or « Annuler ma demande » finds the thing done: the page
// says so, as after the first, rather than a conflict.
func TestPrivateActionsClickedTwice(t *testing.T) {
	env := start(t)
	requestID, volunteer, c, csrf := offeredToPaul(t, env)
	actTwice(t, env, c, volunteer, "accepter", url.Values{"_csrf": {csrf}, "request_id": {fmt.Sprint(requestID)}}, "acceptee")
	if _, page := getPage(t, c, env.URL+volunteer+"?fait=acceptee"); !strings.Contains(page, "Vous avez accepté de porter la procuration de Jeanne Moreau") {
		t.Fatalf("after accepting twice: %s", page)
	}

	mandant := privatePath(t, env, "jeanne@example.org", "proxy.accepted")
	c, csrf = formClient(t, env, mandant)
	// With a mandataire, cancelling tells them.
	if _, page := getPage(t, c, env.URL+mandant); !strings.Contains(page, `data-confirm="Annuler votre demande ? Votre mandataire sera prévenu·e."`) {
		t.Fatalf("mandant's page, accepted: %s", page)
	}
	actTwice(t, env, c, mandant, "etablie", url.Values{"_csrf": {csrf}, "round": {"1"}}, "etablie")
	if s := roundStatus(t, env, requestID, 1); s != "established" {
		t.Fatalf("round 1: %s", s)
	}
	// An action that was not done is still refused: round 2 was never
	// accepted by anyone else, and a round unknown.
	if status, body, _ := post(t, c, env.URL+mandant+"/etablie", url.Values{"_csrf": {csrf}, "round": {"3"}}); status != http.StatusConflict ||
		!strings.Contains(body, "Aucune procuration acceptée n'attend de confirmation pour ce tour.") {
		t.Fatalf("round 3: %d %s", status, body)
	}
	actTwice(t, env, c, mandant, "annuler", url.Values{"_csrf": {csrf}}, "annulee")

	// « Je ne peux pas », twice, for a request of Manosque.
	other := newRequest(t, env, with(with(requestBody("marie@example.org"), "commune_code", "04112"), "bureau_code", "1"))
	b := with(with(with(volunteerBody("luc@example.org"), "commune_code", "04112"), "bureau_code", "1"), "voter_number", "22222222")
	if r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", b); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	// No mandataire: nobody to tell.
	marie := privatePath(t, env, "marie@example.org", "proxy.request")
	if _, page := getPage(t, webtest.Client(), env.URL+marie); !strings.Contains(page, `data-confirm="Annuler votre demande ?"`) {
		t.Fatalf("mandant's page, no mandataire: %s", page)
	}
	luc := privatePath(t, env, "luc@example.org", "proxy.offer")
	c, csrf = formClient(t, env, luc)
	actTwice(t, env, c, luc, "refuser", url.Values{"_csrf": {csrf}, "request_id": {fmt.Sprint(other)}}, "refusee")
	// Accepting the request declined is not « done »: it is gone.
	if status, body, _ := post(t, c, env.URL+luc+"/accepter", url.Values{"_csrf": {csrf}, "request_id": {fmt.Sprint(other)}}); status != http.StatusConflict ||
		!strings.Contains(body, "Cette proposition n'est plus d'actualité") {
		t.Fatalf("accepting a declined request: %d %s", status, body)
	}
}

// Once the volunteer's NNE and birth date were shown three times, the
// mandant's page no longer offers to show them, and says what to do.
func TestDetailViewsUsedUp(t *testing.T) {
	env := start(t)
	requestID := newRequest(t, env, requestBody("jeanne@example.org"))
	if r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("paul@example.org")); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	acceptOffer(t, env, "paul@example.org", requestID)
	mandant := privatePath(t, env, "jeanne@example.org", "proxy.accepted")
	c, csrf := formClient(t, env, mandant)
	for i := 1; i <= 3; i++ {
		if _, page := getPage(t, c, env.URL+mandant); !strings.Contains(page, `id="afficher"`) || strings.Contains(page, "affichages-epuises") {
			t.Fatalf("before view %d: %s", i, page)
		}
		status, body, _ := post(t, c, env.URL+mandant+"/coordonnees", url.Values{"_csrf": {csrf}})
		if status != 200 || !strings.Contains(body, "123456789") {
			t.Fatalf("view %d: %d %s", i, status, body)
		}
		// Which rounds the details are for, and only those to choose.
		webtest.PageShows(t, body, []string{`<h3 class="tours">Votre mandataire pour le 1<sup>er</sup> tour et le 2<sup>d</sup> tour</h3>`,
			"avec ces informations, en ne choisissant que le 1<sup>er</sup> tour et le 2<sup>d</sup> tour.",
			"avec votre pièce d'identité et la référence reçue par e-mail."}, nil)
	}
	used := []string{`id="affichages-epuises"`, "vous ont déjà été affichés 3 fois", "demandez-les à votre mandataire", "l'équipe procurations ne les voit pas"}
	_, page := getPage(t, c, env.URL+mandant)
	webtest.PageShows(t, page, used, []string{`id="afficher"`})
	// A page left open elsewhere still posts: refused, and the page shows
	// no button.
	status, body, _ := post(t, c, env.URL+mandant+"/coordonnees", url.Values{"_csrf": {csrf}})
	if status != http.StatusConflict || !strings.Contains(body, "Vous avez déjà affiché ces informations 3 fois.") {
		t.Fatalf("fourth view: %d %s", status, body)
	}
	webtest.PageShows(t, body, used, []string{`id="afficher"`, "123456789"})
	// Established: nothing left to show, nothing said.
	if status, body, _ := post(t, c, env.URL+mandant+"/etablie", url.Values{"_csrf": {csrf}, "round": {"1"}}); status != 303 {
		t.Fatalf("established: %d %s", status, body)
	}
	if status, body, _ := post(t, c, env.URL+mandant+"/etablie", url.Values{"_csrf": {csrf}, "round": {"2"}}); status != 303 {
		t.Fatalf("established: %d %s", status, body)
	}
	_, page = getPage(t, c, env.URL+mandant)
	webtest.PageShows(t, page, nil, []string{`id="afficher"`, "affichages-epuises"})
	// Both rounds established: now Paul carries the proxy.
	paul := privatePath(t, env, "paul@example.org", "proxy.established")
	_, page = getPage(t, webtest.Client(), env.URL+paul)
	webtest.PageShows(t, page, []string{"Vous portez la procuration de Jeanne Moreau"}, []string{"Vous avez accepté de porter"})
}

// A click on « J'accepte » for a request whose other round's offer is gone
// (expired, withdrawn) is not « done » because one round was accepted
// before: the page says the proposal is gone.
func TestAcceptWithARoundGoneIsNotDone(t *testing.T) {
	env := start(t)
	requestID, volunteer, c, csrf := offeredToPaul(t, env)
	form := url.Values{"_csrf": {csrf}, "request_id": {fmt.Sprint(requestID)}}
	if status, body, _ := post(t, c, env.URL+volunteer+"/accepter", form); status != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", status, body)
	}
	// Round 2's offer ends meanwhile (as if offered later and left to expire).
	if _, err := env.Pool.Exec(context.Background(), `UPDATE proxy_offers SET status = 'expired' WHERE request_id = $1 AND round = 2`, requestID); err != nil {
		t.Fatal(err)
	}
	if status, body, _ := post(t, c, env.URL+volunteer+"/accepter", form); status != http.StatusConflict ||
		!strings.Contains(body, "Cette proposition n'est plus d'actualité") {
		t.Fatalf("accepting with round 2 gone: %d %s", status, body)
	}
}
