package materialweb

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/materials"
	"scrutin/web"
)

// orderJSON is the answer to a placed order: no personal data echoed.
func orderJSON(o *materials.Order) fiber.Map {
	items := o.Lines
	if items == nil {
		items = []materials.Line{}
	}
	return fiber.Map{"id": o.ID, "status": o.Status, "status_label": o.Status.Label(), "items": items}
}

func (m *module) catalogAPI(c *fiber.Ctx) error {
	ctx := c.UserContext()
	e, err := materials.ResolveElection(ctx, m.s.Pool, c.Query("election"), "election", m.s.Now())
	if err != nil {
		return err
	}
	items, err := materials.Items(ctx, m.s.Pool, e.ID, web.StaffUser(c) == nil)
	if err != nil {
		return err
	}
	if u := web.StaffUser(c); u != nil {
		out := make([]materials.StaffEntry, len(items))
		for i := range items {
			out[i] = items[i].Staff(m.s.Now())
		}
		return c.JSON(fiber.Map{"election": e.Slug, "items": out})
	}
	out := make([]materials.CatalogEntry, len(items))
	for i := range items {
		out[i] = items[i].Entry(m.s.Now())
	}
	c.Set(fiber.HeaderCacheControl, "no-store") // "available" moves with every order
	return c.JSON(fiber.Map{"election": e.Slug, "items": out})
}

func (m *module) placeOptions() materials.PlaceOptions {
	return materials.PlaceOptions{Now: m.s.Now(), BaseURL: m.s.BaseURL()}
}

func (m *module) orderAPI(c *fiber.Ctx) error {
	var in materials.OrderInput
	if err := web.DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := m.s.LimitEmail(c, "material-order", strings.TrimSpace(in.Email)); err != nil {
		return err
	}
	p, err := materials.PlaceOrder(c.UserContext(), m.s.Pool, in, m.placeOptions())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(orderJSON(p.Order))
}

func (m *module) statusAPI(c *fiber.Ctx) error {
	o, err := materials.ByToken(c.UserContext(), m.s.Pool, c.Params("token"), m.s.Now())
	if err != nil {
		return err
	}
	out := orderJSON(o)
	out["tracking"] = o.Tracking
	out["cancellable"] = o.Status.Cancellable()
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

func (m *module) cancelAPI(c *fiber.Ctx) error {
	o, err := materials.CancelByToken(c.UserContext(), m.s.Pool, c.Params("token"), m.s.Now())
	if err != nil {
		return err
	}
	return c.JSON(orderJSON(o))
}

// itemView is one item on the order form, with its quantity field.
type itemView struct {
	*materials.Item
	Field     string // form field name = JSON error key
	InputID   string
	Value     string
	Error     string
	Orderable bool
	SoldOut   bool
	Rules     string // pack, minimum, maximum, price, cut-off in one sentence
}

func rules(it *materials.Item) string {
	price := "gratuit"
	if it.PriceCents > 0 {
		price = materials.Price(it.PriceCents) + " l'unité"
	}
	return fmt.Sprintf("Par paquets de %s : de %s à %s %s par personne, %s. Commande possible jusqu'au %s.",
		fr.Number(it.PackSize), fr.Number(it.MinPerPerson), fr.Number(it.MaxPerPerson), it.Unit,
		price, it.Cutoff.Format("02/01/2006"))
}

// orderView fills the order page: the catalog with what was typed and the
// messages next to each quantity.
func (m *module) orderView(c *fiber.Ctx, status int, e *elections.Election, data fiber.Map) error {
	data["Title"] = "Commander du matériel de campagne"
	if e == nil {
		// No slug and not exactly one open election: let the person choose
		// among the open ones, if any.
		all, err := elections.List(c.UserContext(), m.s.Pool)
		if err != nil {
			return err
		}
		var open []elections.Election
		for _, el := range all {
			if el.Open(m.s.Now()) {
				open = append(open, el)
			}
		}
		data["Closed"], data["Open"] = true, open
		return m.s.RenderStatus(c, status, "materials/order", data)
	}
	items, err := materials.Items(c.UserContext(), m.s.Pool, e.ID, true)
	if err != nil {
		return err
	}
	form, _ := data["Form"].(map[string]string)
	errs, _ := data["Errors"].(check.Errors)
	shown := map[string]bool{"name": true, "address": true, "postal_code": true, "commune_code": true,
		"email": true, "phone": true, "consent": true, "items": true}
	var views []itemView
	now := m.s.Now()
	for i := range items {
		it := &items[i]
		if !it.Orderable(now) {
			continue
		}
		v := itemView{Item: it, Field: materials.QuantityField(it.SKU), InputID: "q-" + it.SKU,
			Orderable: true, SoldOut: it.Available() < it.MinPerPerson, Rules: rules(it)}
		v.Value = form[v.Field]
		v.Error = errs[v.Field]
		shown[v.Field] = true
		views = append(views, v)
	}
	// Messages about fields the page does not show (an item withdrawn
	// meanwhile, the election) are listed at the top.
	var other []string
	for k, msg := range errs {
		if !shown[k] {
			other = append(other, msg)
		}
	}
	sort.Strings(other)
	data["Election"] = e
	data["Items"] = views
	data["OtherErrors"] = other
	return m.s.RenderStatus(c, status, "materials/order", data)
}

func (m *module) pageElection(c *fiber.Ctx, slug string) (*elections.Election, error) {
	e, err := materials.ResolveElection(c.UserContext(), m.s.Pool, slug, "election", m.s.Now())
	if _, ok := check.AsInvalid(err); ok {
		return nil, nil
	}
	return e, err
}

func (m *module) orderPage(c *fiber.Ctx) error {
	e, err := m.pageElection(c, c.Query("election"))
	if err != nil {
		return err
	}
	return m.orderView(c, fiber.StatusOK, e, fiber.Map{})
}

// orderFromForm builds the same input as the JSON body from the form. A
// quantity left empty or at 0 means "not ordered"; one that is not a
// number becomes -1, and one too large for a number the largest there is:
// the domain refuses both with its own message. The commune is as
// web.ReadCommune read it.
func orderFromForm(c *fiber.Ctx, place *web.FormPlace) materials.OrderInput {
	in := materials.OrderInput{
		Election:    c.FormValue("election"),
		Name:        c.FormValue("name"),
		Address:     c.FormValue("address"),
		PostalCode:  c.FormValue("postal_code"),
		CommuneCode: place.CommuneCode,
		Email:       c.FormValue("email"),
		Phone:       c.FormValue("phone"),
	}
	consent := c.FormValue("consent") == "oui"
	in.Consent = &consent
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		if !strings.HasPrefix(key, "items.") || !strings.HasSuffix(key, ".quantity") {
			return
		}
		sku := strings.TrimSuffix(strings.TrimPrefix(key, "items."), ".quantity")
		val := strings.Join(strings.Fields(string(v)), "")
		if val == "" || val == "0" {
			return
		}
		q, err := strconv.Atoi(val)
		if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(val, "-") {
			q = math.MaxInt
		} else if err != nil {
			q = -1
		}
		in.Items = append(in.Items, materials.OrderLine{SKU: sku, Quantity: q})
	})
	return in
}

