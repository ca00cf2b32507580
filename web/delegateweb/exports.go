package delegateweb

import (
	"github.com/gofiber/fiber/v2"

	"scrutin/web"
)

// exportRoutes serves the delegate documents (see exports/delegates.go) to
// staff, viewers included: each one is scoped and audited by exports.Run
// behind s.SendExport. Path parameters win over the query string, so that
// "?commune=..." cannot widen a URL that names a commune.
//
//	GET /api/v1/exports/designations/{commune}.pdf?election=S[&round=N]
//	GET /api/v1/exports/credentials.pdf?commune=C|departement=D&election=S[&round=N]
//	GET /api/v1/exports/delegates.xlsx?election=S[&departement=D|&commune=C][&round=N]
//	GET /api/v1/exports/prefecture/{departement}.pdf?election=S[&round=N]
func exportRoutes(s *web.Server, api, pages fiber.Router) {
	send := func(name string, pathParams ...string) fiber.Handler {
		return func(c *fiber.Ctx) error {
			p := web.QueryParams(c)
			for _, k := range pathParams {
				p[k] = c.Params(k)
			}
			return s.SendExport(c, name, p)
		}
	}
	staff := s.RequireStaff(false)
	api.Get("/exports/designations/:commune.pdf", staff, send("designations", "commune"))
	api.Get("/exports/credentials.pdf", staff, send("credentials"))
	api.Get("/exports/delegates.xlsx", staff, send("delegates"))
	api.Get("/exports/prefecture/:departement.pdf", staff, send("prefecture", "departement"))
}
