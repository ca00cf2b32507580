package materialweb

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/exports"
	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/materials"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
	"scrutin/web"
)

const perPage = 100

// orderFilter reads the orders' filter (materials.ParseFilter), then the
// département as the proxy and delegate lists do (places.CheckArea): one
// outside the reader's scope is a *places.OutOfScope (403), not an empty
// list; a code that is not one stays a *check.Invalid (422).
func (m *module) orderFilter(c *fiber.Ctx, q map[string]string) (materials.Filter, error) {
	f, _, err := materials.ParseFilter(c.UserContext(), m.s.Pool, q, m.s.Now())
	if err != nil {
		return f, err
	}
	if f.Departement, _, err = places.CheckArea(web.StaffUser(c), f.Departement, ""); err != nil {
		return f, err
	}
	return f, nil
}

func (m *module) ordersAPI(c *fiber.Ctx) error {
	f, err := m.orderFilter(c, queryMap(c))
	if err != nil {
		return web.RefuseOutOfScope(c, err, "") // filtered by département only
	}
	f.Limit, f.Offset = materials.PageLimit(c.QueryInt("limit", perPage)), max(c.QueryInt("offset", 0), 0)
	orders, total, err := materials.ListOrders(c.UserContext(), m.s.Pool, web.StaffUser(c).ScopeArg(), f)
	if err != nil {
		return err
	}
	if err := m.s.AuditListRead(c, "material_orders", len(orders)); err != nil {
		return err
	}
	if orders == nil {
		orders = []materials.Order{}
	}
	return c.JSON(fiber.Map{"orders": orders, "total": total, "limit": f.Limit, "offset": f.Offset})
}

func (m *module) orderAPIStaff(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	o, err := materials.OrderByID(c.UserContext(), m.s.Pool, web.StaffUser(c).ScopeArg(), id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

// trackedOrder is an order action that takes a carrier's tracking number
// (materials.ShipOrder, materials.SetTracking).
type trackedOrder func(ctx context.Context, pool *pgxpool.Pool, u *staff.User, id int64, tracking string) (*materials.Order, error)

// trackingAPI runs act with the body's {"tracking": "…"} (the body may be
// empty).
func (m *module) trackingAPI(act trackedOrder) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		var in struct {
			Tracking string `json:"tracking"`
		}
		if len(c.Body()) > 0 {
			if err := web.DecodeJSON(c, &in); err != nil {
				return err
			}
		}
		o, err := act(c.UserContext(), m.s.Pool, web.StaffUser(c), id, in.Tracking)
		if err != nil {
			return err
		}
		return c.JSON(o)
	}
}

