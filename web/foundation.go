package web

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"scrutin/exports"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
)

// dashboardSection is one capability's block on the staff dashboard.
type dashboardSection struct {
	Title string
	Link  string // page with the details
	// Counts computes the figures for this staff member's scope.
	Counts func(ctx context.Context, u *staff.User) ([]DashboardCount, error)
}

// DashboardCount is one figure on the dashboard.
type DashboardCount struct {
	Label string
	Value int64
	Alert bool // shown in red (e.g. uncovered seats, requests waiting)
}

func (s *Server) AddDashboard(title, link string, counts func(ctx context.Context, u *staff.User) ([]DashboardCount, error)) {
	s.dashboard = append(s.dashboard, dashboardSection{Title: title, Link: link, Counts: counts})
}

func (s *Server) foundationRoutes(api, pages fiber.Router) {
	pages.Get("/", s.home)
	pages.Get("/connexion", s.loginPage)
	pages.Post("/connexion", s.login)
	pages.Post("/deconnexion", s.logout)
	pages.Get("/staff", s.RequireStaff(false), s.dashboardPage)
	pages.Get("/staff/journal", s.RequireAdmin, s.auditPage)
	api.Get("/audit", s.RequireAdmin, s.auditAPI)
	s.accountRoutes(api, pages)
}

func (s *Server) home(c *fiber.Ctx) error {
	return s.Render(c, "home", fiber.Map{"Title": "Accueil"})
}

func (s *Server) loginPage(c *fiber.Ctx) error {
	if StaffUser(c) != nil {
		return c.Redirect("/staff")
	}
	return s.Render(c, "staff/login", fiber.Map{"Title": "Connexion", "Next": safeNext(c.Query("next"))})
}

// safeNext keeps redirects after login on this site: next must be a path
// of it ("/staff/procurations?statut=open"), else the dashboard. Refused:
// anything with a scheme or a host, "//host" and "/\host" (which browsers
// read as "//host"), and any control character, which browsers drop from a
// Location ("/\t/evil.example" would become "//evil.example") or which
// would end the header (CR, LF).
func safeNext(next string) string {
	const fallback = "/staff"
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return fallback
	}
	for i := 0; i < len(next); i++ {
		if b := next[i]; b < 0x20 || b == 0x7f {
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return fallback
	}
	return next
}

// Login attempts allowed per client IP and per account in a window. Only
// wrong passwords use them up: staff behind one office NAT may log in as
// often as they like, while guesses stay limited.
const (
	loginLimit  = 10
	loginWindow = 15 * time.Minute
)

func (s *Server) login(c *fiber.Ctx) error {
	ctx := c.UserContext()
	email := strings.TrimSpace(c.FormValue("email"))
	data := fiber.Map{"Title": "Connexion", "Next": safeNext(c.FormValue("next")), "Form": map[string]string{"email": email}}
	// Per IP and per account, so that neither a botnet on one account nor
	// one client on many accounts can guess passwords. Every attempt takes
	// its hit before the password is tested, so that parallel guesses
	// cannot all slip under the limit, and gives it back unless the
	// password turns out wrong: only failed attempts count.
	var taken []string
	wrongPassword := false
	defer func() {
		if wrongPassword {
			return
		}
		// A hit not given back only brings the limit nearer: no reason to
		// fail a login that went through.
		for _, key := range taken {
			if err := s.uncount(ctx, key); err != nil {
				s.log.Warn("login rate limit: hit not given back", "err", err)
			}
		}
	}()
	for _, key := range []string{"login:ip:" + ClientIP(c), "login:email:" + emailKey(email)} {
		ok, err := s.RateLimit(c, key, loginLimit, loginWindow)
		if err != nil {
			return err
		}
		taken = append(taken, key)
		if !ok {
			data["Summary"] = "Trop de tentatives de connexion. Réessayez dans un quart d'heure."
			return s.RenderStatus(c, fiber.StatusTooManyRequests, "staff/login", data)
		}
	}
	u, err := staff.Authenticate(ctx, s.Pool, email, c.FormValue("password"))
	if errors.Is(err, staff.ErrBadCredentials) {
		wrongPassword = true
		data["Summary"] = "Adresse e-mail ou mot de passe incorrect."
		return s.RenderStatus(c, fiber.StatusUnauthorized, "staff/login", data)
	}
	if err != nil {
		return err
	}
	// The session and its audit row together, or neither: no login goes
	// unrecorded.
	var sess string
	err = pgdb.Tx(ctx, s.Pool, func(tx pgx.Tx) error {
		var err error
		if sess, err = staff.NewSession(ctx, tx, u.ID); err != nil {
			return err
		}
		return staff.Audit(ctx, tx, u.Actor(), "staff.login", "staff_user", u.Email, map[string]any{"ip": ClientIP(c)})
	})
	if err != nil {
		return err
	}
	s.startSession(c, sess)
	return c.Redirect(safeNext(c.FormValue("next")), fiber.StatusSeeOther)
}

