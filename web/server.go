// Package web is scrutin's HTTP face: French pages for voters, volunteers
// and staff, and the JSON API under /api/v1. Handlers parse input, call the
// logistics packages (which own rules and SQL) and render the result; the
// same domain function serves a form and its JSON twin.
package web

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/gofiber/template/html/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/templates"
)

//go:embed static
var staticFS embed.FS

// Config is what the web layer needs beyond the database.
type Config struct {
	BaseURL string // absolute URL for links in messages, e.g. https://scrutin.example.org
	// PublicRatePerMinute caps public submissions per client IP per minute
	// (and per e-mail per hour, at a fifth of it). 0 means the default.
	PublicRatePerMinute int
	SecureCookies       bool             // set when served over HTTPS
	TrustedProxies      []string         // reverse proxies whose X-Forwarded-For is believed
	Now                 func() time.Time // for tests; time.Now otherwise
	Logger              *slog.Logger
}

// Server holds the Fiber app and its dependencies.
type Server struct {
	App  *fiber.App
	Pool *pgxpool.Pool
	cfg  Config
	log  *slog.Logger
	// proxies are cfg.TrustedProxies, read (see ClientIP)
	proxies trustedProxies

	// dashboard sections contributed by each capability
	dashboard []dashboardSection
}

// Module adds one capability's API endpoints, pages and dashboard section.
// Capabilities live in their own packages (web/proxyweb, ...) and are
// wired by cmd/scrutin, so that web's core knows none of them.
type Module func(s *Server, api, pages fiber.Router)

// New builds the app with the core routes and those of each module.
func New(pool *pgxpool.Pool, cfg Config, modules ...Module) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PublicRatePerMinute <= 0 {
		cfg.PublicRatePerMinute = 30
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://127.0.0.1:8080"
	}
	s := &Server{Pool: pool, cfg: cfg, log: cfg.Logger, proxies: parseTrustedProxies(cfg.TrustedProxies, cfg.Logger)}

	sub, _ := fs.Sub(templates.FS, ".")
	engine := html.NewFileSystem(http.FS(sub), ".html")
	engine.AddFuncMap(templateFuncs())

	fcfg := fiber.Config{
		Views:                 engine,
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		BodyLimit:             16 << 20, // imports of reference files
		ReadTimeout:           60 * time.Second,
		WriteTimeout:          5 * time.Minute, // big exports stream for a while
		IdleTimeout:           2 * time.Minute,
	}
	if len(cfg.TrustedProxies) > 0 {
		fcfg.EnableTrustedProxyCheck = true
		fcfg.TrustedProxies = s.proxies.strings()
		// Not X-Forwarded-For, whose leftmost entry Fiber would return
		// as c.IP(): the client writes it. The clientIP middleware puts
		// the address worked out from the right under this header, so
		// that c.IP() agrees with ClientIP.
		fcfg.ProxyHeader = clientIPHeader
	}
	app := fiber.New(fcfg)
	s.App = app

	app.Use(recover.New())
	app.Use(s.clientIP) // before anything logs, limits or audits
	app.Use(requestid.New())
	app.Use(s.logRequests)
	app.Use(securityHeaders)
	staticSub, _ := fs.Sub(staticFS, "static")
	app.Get("/static/*", s.serveStatic(staticSub))
	app.Get("/healthz", s.healthz)
	app.Use(s.loadStaff)

	api := app.Group("/api/v1")
	pages := app.Group("", s.csrf())
	s.foundationRoutes(api, pages)
	s.placeRoutes(api, pages)
	s.electionRoutes(api, pages)
	for _, m := range modules {
		m(s, api, pages)
	}
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	return s
}

// Now is the server's clock.
func (s *Server) Now() time.Time { return s.cfg.Now() }

// BaseURL is the absolute prefix of links sent in messages.
func (s *Server) BaseURL() string { return s.cfg.BaseURL }

func (s *Server) healthz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.Pool.Ping(ctx); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "database unavailable"})
	}
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *Server) serveStatic(root fs.FS) fiber.Handler {
	return func(c *fiber.Ctx) error {
		name := c.Params("*")
		b, err := fs.ReadFile(root, name)
		if err != nil {
			return fiber.ErrNotFound
		}
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
		c.Type(extension(name))
		return c.Send(b)
	}
}

func extension(name string) string {
	for i := len(name) - 1; i >= 0 && name[i] != '/'; i-- {
		if name[i] == '.' {
			return name[i:]
		}
	}
	return ""
}
