package proxyweb_test

import (
	"context"
	"net/url"
	"regexp"
	"testing"

	"scrutin/demo"
)

var pageLinkRe = regexp.MustCompile(`https?://[^\s]+(/procuration/t/[A-Za-z0-9_-]+)`)

// A form sent again with exactly what the entry holds (a double click,
// the back button, a lost e-mail) is not a change to confirm: no
// « confirmez la modification » e-mail; the page link goes to the entry's
// address again unless one went there in the last ten minutes. The answer
// is that of a change (202): it must not tell a right guess of the
// person's details from a wrong one.
func TestFormSentAgainUnchanged(t *testing.T) {
	env := start(t)
	ctx := context.Background()
	for _, tc := range []struct {
		kind, api, table string
		body             func(string) map[string]any
	}{
		// The volunteer first: no request yet, so no offer (and its link)
		// comes to them while the test ages the links.
		{"volunteer", "/api/v1/proxy-volunteers", "proxy_volunteers", volunteerBody},
		{"request", "/api/v1/proxy-requests", "proxy_requests", requestBody},
	} {
		email := tc.kind + "@example.org"
		if r := env.Do(t, "POST", tc.api, "", tc.body(email)); r.Status != 201 {
			t.Fatalf("%s: %d %s", tc.kind, r.Status, r.Body)
		}
		// At once: the first e-mail is on its way, nothing more is sent.
		if r := env.Do(t, "POST", tc.api, "", tc.body(email)); r.Status != 202 || r.JSON["status"] != "confirmation_pending" || r.JSON["id"] != nil {
			t.Fatalf("%s sent again at once: %d %s", tc.kind, r.Status, r.Body)
		}
		if n := len(outbox(t, env, email, "proxy.change")) + len(outbox(t, env, email, "proxy.link")); n != 0 {
			t.Fatalf("%s sent again at once: %d more e-mails", tc.kind, n)
		}
		// An hour later: the page link again, and it opens the page.
		env.Pool.Exec(ctx, `UPDATE proxy_links SET created_at = created_at - interval '1 hour'`)
		if r := env.Do(t, "POST", tc.api, "", tc.body(email)); r.Status != 202 {
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

// The request form posted twice (a double click): the thanks page, then
// the page that says to look in the mailbox, as for a change (the
// creation's e-mail is there); no second e-mail.
func TestRequestFormDoubleClick(t *testing.T) {
	env := start(t)
	c, csrf := formClient(t, env, "/procuration/demande")
	form := url.Values{"_csrf": {csrf}, "election": {demo.ElectionSlug}, "first_name": {"Jeanne"}, "last_name": {"Moreau"},
		"email": {"jeanne@example.org"}, "phone": {"06 12 34 56 78"}, "commune_code": {"04070"}, "bureau_code": {"2"},
		"rounds": {"1", "2"}, "consent": {"oui"}}
	for i, want := range []string{"/procuration/merci/demande", "/procuration/modification"} {
		resp, err := c.PostForm(env.URL+"/procuration/demande", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if where := resp.Header.Get("Location"); resp.StatusCode != 303 || where != want {
			t.Fatalf("post %d: %d to %q, want %q", i+1, resp.StatusCode, where, want)
		}
	}
	if n := len(outbox(t, env, "jeanne@example.org", "proxy.request")) + len(outbox(t, env, "jeanne@example.org", "proxy.change")) +
		len(outbox(t, env, "jeanne@example.org", "proxy.link")); n != 1 {
		t.Fatalf("%d e-mails for a double click, want 1", n)
	}
}