func (m *module) orderForm(c *fiber.Ctx) error {
	e, err := m.pageElection(c, c.FormValue("election"))
	if err != nil {
		return err
	}
	// Honeypot: people never see this field, form-filling robots do. They
	// get the thank-you page and nothing is stored.
	if strings.TrimSpace(c.FormValue("site_web")) != "" {
		return m.s.Render(c, "materials/confirmation", fiber.Map{"Title": "Commande enregistrée"})
	}
	// Without script the commune comes as typed text (web.ReadCommune).
	// An empty one is the domain's to take from the postal code.
	form := web.FormValues(c)
	place, err := m.s.ReadCommune(c, form)
	if err != nil {
		return err
	}
	in := orderFromForm(c, place)
	// Choosing among the communes the text matches is a step of the form,
	// not an order: it takes nothing of the e-mail's limit.
	if !place.Asking() {
		if err := m.s.LimitEmail(c, "material-order", strings.TrimSpace(in.Email)); err != nil {
			return err
		}
	}
	p, err := materials.PlaceOrder(c.UserContext(), m.s.Pool, in, m.placeOptions())
	if err := place.Err(err); err != nil {
		inv, ok := check.AsInvalid(err)
		if !ok {
			return err
		}
		data := fiber.Map{"Form": form, "Errors": inv.Fields, "Summary": inv.Message()}
		if err := place.Show(c, data); err != nil {
			return err
		}
		return m.orderView(c, fiber.StatusUnprocessableEntity, e, data)
	}
	// Redirect after POST: reloading the thank-you page must not order
	// twice. It is the order's private page, the one the e-mail links to.
	return c.Redirect(materials.LinkPath(p.Token)+"?fait=commande", fiber.StatusSeeOther)
}

func (m *module) statusView(c *fiber.Ctx, status int, o *materials.Order, data fiber.Map) error {
	data["Title"] = "Votre commande de matériel"
	data["Order"] = o
	data["Token"] = c.Params("token")
	// The page carries the token in its URL: keep it out of any cache.
	return m.s.RenderStatus(c, status, "materials/status", data)
}

func (m *module) statusPage(c *fiber.Ctx) error {
	o, err := materials.ByToken(c.UserContext(), m.s.Pool, c.Params("token"), m.s.Now())
	if err != nil {
		return err
	}
	if c.Query("fait") == "commande" {
		// Just ordered (orderForm): the thank-you page.
		return m.s.Render(c, "materials/confirmation", fiber.Map{"Title": "Commande enregistrée", "Order": o})
	}
	return m.statusView(c, fiber.StatusOK, o, fiber.Map{})
}

func (m *module) cancelForm(c *fiber.Ctx) error {
	o, err := materials.CancelByToken(c.UserContext(), m.s.Pool, c.Params("token"), m.s.Now())
	var conflict *check.Conflict
	if errors.As(err, &conflict) {
		cur, lerr := materials.ByToken(c.UserContext(), m.s.Pool, c.Params("token"), m.s.Now())
		if lerr != nil {
			return lerr
		}
		return m.statusView(c, fiber.StatusConflict, cur, fiber.Map{"Summary": conflict.Msg})
	}
	if err != nil {
		return err
	}
	return m.statusView(c, fiber.StatusOK, o, fiber.Map{"Notice": "Votre commande est annulée. Un e-mail vous le confirme."})
}

func (m *module) picture(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	data, typ, err := materials.Picture(c.UserContext(), m.s.Pool, id)
	if err != nil {
		return err
	}
	// The type was sniffed at upload and is one of a few image types; the
	// sandbox CSP stops anything in it from running if opened directly.
	c.Set(fiber.HeaderContentType, typ)
	c.Set(fiber.HeaderContentDisposition, "inline")
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.Send(data)
}