func (m *module) deliverAPI(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	o, err := materials.DeliverOrder(c.UserContext(), m.s.Pool, web.StaffUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (m *module) staffCancelAPI(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	o, err := materials.CancelOrder(c.UserContext(), m.s.Pool, web.StaffUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (m *module) batchesAPI(c *fiber.Ctx) error {
	e, err := materials.ResolveElection(c.UserContext(), m.s.Pool, c.Query("election"), "election", m.s.Now())
	if err != nil {
		return err
	}
	bs, err := materials.Batches(c.UserContext(), m.s.Pool, web.StaffUser(c).ScopeArg(), e.ID)
	if err != nil {
		return err
	}
	if bs == nil {
		bs = []materials.Batch{}
	}
	return c.JSON(fiber.Map{"batches": bs})
}

func (m *module) createBatchAPI(c *fiber.Ctx) error {
	var in materials.BatchInput
	if err := web.DecodeJSON(c, &in); err != nil {
		return err
	}
	b, err := materials.CreateBatch(c.UserContext(), m.s.Pool, web.StaffUser(c), in, m.s.Now())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(b)
}

func (m *module) batchAPI(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	scope := web.StaffUser(c).ScopeArg()
	b, err := materials.BatchByID(c.UserContext(), m.s.Pool, scope, id)
	if err != nil {
		return err
	}
	rows, err := materials.PrinterRows(c.UserContext(), m.s.Pool, scope, materials.Filter{BatchID: id, NotCancelled: true})
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []materials.PrinterRow{}
	}
	return c.JSON(fiber.Map{"batch": b, "printer": rows})
}

func (m *module) batchSentAPI(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	n, err := materials.MarkBatchSent(c.UserContext(), m.s.Pool, web.StaffUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"shipped": n})
}

// Pages.

func (m *module) ordersPage(c *fiber.Ctx) error {
	e, all, err := m.staffElection(c)
	if err != nil {
		return err
	}
	q := queryMap(c)
	data := fiber.Map{"Title": "Commandes de matériel", "Election": e, "Elections": all, "Query": q,
		"Statuses": materials.Statuses}
	if e == nil {
		return m.s.Render(c, "materials/staff_orders", data)
	}
	q["election"] = e.Slug
	items, err := materials.Items(c.UserContext(), m.s.Pool, e.ID, false)
	if err != nil {
		return err
	}
	data["Items"] = items
	f, err := m.orderFilter(c, q)
	var outside *places.OutOfScope
	if inv, ok := check.AsInvalid(err); ok {
		data["Errors"], data["Summary"] = inv.Fields, inv.Message()
		return m.s.RenderStatus(c, fiber.StatusUnprocessableEntity, "materials/staff_orders", data)
	} else if errors.As(err, &outside) {
		// The reason, the filter form kept; no list, no documents.
		data["Summary"] = outside.Message
		return m.s.RenderStatus(c, fiber.StatusForbidden, "materials/staff_orders", data)
	} else if err != nil {
		return err
	}
	// Bounded so that the offset cannot overflow: no list is that long.
	page := min(max(c.QueryInt("page", 1), 1), 1_000_000)
	f.Limit, f.Offset = perPage, (page-1)*perPage
	orders, total, err := materials.ListOrders(c.UserContext(), m.s.Pool, web.StaffUser(c).ScopeArg(), f)
	if err != nil {
		return err
	}
	data["Orders"], data["Total"], data["Page"] = orders, total, page
	if page > 1 {
		data["Prev"] = web.PageLink(c, q, page-1)
	}
	if page*perPage < total {
		data["Next"] = web.PageLink(c, q, page+1)
	}
	data["Exports"] = exportLinks(q)
	return m.s.Render(c, "materials/staff_orders", data)
}

// exportLink is a link to a document in the staff pages.
type exportLink struct {
	Label string
	Href  template.URL // built from url.Values: safe as is
}

// exportLinks carry a list's filters (or a batch) to the four documents.
func exportLinks(q map[string]string) []exportLink {
	v := url.Values{}
	for _, k := range exports.MaterialParams {
		if q[k] != "" {
			v.Set(k, q[k])
		}
	}
	labels := map[string]string{"material-printer": "imprimeur (Excel)", "material-shipper": "transporteur (Excel)",
		"material-slips": "bordereaux de colisage (PDF)", "material-labels": "étiquettes d'adresse (PDF)"}
	out := make([]exportLink, len(ExportNames))
	for i, name := range ExportNames {
		out[i] = exportLink{Label: labels[name], Href: template.URL("/api/v1/exports/" + name + "?" + v.Encode())}
	}
	return out
}

func (m *module) staffOrderView(c *fiber.Ctx, status int, id int64, data fiber.Map) error {
	o, err := materials.OrderByID(c.UserContext(), m.s.Pool, web.StaffUser(c).ScopeArg(), id)
	if err != nil {
		return err
	}
	e, err := elections.ByID(c.UserContext(), m.s.Pool, o.ElectionID)
	if err != nil {
		return err
	}
	data["Title"] = fmt.Sprintf("Commande n° %d", o.ID)
	data["Order"], data["Election"] = o, e
	if w, ok := o.WeightG(); ok {
		data["Weight"] = materials.Kilograms(w)
	}
	return m.s.RenderStatus(c, status, "materials/staff_order", data)
}

func (m *module) staffOrderPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	return m.staffOrderView(c, fiber.StatusOK, id, fiber.Map{})
}

// orderAction runs a staff action from the order page and shows the page
// again, with the message of a refusal if any.
func (m *module) orderAction(c *fiber.Ctx, act func(id int64) error) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := act(id); err != nil {
		return m.formError(c, err, func(data fiber.Map) error {
			data["Form"] = web.FormValues(c)
			status := fiber.StatusUnprocessableEntity
			if _, ok := data["Errors"]; !ok {
				status = fiber.StatusConflict
			}
			return m.staffOrderView(c, status, id, data)
		})
	}
	return c.Redirect(fmt.Sprintf("/staff/materiel/commandes/%d", id), fiber.StatusSeeOther)
}

// trackingForm runs act with the form's tracking number, from the order's
// page.
func (m *module) trackingForm(act trackedOrder) fiber.Handler {
	return func(c *fiber.Ctx) error {
		return m.orderAction(c, func(id int64) error {
			_, err := act(c.UserContext(), m.s.Pool, web.StaffUser(c), id, c.FormValue("tracking"))
			return err
		})
	}
}

func (m *module) deliverForm(c *fiber.Ctx) error {
	return m.orderAction(c, func(id int64) error {
		_, err := materials.DeliverOrder(c.UserContext(), m.s.Pool, web.StaffUser(c), id)
		return err
	})
}

func (m *module) staffCancelForm(c *fiber.Ctx) error {
	return m.orderAction(c, func(id int64) error {
		_, err := materials.CancelOrder(c.UserContext(), m.s.Pool, web.StaffUser(c), id)
		return err
	})
}

func (m *module) batchesView(c *fiber.Ctx, status int, data fiber.Map) error {
	e, all, err := m.staffElection(c)
	if err != nil {
		return err
	}
	data["Title"], data["Election"], data["Elections"] = "Lots d'expédition", e, all
	if e != nil {
		scope := web.StaffUser(c).ScopeArg()
		bs, err := materials.Batches(c.UserContext(), m.s.Pool, scope, e.ID)
		if err != nil {
			return err
		}
		pending, err := materials.PrinterRows(c.UserContext(), m.s.Pool, scope, materials.Filter{ElectionID: e.ID, Status: materials.Pending})
		if err != nil {
			return err
		}
		items, err := materials.Items(c.UserContext(), m.s.Pool, e.ID, false)
		if err != nil {
			return err
		}
		data["Batches"], data["PendingRows"], data["Items"] = bs, pending, items
	}
	return m.s.RenderStatus(c, status, "materials/staff_batches", data)
}

