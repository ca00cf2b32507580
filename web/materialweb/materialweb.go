// Package materialweb is the campaign-material capability's pages and API:
// the public catalog and order form (/materiel, /api/v1/catalog,
// /api/v1/material-orders), the private order page behind its link
// (/materiel/t/{token}), and the staff pages for the catalog, the orders,
// the batches and their exports (/staff/materiel...).
//
// Catalog changes are for admins only: items and their stock are national
// (one printer, one stock per election), while fulfilment (batches,
// shipments) is done by organizers within their scope.
package materialweb

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/materials"
	"scrutin/logistics/staff"
	"scrutin/web"
)

// Routes is the web.Module of the material capability.
func Routes(s *web.Server, api, pages fiber.Router) {
	m := &module{s: s}

	// Public.
	api.Get("/catalog", m.catalogAPI)
	api.Post("/material-orders", s.LimitPublic("material-order"), m.orderAPI)
	api.Get("/material-orders/t/:token", m.statusAPI)
	api.Post("/material-orders/t/:token/cancel", s.LimitPublic("material-cancel"), m.cancelAPI)
	pages.Get("/materiel", m.orderPage)
	pages.Post("/materiel", s.LimitPublic("material-order"), m.orderForm)
	pages.Get("/materiel/images/:id", m.picture)
	pages.Get("/materiel/t/:token", m.statusPage)
	pages.Post("/materiel/t/:token/annuler", s.LimitPublic("material-cancel"), m.cancelForm)

	// Catalog (admins change it, every staff member reads it).
	api.Post("/catalog", s.RequireAdmin, m.createItemAPI)
	api.Put("/catalog/:id", s.RequireAdmin, m.updateItemAPI)
	api.Delete("/catalog/:id", s.RequireAdmin, m.deleteItemAPI)
	api.Put("/catalog/:id/picture", s.RequireAdmin, m.pictureAPI)
	pages.Get("/staff/materiel", s.RequireStaff(false), m.catalogPage)
	pages.Get("/staff/materiel/articles/nouveau", s.RequireAdmin, m.newItemPage)
	pages.Post("/staff/materiel/articles", s.RequireAdmin, m.createItemForm)
	pages.Get("/staff/materiel/articles/:id", s.RequireStaff(false), m.itemPage)
	pages.Post("/staff/materiel/articles/:id", s.RequireAdmin, m.updateItemForm)
	pages.Post("/staff/materiel/articles/:id/supprimer", s.RequireAdmin, m.deleteItemForm)

	// Fulfilment (scoped).
	api.Get("/material-orders", s.RequireStaff(false), m.ordersAPI)
	api.Get("/material-orders/:id", s.RequireStaff(false), m.orderAPIStaff)
	api.Post("/material-orders/:id/shipped", s.RequireStaff(true), m.trackingAPI(materials.ShipOrder))
	api.Post("/material-orders/:id/tracking", s.RequireStaff(true), m.trackingAPI(materials.SetTracking))
	api.Post("/material-orders/:id/delivered", s.RequireStaff(true), m.deliverAPI)
	api.Post("/material-orders/:id/cancel", s.RequireStaff(true), m.staffCancelAPI)
	api.Get("/material-batches", s.RequireStaff(false), m.batchesAPI)
	api.Post("/material-batches", s.RequireStaff(true), m.createBatchAPI)
	api.Get("/material-batches/:id", s.RequireStaff(false), m.batchAPI)
	api.Post("/material-batches/:id/sent", s.RequireStaff(true), m.batchSentAPI)
	pages.Get("/staff/materiel/commandes", s.RequireStaff(false), m.ordersPage)
	pages.Get("/staff/materiel/commandes/:id", s.RequireStaff(false), m.staffOrderPage)
	pages.Post("/staff/materiel/commandes/:id/expediee", s.RequireStaff(true), m.trackingForm(materials.ShipOrder))
	pages.Post("/staff/materiel/commandes/:id/livree", s.RequireStaff(true), m.deliverForm)
	pages.Post("/staff/materiel/commandes/:id/suivi", s.RequireStaff(true), m.trackingForm(materials.SetTracking))
	pages.Post("/staff/materiel/commandes/:id/annuler", s.RequireStaff(true), m.staffCancelForm)
	pages.Get("/staff/materiel/lots", s.RequireStaff(false), m.batchesPage)
	pages.Post("/staff/materiel/lots", s.RequireStaff(true), m.createBatchForm)
	pages.Get("/staff/materiel/lots/:id", s.RequireStaff(false), m.batchPage)
	pages.Post("/staff/materiel/lots/:id/envoye", s.RequireStaff(true), m.batchSentForm)

	// Exports: the same registered documents as `scrutin export NAME`.
	for _, name := range ExportNames {
		api.Get("/exports/"+name, s.RequireStaff(false), func(c *fiber.Ctx) error {
			return s.SendExport(c, name, web.QueryParams(c))
		})
	}

	s.AddDashboard("Matériel de campagne", "/staff/materiel", m.dashboard)
}

// ExportNames are the material documents (see exports/materials.go).
var ExportNames = []string{"material-printer", "material-shipper", "material-slips", "material-labels"}

type module struct{ s *web.Server }

func (m *module) dashboard(ctx context.Context, u *staff.User) ([]web.DashboardCount, error) {
	ids, err := m.currentElections(ctx)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	counts, pending, err := materials.Counts(ctx, m.s.Pool, u.ScopeArg(), ids)
	if err != nil {
		return nil, err
	}
	out := []web.DashboardCount{{Label: "Commandes à préparer", Value: int64(pending), Alert: pending > 0}}
	for _, c := range counts {
		out = append(out,
			web.DashboardCount{Label: c.Name + " : commandés", Value: int64(c.Ordered)},
			web.DashboardCount{Label: c.Name + " : en stock", Value: int64(c.Available), Alert: c.Available == 0},
			web.DashboardCount{Label: c.Name + " : expédiés", Value: int64(c.Shipped)},
		)
	}
	return out, nil
}

// currentElections are the elections still open, or the latest one.
func (m *module) currentElections(ctx context.Context) ([]int64, error) {
	all, err := elections.List(ctx, m.s.Pool)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, e := range all {
		if e.Open(m.s.Now()) {
			ids = append(ids, e.ID)
		}
	}
	if len(ids) == 0 && len(all) > 0 {
		ids = append(ids, all[0].ID)
	}
	return ids, nil
}

// staffElection is the election a staff page is about: ?election=slug, else
// the only open one, else the latest. It also returns them all for the
// selector.
func (m *module) staffElection(c *fiber.Ctx) (*elections.Election, []elections.Election, error) {
	ctx := c.UserContext()
	all, err := elections.List(ctx, m.s.Pool)
	if err != nil {
		return nil, nil, err
	}
	if slug := strings.TrimSpace(c.Query("election")); slug != "" {
		for i := range all {
			if all[i].Slug == slug {
				return &all[i], all, nil
			}
		}
		return nil, nil, check.ErrNotFound
	}
	if e, err := elections.Resolve(ctx, m.s.Pool, "", "election", m.s.Now()); err == nil {
		return e, all, nil
	}
	if len(all) == 0 {
		return nil, all, nil
	}
	return &all[0], all, nil
}

func paramID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, check.ErrNotFound
	}
	return id, nil
}

// queryMap copies the query string for materials.ParseFilter.
func queryMap(c *fiber.Ctx) map[string]string {
	return map[string]string(web.QueryParams(c))
}
