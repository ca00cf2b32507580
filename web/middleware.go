package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"

	"scrutin/logistics/check"
	"scrutin/logistics/staff"
)

const (
	sessionCookie = "scrutin_session"
	localStaff    = "staff"
	localCSRF     = "csrf"
)

// securityHeaders: no inline script, no framing, no MIME sniffing, no
// referrer leaking private-link tokens to other sites.
func securityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	return c.Next()
}

func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	// Answer errors here rather than after the chain unwinds, so that the
	// logged status is the one the client gets.
	if err := c.Next(); err != nil {
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	s.log.Info("http", "method", c.Method(), "path", logPath(c), "status", status,
		"ms", time.Since(start).Milliseconds(), "ip", ClientIP(c), "request_id", c.Locals("requestid"))
	return nil
}

// logPath is the request path as logged. Private links and staff
// invitations carry their secret in the path: never log it.
func logPath(c *fiber.Ctx) string {
	path := c.Path()
	if i := strings.Index(path, "/t/"); i >= 0 {
		path = path[:i] + "/t/…"
	}
	if i := strings.Index(path, "/staff/invitation/"); i >= 0 {
		path = path[:i] + "/staff/invitation/…"
	}
	return path
}

// csrf protects every form. The API is exempt: it takes JSON (which a
// cross-site form cannot send) or a bearer token.
func (s *Server) csrf() fiber.Handler {
	return csrf.New(csrf.Config{
		KeyLookup:      "form:_csrf",
		CookieName:     "scrutin_csrf",
		CookieSameSite: "Lax",
		CookieSecure:   s.cfg.SecureCookies,
		CookieHTTPOnly: true,
		Expiration:     4 * time.Hour,
		Storage:        &pgStorage{pool: s.Pool},
		ContextKey:     localCSRF,
		// The pages group is mounted at "", so without this its middleware
		// would also run for every /api/v1 POST.
		Next: isAPI,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			return s.RenderStatus(c, fiber.StatusForbidden, "error", fiber.Map{
				"Title":   "Formulaire expiré",
				"Message": "Le formulaire a expiré ou a été envoyé depuis un autre site. Rechargez la page et recommencez.",
			})
		},
	})
}

// loadStaff resolves the session cookie or bearer token, if any.
func (s *Server) loadStaff(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if auth := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(auth, "Bearer ") {
		u, err := staff.ByAPIToken(ctx, s.Pool, strings.TrimSpace(strings.TrimPrefix(auth, "Bearer ")))
		if err != nil && !errors.Is(err, check.ErrNotFound) {
			return err
		}
		if u == nil {
			return c.Status(fiber.StatusUnauthorized).JSON(fiber.Map{"error": "Jeton invalide."})
		}
		c.Locals(localStaff, u)
		return c.Next()
	}
	if v := c.Cookies(sessionCookie); v != "" && !crossSiteSendable(c) {
		u, err := staff.BySession(ctx, s.Pool, v)
		if err != nil && !errors.Is(err, check.ErrNotFound) {
			return err
		}
		if u != nil {
			c.Locals(localStaff, u)
		}
	}
	return c.Next()
}

// crossSiteSendable reports an API change request that another site's form
// could send (POST without a JSON body: an empty or raw body). The session
// cookie is not taken for it, only a bearer token: the API has no CSRF
// token, JSON is its protection.
func crossSiteSendable(c *fiber.Ctx) bool {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return false
	}
	return isAPI(c) && !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON)
}

// StaffUser is the logged-in staff member, or nil.
func StaffUser(c *fiber.Ctx) *staff.User {
	u, _ := c.Locals(localStaff).(*staff.User)
	return u
}

// RequireStaff guards staff pages (redirect to login) and staff API calls
// (401). With act set, viewers are refused (403).
func (s *Server) RequireStaff(act bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u := StaffUser(c)
		if u == nil {
			if isAPI(c) {
				return c.Status(fiber.StatusUnauthorized).JSON(fiber.Map{"error": "Authentification requise."})
			}
			return c.Redirect("/connexion?next=" + c.OriginalURL())
		}
		if act && !u.CanAct() {
			return check.ErrForbidden
		}
		return c.Next()
	}
}