func (m *module) batchesPage(c *fiber.Ctx) error {
	return m.batchesView(c, fiber.StatusOK, fiber.Map{})
}

func (m *module) createBatchForm(c *fiber.Ctx) error {
	in := materials.BatchInput{Election: c.FormValue("election"), Departement: c.FormValue("departement"), SKU: c.FormValue("sku")}
	b, err := materials.CreateBatch(c.UserContext(), m.s.Pool, web.StaffUser(c), in, m.s.Now())
	if err != nil {
		return m.formError(c, err, func(data fiber.Map) error {
			data["Form"] = web.FormValues(c)
			c.Request().URI().QueryArgs().Set("election", in.Election)
			return m.batchesView(c, fiber.StatusUnprocessableEntity, data)
		})
	}
	return c.Redirect(fmt.Sprintf("/staff/materiel/lots/%d", b.ID), fiber.StatusSeeOther)
}

// batchLines is how many parcels the batch page lists; the documents hold
// them all.
const batchLines = 500

func (m *module) batchView(c *fiber.Ctx, status int, id int64, data fiber.Map) error {
	ctx := c.UserContext()
	u := web.StaffUser(c)
	scope := u.ScopeArg()
	b, err := materials.BatchByID(ctx, m.s.Pool, scope, id)
	if err != nil {
		return err
	}
	if b.SentAt == nil && u.CanAct() {
		// Marking the batch sent is for staff covering all its orders (see
		// materials.MarkBatchSent): the others are told why, with a count
		// of the orders beyond their scope and nothing else of them.
		outside, err := materials.BatchOutOfScope(ctx, m.s.Pool, scope, id)
		if err != nil {
			return err
		}
		data["CanMarkSent"], data["OutOfScope"] = outside == 0, outside
	}
	if n, ok := data["Shipped"].(int); ok {
		data["Notice"] = batchSentNotice(n, b)
	}
	e, err := elections.ByID(ctx, m.s.Pool, b.ElectionID)
	if err != nil {
		return err
	}
	rows, err := materials.PrinterRows(ctx, m.s.Pool, scope, materials.Filter{BatchID: id, NotCancelled: true})
	if err != nil {
		return err
	}
	// Cancelled orders make no parcel (the shipper's export leaves them out).
	parcels, total, err := materials.ListOrders(ctx, m.s.Pool, scope, materials.Filter{BatchID: id, NotCancelled: true, Limit: batchLines})
	if err != nil {
		return err
	}
	data["Title"] = fmt.Sprintf("Lot n° %d", b.ID)
	data["Batch"], data["Election"], data["PrinterRows"], data["Parcels"], data["ParcelTotal"] = b, e, rows, parcels, total
	data["Exports"] = exportLinks(map[string]string{"batch": strconv.FormatInt(b.ID, 10)})
	return m.s.RenderStatus(c, status, "materials/staff_batch", data)
}

func (m *module) batchPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	data := fiber.Map{}
	if n, err := strconv.Atoi(c.Query("expediees")); err == nil && n >= 0 {
		data["Shipped"] = n
	}
	return m.batchView(c, fiber.StatusOK, id, data)
}

// batchSentNotice is the notice after marking batch b sent, which shipped
// n of its orders: those n people are told, nobody else.
func batchSentNotice(n int, b *materials.Batch) string {
	switch n {
	case 0:
		done := "expédiées"
		if b.Cancelled > 0 {
			done = "expédiées ou annulées"
		}
		return "Lot marqué comme envoyé : toutes ses commandes avaient déjà été " + done + ", personne n'est prévenu à nouveau."
	case 1:
		return "Lot marqué comme envoyé : 1 commande expédiée, la personne est prévenue."
	}
	return "Lot marqué comme envoyé : " + fr.Count(n, "commande expédiée", "commandes expédiées") + ", les destinataires sont prévenus."
}

func (m *module) batchSentForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	n, err := materials.MarkBatchSent(c.UserContext(), m.s.Pool, web.StaffUser(c), id)
	if errors.Is(err, check.ErrForbidden) && web.StaffUser(c).CanAct() {
		// The batch holds orders beyond the staff member's scope (a page
		// opened before would not offer the button): the page says so.
		return m.batchView(c, fiber.StatusForbidden, id, fiber.Map{
			"Summary": "Accès refusé : ce lot contient des commandes hors de votre périmètre."})
	}
	if err != nil {
		return m.formError(c, err, func(data fiber.Map) error {
			return m.batchView(c, fiber.StatusConflict, id, data)
		})
	}
	return c.Redirect(fmt.Sprintf("/staff/materiel/lots/%d?expediees=%d", id, n), fiber.StatusSeeOther)
}
