package web

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

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

// safeNext keeps redirects after login on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/staff"
	}
	return next
}

func (s *Server) login(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	data := fiber.Map{"Title": "Connexion", "Next": safeNext(c.FormValue("next")), "Form": map[string]string{"email": email}}
	// Per IP and per account, so that neither a botnet on one account nor
	// one client on many accounts can guess passwords.
	for _, key := range []string{"login:ip:" + c.IP(), "login:email:" + emailKey(email)} {
		ok, err := s.RateLimit(c, key, 10, 15*time.Minute)
		if err != nil {
			return err
		}
		if !ok {
			data["Summary"] = "Trop de tentatives de connexion. Réessayez dans un quart d'heure."
			return s.RenderStatus(c, fiber.StatusTooManyRequests, "staff/login", data)
		}
	}
	u, err := staff.Authenticate(c.UserContext(), s.Pool, email, c.FormValue("password"))
	if errors.Is(err, staff.ErrBadCredentials) {
		data["Summary"] = "Adresse e-mail ou mot de passe incorrect."
		return s.RenderStatus(c, fiber.StatusUnauthorized, "staff/login", data)
	}
	if err != nil {
		return err
	}
	if old := c.Cookies(sessionCookie); old != "" {
		staff.EndSession(c.UserContext(), s.Pool, old)
	}
	sess, err := staff.NewSession(c.UserContext(), s.Pool, u.ID)
	if err != nil {
		return err
	}
	staff.Audit(c.UserContext(), s.Pool, u.Actor(), "staff.login", "staff_user", u.Email, map[string]any{"ip": c.IP()})
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: sess, Path: "/", HTTPOnly: true, SameSite: "Lax",
		Secure: s.cfg.SecureCookies, Expires: time.Now().Add(staff.SessionTTL)})
	return c.Redirect(safeNext(c.FormValue("next")), fiber.StatusSeeOther)
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
	Counts []DashboardCount
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
		blocks = append(blocks, dashboardBlock{Title: sec.Title, Link: sec.Link, Counts: counts})
	}
	return s.Render(c, "staff/dashboard", fiber.Map{"Title": "Tableau de bord", "Blocks": blocks})
}

func (s *Server) auditFilter(c *fiber.Ctx) staff.AuditFilter {
	return staff.AuditFilter{Entity: c.Query("entity"), EntityID: c.Query("entity_id"), Action: c.Query("action"), Limit: c.QueryInt("limit", 200)}
}

func (s *Server) auditPage(c *fiber.Ctx) error {
	f := s.auditFilter(c)
	entries, err := staff.AuditLog(c.UserContext(), s.Pool, f)
	if err != nil {
		return err
	}
	return s.Render(c, "staff/audit", fiber.Map{"Title": "Journal d'audit", "Entries": entries, "Filter": f})
}

func (s *Server) auditAPI(c *fiber.Ctx) error {
	entries, err := staff.AuditLog(c.UserContext(), s.Pool, s.auditFilter(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"entries": entries})
}
