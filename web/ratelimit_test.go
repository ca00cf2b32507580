package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"scrutin/demo"
	"scrutin/web"
	"scrutin/web/webtest"
)

// retryAfter reads a Retry-After header in seconds, 0 when there is none.
func retryAfter(t *testing.T, h http.Header) int {
	t.Helper()
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("Retry-After %q is not a number of seconds", v)
	}
	return n
}

// TestRateLimitedAnswersSayWhenToRetry: a 429, JSON or page, carries
// Retry-After, the seconds until the window frees its hits; the answers
// within the limit carry none.
func TestRateLimitedAnswersSayWhenToRetry(t *testing.T) {
	env := webtest.Start(t, webtest.Options{PublicRatePerMinute: 2, Modules: []web.Module{func(s *web.Server, api, pages fiber.Router) {
		done := func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) }
		api.Post("/test/limited", s.LimitPublic("test-api"), done)
		pages.Post("/test/limited", s.LimitPublic("test-page"), done)
	}}})

	// The API, per minute.
	for i := 1; i <= 3; i++ {
		r := env.Do(t, "POST", "/api/v1/test/limited", "", map[string]any{})
		wait := retryAfter(t, r.Header)
		switch {
		case i <= 2 && (r.Status != http.StatusNoContent || wait != 0):
			t.Fatalf("request %d within the limit: %d, Retry-After %d", i, r.Status, wait)
		case i == 3 && (r.Status != http.StatusTooManyRequests || wait < 1 || wait > 60 ||
			!strings.Contains(string(r.Body), "Trop de demandes. Réessayez dans quelques minutes.")):
			t.Fatalf("request over the limit: %d, Retry-After %d, %s", r.Status, wait, r.Body)
		}
	}

	// A form, answered with a page.
	client := webtest.Client()
	token := csrfOf(t, get(t, client, env.URL+"/connexion"))
	for i := 1; i <= 3; i++ {
		p := postForm(t, client, env.URL+"/test/limited", url.Values{"_csrf": {token}})
		wait := retryAfter(t, p.Header)
		switch {
		case i <= 2 && (p.Status != http.StatusNoContent || wait != 0):
			t.Fatalf("form %d within the limit: %d, Retry-After %d", i, p.Status, wait)
		case i == 3 && (p.Status != http.StatusTooManyRequests || wait < 1 || wait > 60 ||
			!strings.Contains(p.Header.Get("Content-Type"), "text/html") || !strings.Contains(p.Body, "Trop de demandes")):
			t.Fatalf("form over the limit: %d, Retry-After %d, %s\n%s", p.Status, wait, p.Header.Get("Content-Type"), p.Body)
		}
	}

	// The login form's limit, a quarter of an hour.
	client = webtest.Client()
	for i := 1; i <= 10; i++ {
		if p := loginWith(t, env, client, demo.AdminEmail, "wrong-password"); p.Status != http.StatusUnauthorized || retryAfter(t, p.Header) != 0 {
			t.Fatalf("attempt %d: %d, Retry-After %q", i, p.Status, p.Header.Get("Retry-After"))
		}
	}
	p := loginWith(t, env, client, demo.AdminEmail, demo.Password)
	if wait := retryAfter(t, p.Header); p.Status != http.StatusTooManyRequests || wait < 1 || wait > 15*60 {
		t.Fatalf("11th attempt: %d, Retry-After %d", p.Status, wait)
	}
}