// startSession logs the browser in with the new session sess (the login
// form's or an invitation's), ending the one its cookie held before.
func (s *Server) startSession(c *fiber.Ctx, sess string) {
	if old := c.Cookies(sessionCookie); old != "" {
		staff.EndSession(c.UserContext(), s.Pool, old)
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: sess, Path: "/", HTTPOnly: true, SameSite: "Lax",
		Secure: s.cfg.SecureCookies, Expires: time.Now().Add(staff.SessionTTL)})
}

func (s *Server) logout(c *fiber.Ctx) error {
	if v := c.Cookies(sessionCookie); v != "" {
		if err := staff.EndSession(c.UserContext(), s.Pool, v); err != nil {
			return err
		}
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", HTTPOnly: true, SameSite: "Lax",
		Secure: s.cfg.SecureCookies, Expires: time.Unix(0, 0)})
	return c.Redirect("/", fiber.StatusSeeOther)
}

type dashboardBlock struct {
	Title  string
	Link   string
	Counts []dashboardFigure
}

// dashboardFigure is a DashboardCount as the page shows it: its value an
// int for the num template helper (thousands apart, "19 900", as on every
// other page).
type dashboardFigure struct {
	Label string
	Value int
	Alert bool
}

func (s *Server) dashboardPage(c *fiber.Ctx) error {
	u := StaffUser(c)
	var blocks []dashboardBlock
	for _, sec := range s.dashboard {
		counts, err := sec.Counts(c.UserContext(), u)
		if err != nil {
			return err
		}
		if counts == nil {
			continue // not for this staff member (e.g. admin-only sections)
		}
		figures := make([]dashboardFigure, len(counts))
		for i, c := range counts {
			figures[i] = dashboardFigure{Label: c.Label, Value: int(c.Value), Alert: c.Alert}
		}
		blocks = append(blocks, dashboardBlock{Title: sec.Title, Link: sec.Link, Counts: figures})
	}
	return s.Render(c, "staff/dashboard", fiber.Map{"Title": "Tableau de bord", "Blocks": blocks})
}

// auditPageSize is the journal's default page.
const auditPageSize = 200

// auditFilter reads the journal's filters from the query string (page and
// API share the names: entity, entity_id, action, limit, and the cursor
// before: the next_before of the previous page).
func (s *Server) auditFilter(c *fiber.Ctx) staff.AuditFilter {
	f := staff.AuditFilter{Entity: c.Query("entity"), EntityID: c.Query("entity_id"), Action: c.Query("action"), Limit: c.QueryInt("limit", auditPageSize)}
	f.Before, _ = strconv.ParseInt(c.Query("before"), 10, 64)
	return f
}

// auditURL is the journal with filter f from the cursor before (0: the
// newest entries).
func auditURL(f staff.AuditFilter, before int64) string {
	q := url.Values{}
	for k, v := range map[string]string{"entity": f.Entity, "entity_id": f.EntityID, "action": f.Action} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Limit != auditPageSize {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if before > 0 {
		q.Set("before", strconv.FormatInt(before, 10))
	}
	if len(q) == 0 {
		return "/staff/journal"
	}
	return "/staff/journal?" + q.Encode()
}

func (s *Server) auditPage(c *fiber.Ctx) error {
	f := s.auditFilter(c)
	page, err := staff.AuditLogPage(c.UserContext(), s.Pool, f)
	if err != nil {
		return err
	}
	// Each action in French, an export named by its title in the registry
	// (exports.ActionLabel), rows written before it had one included.
	type entry struct {
		staff.AuditEntry
		ActionLabel string // in place of AuditEntry's, which knows no export
	}
	entries := make([]entry, len(page.Entries))
	for i, e := range page.Entries {
		entries[i] = entry{e, exports.ActionLabel(e.Action)}
	}
	data := fiber.Map{"Title": "Journal d'audit", "Entries": entries, "Filter": f}
	if page.NextBefore != 0 {
		data["OlderURL"] = auditURL(f, page.NextBefore)
	}
	if f.Before > 0 {
		data["NewestURL"] = auditURL(f, 0)
	}
	return s.Render(c, "staff/audit", data)
}

func (s *Server) auditAPI(c *fiber.Ctx) error {
	page, err := staff.AuditLogPage(c.UserContext(), s.Pool, s.auditFilter(c))
	if err != nil {
		return err
	}
	return c.JSON(page)
}
