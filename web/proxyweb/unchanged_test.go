package proxyweb_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"scrutin/demo"
)

var pageLinkRe = regexp.MustCompile(`https?://[^\s]+(/procuration/t/[A-Za-z0-9_-]+)`)

// A form sent again with exactly what the entry holds (a double click,
// the back button, a lost e-mail) is not a change to confirm: 200, no
// « confirmez la modification » e-mail; the page link goes to the entry's
// address again unless one went there in the last ten minutes.
func TestFormSentAgainUnchanged(t *testing.T) {
	env := start(t)
	ctx := context.Background()
	for _, tc := range []struct {
		kind, api, table string
		body             func(string) map[string]any
	}{
		{"request", "/api/v1/proxy-requests", "proxy_requests", requestBody},
		{"volunteer", "/api/v1/proxy-volunteers", "proxy_volunteers", volunteerBody},
	} {
		email := tc.kind + "@example.org"
		if r := env.Do(t, "POST", tc.api, "", tc.body(email)); r.Status != 201 {
			t.Fatalf("%s: %d %s", tc.kind, r.Status, r.Body)
		}
		// At once: the first e-mail is on its way, nothing more is sent.
		if r := env.Do(t, "POST", tc.api, "", tc.body(email)); r.Status != 200 || r.JSON["status"] != "unchanged" || r.JSON["id"] != nil {
			t.Fatalf("%s sent again at once: %d %s", tc.kind, r.Status, r.Body)
		}
		if n := len(outbox(t, env, email, "proxy.change")) + len(outbox(t, env, email, "proxy.link")); n != 0 {
			t.Fatalf("%s sent again at once: %d more e-mails", tc.kind, n)
		}
		// An hour later: the page link again, and it opens the page.
		env.Pool.Exec(ctx, `UPDATE proxy_links SET created_at = created_at - interval '1 hour'`)
		if r := env.Do(t, "POST", tc.api, "", tc.body(email)); r.Status != 200 {
			t.Fatalf("%s sent again later: %d %s", tc.kind, r.Status, r.Body)
		}
		msgs := outbox(t, env, email, "proxy.link")
		if len(msgs) != 1 || len(outbox(t, env, email, "proxy.change")) != 0 {
			t.Fatalf("%s sent again later: %v", tc.kind, msgs)
		}
		m := pageLinkRe.FindStringSubmatch(msgs[0])
		if m == nil {
			t.Fatalf("no page link in %q", msgs[0])
		}
		if r := env.Do(t, "GET", m[1], "", nil); r.Status != 200 {
			t.Fatalf("%s: the link sent again opens %d", tc.kind, r.Status)
		}
		// Anything different is a change to confirm, as before.
		if r := env.Do(t, "POST", tc.api, "", with(tc.body(email), "rounds", []int{1})); r.Status != 202 {
			t.Fatalf("%s with one round less: %d %s", tc.kind, r.Status, r.Body)
		}
		var n int
		env.Pool.QueryRow(ctx, `SELECT count(*) FROM `+tc.table+` WHERE email = $1`, email).Scan(&n)
		if n != 1 {
			t.Fatalf("%d %s for %s", n, tc.table, email)
		}
	}
	// A volunteer who withdrew and signs up again as before asks to come
	// back: a change to confirm.
	env.Pool.Exec(ctx, `UPDATE proxy_volunteers SET status = 'withdrawn' WHERE email = 'volunteer@example.org'`)
	if r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("volunteer@example.org")); r.Status != 202 {
		t.Fatalf("withdrawn volunteer signing up again: %d %s", r.Status, r.Body)
	}
}

// The request form posted twice (a double click) gives the thanks page
// both times, not « vérifiez votre boîte mail ».
func TestRequestFormDoubleClick(t *testing.T) {
	env := start(t)
	c, csrf := formClient(t, env, "/procuration/demande")
	form := url.Values{"_csrf": {csrf}, "election": {demo.ElectionSlug}, "first_name": {"Jeanne"}, "last_name": {"Moreau"},
		"email": {"jeanne@example.org"}, "phone": {"06 12 34 56 78"}, "commune_code": {"04070"}, "bureau_code": {"2"},
		"rounds": {"1", "2"}, "consent": {"oui"}}
	for i := range 2 {
		resp, err := c.PostForm(env.URL+"/procuration/demande", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if where := resp.Header.Get("Location"); resp.StatusCode != 303 || !strings.HasPrefix(where, "/procuration/merci/") {
			t.Fatalf("post %d: %d to %q", i+1, resp.StatusCode, where)
		}
	}
}