// RequireAdmin guards national, admin-only functions.
func (s *Server) RequireAdmin(c *fiber.Ctx) error {
	u := StaffUser(c)
	if u == nil {
		return s.RequireStaff(false)(c)
	}
	if !u.IsAdmin() {
		return check.ErrForbidden
	}
	return c.Next()
}

func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }

// RateLimit counts a hit on key and reports whether it is within limit
// hits per window. Counters live in PostgreSQL so that every instance
// shares them. Its commit does not wait for the disk
// (synchronous_commit off for this statement's transaction): a crash may
// forget the last hits of a few milliseconds, which a limit can afford,
// and every public submission saves a WAL flush before it starts.
//
// Over the limit, it sets Retry-After on the answer: the seconds until
// the window ends and frees the hits (windows are fixed), rounded up, so
// that the 429 that follows (JSON or page) says when to try again.
func (s *Server) RateLimit(c *fiber.Ctx, key string, limit int, window time.Duration) (bool, error) {
	var hits, retryAfter int
	err := s.Pool.QueryRow(c.UserContext(), `
		INSERT INTO rate_limits (key, window_start, hits)
		SELECT $1, now(), 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) async
		ON CONFLICT (key) DO UPDATE SET
			hits = CASE WHEN rate_limits.window_start < now() - $2::interval THEN 1 ELSE rate_limits.hits + 1 END,
			window_start = CASE WHEN rate_limits.window_start < now() - $2::interval THEN now() ELSE rate_limits.window_start END
		RETURNING hits, greatest(1, ceil(extract(epoch FROM window_start + $2::interval - now())))::int`,
		key, window.String()).Scan(&hits, &retryAfter)
	if err != nil {
		return false, err
	}
	if hits > limit {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retryAfter))
		return false, nil
	}
	return true, nil
}

// uncount gives back a hit RateLimit counted on key, for an attempt that
// must not use up the limit. A window restarted meanwhile by another hit
// loses one of its hits: a limit can afford it.
func (s *Server) uncount(ctx context.Context, key string) error {
	_, err := s.Pool.Exec(ctx, `UPDATE rate_limits SET hits = hits - 1 WHERE key = $1 AND hits > 0`, key)
	return err
}

// errRateLimited is answered as 429 with a French message.
var errRateLimited = &Refusal{fiber.StatusTooManyRequests, "Trop de demandes. Réessayez dans quelques minutes."}

// LimitPublic rate-limits a public submission per client IP, under name.
func (s *Server) LimitPublic(name string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
			return c.Next()
		}
		ok, err := s.RateLimit(c, fmt.Sprintf("%s:ip:%s", name, ClientIP(c)), s.cfg.PublicRatePerMinute, time.Minute)
		if err != nil {
			return err
		}
		if !ok {
			return errRateLimited
		}
		return c.Next()
	}
}

// emailKey stands for an e-mail address in rate-limit keys: a digest, so
// that any input (huge, NUL bytes, invalid UTF-8) makes a valid key of
// bounded size and the table keeps no addresses.
func emailKey(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:16])
}

// LimitEmail rate-limits submissions per e-mail address (an hour window):
// bulk sign-ups with one address are a sign of abuse.
func (s *Server) LimitEmail(c *fiber.Ctx, name, email string) error {
	if email == "" {
		return nil
	}
	limit := s.cfg.PublicRatePerMinute / 5
	if limit < 5 {
		limit = 5
	}
	ok, err := s.RateLimit(c, fmt.Sprintf("%s:email:%s", name, emailKey(email)), limit, time.Hour)
	if err != nil {
		return err
	}
	if !ok {
		return errRateLimited
	}
	return nil
}
