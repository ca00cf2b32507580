package web

import (
	"bytes"
	"context"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/check"
	"scrutin/logistics/places"
)

// importKind is one reference file admins can load.
type importKind struct {
	Value   string // form value and API path segment
	Label   string
	Added   string // how the counts read on the result page
	Updated string
	run     func(context.Context, *pgxpool.Pool, io.Reader, func(int)) (places.Report, error)
}

var importKinds = []importKind{
	{"communes", "Communes et codes postaux (base officielle de La Poste)", "communes ajoutées", "communes déjà connues, mises à jour", places.ImportCommunes},
	{"bureaux", "Bureaux de vote (table REU de l'Insee)", "bureaux ajoutés", "bureaux déjà connus, mis à jour", places.ImportBureaux},
}

func importKindOf(value string) (importKind, bool) {
	for _, k := range importKinds {
		if k.Value == value {
			return k, true
		}
	}
	return importKind{}, false
}

// shownProblems caps the skipped lines listed on the page; the API and the
// CLI list them all.
const shownProblems = 200

// importRoutes: the admin upload page for reference files (communes,
// bureaux) and its API twin, which takes the raw file as the body.
func (s *Server) importRoutes(api, pages fiber.Router) {
	pages.Get("/staff/import", s.RequireAdmin, s.importPage)
	pages.Post("/staff/import", s.RequireAdmin, s.importUpload)
	api.Post("/imports/:kind", s.RequireAdmin, s.importAPI)
}

func importData(form map[string]string) fiber.Map {
	return fiber.Map{"Title": "Import des données de référence", "Kinds": importKinds, "Form": form}
}

func (s *Server) importPage(c *fiber.Ctx) error {
	return s.Render(c, "staff/import", importData(map[string]string{}))
}

func (s *Server) importUpload(c *fiber.Ctx) error {
	form := map[string]string{"kind": c.FormValue("kind")}
	data := importData(form)
	errs := check.Errors{}
	kind, ok := importKindOf(form["kind"])
	if !ok {
		errs.Add("kind", "Choisissez le type de fichier.")
	}
	fh, err := c.FormFile("file")
	if err != nil || fh.Size == 0 {
		errs.Add("file", "Choisissez le fichier à importer.")
	}
	if err := errs.Err(); err != nil {
		return s.FormError(c, err, "staff/import", data)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := kind.run(places.WithActor(c.UserContext(), StaffUser(c).Actor()), s.Pool, f, nil)
	if err != nil {
		return s.FormError(c, err, "staff/import", data)
	}
	data["Kind"] = kind
	data["FileName"] = fh.Filename
	data["Report"] = rep
	data["Problems"] = rep.Problems[:min(len(rep.Problems), shownProblems)]
	data["MoreProblems"] = len(rep.Problems) - min(len(rep.Problems), shownProblems)
	return s.Render(c, "staff/import", data)
}

func (s *Server) importAPI(c *fiber.Ctx) error {
	kind, ok := importKindOf(c.Params("kind"))
	if !ok {
		return fiber.ErrNotFound
	}
	// The body is a raw file, which a cross-site form can send: unlike the
	// JSON API, this one does not take the session cookie, only a token.
	if !strings.HasPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ") {
		return c.Status(fiber.StatusUnauthorized).JSON(fiber.Map{"error": "Authentification requise : Authorization: Bearer JETON."})
	}
	rep, err := kind.run(places.WithActor(c.UserContext(), StaffUser(c).Actor()), s.Pool, bytes.NewReader(c.Body()), nil)
	if err != nil {
		return err
	}
	return c.JSON(rep)
}
