package proxyweb_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"scrutin/web/webtest"
)

var changeLinkRe = regexp.MustCompile(`https?://[^\s]+(/procuration/modification/t/[A-Za-z0-9_-]+)`)

// changeLinks returns the paths of the confirmation links sent to
// recipient, oldest first.
func changeLinks(t *testing.T, env *webtest.Env, recipient string) []string {
	t.Helper()
	var out []string
	for _, body := range outbox(t, env, recipient, "proxy.change") {
		if m := changeLinkRe.FindStringSubmatch(body); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// A confirmation link opened again once used, or the link of a change
// that another confirmed change replaced, or one that never was, says so
// and what to do, rather than « Page ou élément introuvable ».
func TestChangeLinkUsedOrReplaced(t *testing.T) {
	env := start(t)
	if r := env.Do(t, "POST", "/api/v1/proxy-requests", "", requestBody("jeanne@example.org")); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	for _, first := range []string{"Jeanne-Marie", "Marie"} { // two changes held
		if r := env.Do(t, "POST", "/api/v1/proxy-requests", "", with(requestBody("jeanne@example.org"), "first_name", first)); r.Status != 202 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	}
	var links []string
	waitFor(t, "two confirmation links", func() bool { links = changeLinks(t, env, "jeanne@example.org"); return len(links) == 2 })
	c, csrf := formClient(t, env, links[1])
	if status, body, _ := post(t, c, env.URL+links[1], url.Values{"_csrf": {csrf}}); status != 200 || !strings.Contains(body, "Modification enregistrée") {
		t.Fatalf("confirming the second: %d %s", status, body)
	}
	var first string
	env.Pool.QueryRow(context.Background(), `SELECT first_name FROM proxy_requests WHERE email = 'jeanne@example.org'`).Scan(&first)
	if first != "Marie" {
		t.Fatalf("stored %q", first)
	}
	gone := []string{"Lien expiré ou déjà utilisé", "la modification a déjà été confirmée", "valable 48 heures",
		"envoyez de nouveau le formulaire avec la même adresse e-mail"}
	for name, path := range map[string]string{"used": links[1], "replaced": links[0], "unknown": "/procuration/modification/t/nope"} {
		t.Run(name, func(t *testing.T) {
			status, page := getPage(t, c, env.URL+path)
			if status != http.StatusNotFound {
				t.Fatalf("%d %s", status, page)
			}
			webtest.PageShows(t, html.UnescapeString(page), gone, []string{"Page ou élément introuvable"})
			// A second click on « Confirmer la modification » too.
			status, page, _ = post(t, c, env.URL+path, url.Values{"_csrf": {csrf}})
			if status != http.StatusNotFound {
				t.Fatalf("posted: %d %s", status, page)
			}
			webtest.PageShows(t, page, gone, []string{"Page ou élément introuvable"})
		})
	}
}

// The confirmation page of a change reads as the private page does: the
// phone as dialled in France, the bureau by number, name and address, or
// « Je ne sais pas ».
func TestChangePageReadsAsThePrivatePage(t *testing.T) {
	env := start(t)
	if r := env.Do(t, "POST", "/api/v1/proxy-requests", "", requestBody("jeanne@example.org")); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	for i, tc := range []struct {
		bureau string
		want   []string
	}{
		{"3", []string{"<td>06 11 22 33 44</td>", "<td>Bureau 3 – Gymnase des Arches, Avenue des Arches, 04000 Digne-les-Bains</td>"}},
		{"", []string{"<td>Je ne sais pas</td>"}},
	} {
		b := with(with(requestBody("jeanne@example.org"), "phone", "+33611223344"), "bureau_code", tc.bureau)
		if r := env.Do(t, "POST", "/api/v1/proxy-requests", "", b); r.Status != 202 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		var links []string
		waitFor(t, "the confirmation link", func() bool { links = changeLinks(t, env, "jeanne@example.org"); return len(links) == i+1 })
		status, page := getPage(t, webtest.Client(), env.URL+links[i])
		if status != 200 {
			t.Fatalf("%d %s", status, page)
		}
		webtest.PageShows(t, html.UnescapeString(page), tc.want, []string{"+33611223344", "je ne sais pas", "<td>3</td>"})
	}
}
