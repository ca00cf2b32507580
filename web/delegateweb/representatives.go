package delegateweb

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"scrutin/logistics/check"
	"scrutin/logistics/delegates"
	"scrutin/logistics/elections"
	"scrutin/logistics/insee"
	"scrutin/web"
)

// Representatives of the candidate or list per département, who sign the
// designation letters and are named on the prefecture summary:
//
//	GET    /api/v1/elections/{slug}/representatives                (staff, scoped)
//	PUT    /api/v1/elections/{slug}/representatives/{departement}  {"name": "..."}
//	DELETE /api/v1/elections/{slug}/representatives/{departement}
//
// and the form on the needs page (/staff/delegues/besoins). Admins act
// anywhere, organizers for a whole département of their scope (403
// outside it), viewers read.

func (m *module) representativesAPI(c *fiber.Ctx) error {
	ctx := c.UserContext()
	e, err := elections.BySlug(ctx, m.s.Pool, c.Params("slug"))
	if err != nil {
		return err
	}
	reps, err := delegates.Representatives(ctx, m.s.Pool, web.StaffUser(c), e.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"election": e.Slug, "candidate": e.Candidate, "representative": e.Representative, "representatives": reps})
}

func (m *module) setRepresentativeAPI(c *fiber.Ctx) error {
	var in delegates.RepresentativeInput
	if err := web.DecodeJSON(c, &in); err != nil {
		return err
	}
	// The path names what is changed; the body cannot widen it.
	in.Election, in.Departement = c.Params("slug"), c.Params("departement")
	rep, err := m.desk.SetRepresentative(c.UserContext(), web.StaffUser(c), in)
	if err != nil {
		return err
	}
	return c.JSON(rep)
}

func (m *module) removeRepresentativeAPI(c *fiber.Ctx) error {
	if err := m.desk.RemoveRepresentative(c.UserContext(), web.StaffUser(c), c.Params("slug"), c.Params("departement")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (m *module) representativeForm(c *fiber.Ctx) error {
	in := delegates.RepresentativeInput{Election: c.FormValue("election"), Departement: c.FormValue("departement"), Name: c.FormValue("name")}
	rep, err := m.desk.SetRepresentative(c.UserContext(), web.StaffUser(c), in)
	if err != nil {
		unknown := "Département inconnu : aucune de ses communes n'est importée."
		if insee.KnownCollectivity(strings.TrimSpace(in.Departement)) {
			unknown = "Collectivité inconnue : aucune de ses communes n'est importée."
		}
		return m.representativeError(c, err, unknown)
	}
	// A Pacific collectivity (987) is not called a département.
	return m.needsView(c, fiber.StatusOK, fiber.Map{"Notice": "Représentant·e enregistré·e pour " + areaWords(rep.Departement)["The"] + " : " + rep.Name + "."})
}

func (m *module) removeRepresentativeForm(c *fiber.Ctx) error {
	dep := c.FormValue("departement")
	area := areaWords(strings.ToUpper(strings.TrimSpace(dep)))
	if err := m.desk.RemoveRepresentative(c.UserContext(), web.StaffUser(c), c.FormValue("election"), dep); err != nil {
		return m.representativeError(c, err, capitalize(area["This"])+" n'a pas de représentant·e à retirer.")
	}
	return m.needsView(c, fiber.StatusOK, fiber.Map{"Notice": "Représentant·e retiré·e : le ou la représentant·e de l'élection signe à nouveau pour " + area["This"] + "."})
}

// capitalize is s with its first letter upper-cased ("cette" → "Cette").
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// representativeError shows a refused change next to the form's fields,
// with the status the API would answer (422, 403 outside the scope, 404).
func (m *module) representativeError(c *fiber.Ctx, err error, notFound string) error {
	var status int
	var msg string
	switch {
	case errors.Is(err, check.ErrForbidden):
		area := areaWords(strings.ToUpper(strings.TrimSpace(c.FormValue("departement"))))
		status, msg = fiber.StatusForbidden, capitalize(area["This"])+" est hors de votre périmètre : seul·e un·e administrateur·rice ou un·e organisateur·rice "+
			area["Whole"]+" peut en désigner le ou la représentant·e."
	case errors.Is(err, check.ErrNotFound):
		status, msg = fiber.StatusNotFound, notFound
	default:
		return m.needsError(c, err)
	}
	return m.needsView(c, status, fiber.Map{"Errors": check.Errors{"departement": msg}, "Summary": msg, "Form": web.FormValues(c)})
}
