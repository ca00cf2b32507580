package materialweb

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/materials"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
	"scrutin/web"
)

// saveItem is the one path behind the catalog API and forms: the change,
// the picture (if any) and the audit row in one transaction. id 0 creates.
func (m *module) saveItem(c *fiber.Ctx, id int64, in materials.ItemInput, picture []byte, dropPicture bool) (*materials.Item, error) {
	ctx := c.UserContext()
	var it *materials.Item
	err := pgdb.Tx(ctx, m.s.Pool, func(tx pgx.Tx) error {
		var err error
		action := "material_item.update"
		if id == 0 {
			action = "material_item.create"
			it, err = materials.CreateItem(ctx, tx, in, m.s.Now())
		} else {
			it, err = materials.UpdateItem(ctx, tx, id, in)
		}
		if err != nil {
			return err
		}
		if len(picture) > 0 || dropPicture {
			if err := materials.SetPicture(ctx, tx, it.ID, picture); err != nil {
				return err
			}
			if it, err = materials.ItemByID(ctx, tx, it.ID); err != nil {
				return err
			}
		}
		return staff.Audit(ctx, tx, web.StaffUser(c).Actor(), action, "material_item", fmt.Sprint(it.ID),
			map[string]any{"sku": it.SKU, "stock": it.Stock})
	})
	return it, err
}

func (m *module) createItemAPI(c *fiber.Ctx) error {
	var in materials.ItemInput
	if err := web.DecodeJSON(c, &in); err != nil {
		return err
	}
	it, err := m.saveItem(c, 0, in, nil, false)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(it.Staff(m.s.Now()))
}

func (m *module) updateItemAPI(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	var in materials.ItemInput
	if err := web.DecodeJSON(c, &in); err != nil {
		return err
	}
	it, err := m.saveItem(c, id, in, nil, false)
	if err != nil {
		return err
	}
	return c.JSON(it.Staff(m.s.Now()))
}

func (m *module) deleteItem(c *fiber.Ctx, id int64) error {
	ctx := c.UserContext()
	return pgdb.Tx(ctx, m.s.Pool, func(tx pgx.Tx) error {
		it, err := materials.ItemByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := materials.DeleteItem(ctx, tx, id); err != nil {
			return err
		}
		return staff.Audit(ctx, tx, web.StaffUser(c).Actor(), "material_item.delete", "material_item", fmt.Sprint(id), map[string]any{"sku": it.SKU})
	})
}

func (m *module) deleteItemAPI(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := m.deleteItem(c, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// pictureAPI takes the image as the raw request body (an empty body
// removes it).
func (m *module) pictureAPI(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	err = pgdb.Tx(ctx, m.s.Pool, func(tx pgx.Tx) error {
		if err := materials.SetPicture(ctx, tx, id, c.Body()); err != nil {
			return err
		}
		return staff.Audit(ctx, tx, web.StaffUser(c).Actor(), "material_item.picture", "material_item", fmt.Sprint(id), nil)
	})
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// itemFields are the catalog form's fields (the JSON names).
var itemFields = []string{"election", "sku", "name", "description", "unit", "min_per_person", "pack_size",
	"max_per_person", "stock", "price_cents", "unit_weight_g", "cutoff_date", "active"}

// formInt reads a whole number typed in a form: "" is 0, and anything
// that is not a number is -1 so that the domain's "positive number"
// message applies.
func formInt(s string) int {
	s = strings.Join(strings.Fields(s), "")
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

func itemFromForm(c *fiber.Ctx) (materials.ItemInput, map[string]string) {
	form := map[string]string{}
	for _, k := range itemFields {
		form[k] = c.FormValue(k)
	}
	active := form["active"] == "oui"
	in := materials.ItemInput{
		Election: form["election"], SKU: form["sku"], Name: form["name"], Description: form["description"],
		Unit: form["unit"], MinPerPerson: formInt(form["min_per_person"]), PackSize: formInt(form["pack_size"]),
		MaxPerPerson: formInt(form["max_per_person"]), Stock: formInt(form["stock"]),
		PriceCents: formInt(form["price_cents"]), CutoffDate: form["cutoff_date"], Active: &active,
	}
	if w := strings.TrimSpace(strings.Replace(form["unit_weight_g"], ",", ".", 1)); w != "" {
		g, err := strconv.ParseFloat(w, 64)
		if err != nil {
			g = -1
		}
		in.UnitWeightG = &g
	}
	return in, form
}

// uploadedPicture reads the picture field of a multipart form, refusing
// big files before reading them.
func uploadedPicture(c *fiber.Ctx) ([]byte, error) {
	fh, err := c.FormFile("picture")
	if err != nil || fh.Size == 0 {
		return nil, nil // no file chosen
	}
	if fh.Size > materials.MaxPictureBytes {
		return nil, check.Field("picture", fmt.Sprintf("L'image est trop lourde (%d Ko au plus).", materials.MaxPictureBytes/1024))
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, materials.MaxPictureBytes+1))
}

func itemForm(it *materials.Item, slug string) map[string]string {
	f := map[string]string{
		"election": slug, "sku": it.SKU, "name": it.Name, "description": it.Description, "unit": it.Unit,
		"min_per_person": strconv.Itoa(it.MinPerPerson), "pack_size": strconv.Itoa(it.PackSize),
		"max_per_person": strconv.Itoa(it.MaxPerPerson), "stock": strconv.Itoa(it.Stock),
		"price_cents": strconv.Itoa(it.PriceCents), "cutoff_date": it.Cutoff.Format("2006-01-02"), "active": "",
	}
	if it.Active {
		f["active"] = "oui"
	}
	if it.UnitWeightG > 0 {
		f["unit_weight_g"] = strconv.FormatFloat(it.UnitWeightG, 'f', -1, 64)
	}
	return f
}

func (m *module) catalogPage(c *fiber.Ctx) error {
	e, all, err := m.staffElection(c)
	if err != nil {
		return err
	}
	data := fiber.Map{"Title": "Matériel de campagne", "Election": e, "Elections": all}
	if e != nil {
		items, err := materials.Items(c.UserContext(), m.s.Pool, e.ID, false)
		if err != nil {
			return err
		}
		counts, pending, err := materials.Counts(c.UserContext(), m.s.Pool, web.StaffUser(c).ScopeArg(), []int64{e.ID})
		if err != nil {
			return err
		}
		data["Items"], data["Counts"], data["Pending"] = items, counts, pending
	}
	return m.s.Render(c, "materials/staff_catalog", data)
}

func (m *module) itemView(c *fiber.Ctx, status int, e *elections.Election, it *materials.Item, data fiber.Map) error {
	data["Election"] = e
	data["Item"] = it
	// Only admins change the catalog (the POST routes are RequireAdmin):
	// viewers and organizers get the same page, read-only.
	data["CanEdit"] = web.StaffUser(c).IsAdmin()
	if it == nil {
		data["Title"] = "Nouvel article"
		data["Action"] = "/staff/materiel/articles"
	} else {
		data["Title"] = it.Name
		data["Action"] = fmt.Sprintf("/staff/materiel/articles/%d", it.ID)
	}
	return m.s.RenderStatus(c, status, "materials/staff_item", data)
}

func (m *module) newItemPage(c *fiber.Ctx) error {
	e, _, err := m.staffElection(c)
	if err != nil {
		return err
	}
	if e == nil {
		return check.ErrNotFound
	}
	form := map[string]string{"election": e.Slug, "pack_size": "1", "min_per_person": "1", "price_cents": "0", "active": "oui"}
	if len(e.Rounds) > 0 {
		form["cutoff_date"] = e.Rounds[0].Date.AddDate(0, 0, -7).Format("2006-01-02")
	}
	return m.itemView(c, fiber.StatusOK, e, nil, fiber.Map{"Form": form})
}

func (m *module) createItemForm(c *fiber.Ctx) error {
	in, form := itemFromForm(c)
	picture, err := uploadedPicture(c)
	if err == nil {
		if _, err = m.saveItem(c, 0, in, picture, false); err == nil {
			return c.Redirect(fmt.Sprintf("/staff/materiel?election=%s", urlQuery(in.Election)), fiber.StatusSeeOther)
		}
	}
	e, _ := elections.BySlug(c.UserContext(), m.s.Pool, strings.TrimSpace(in.Election))
	return m.formError(c, err, func(data fiber.Map) error {
		data["Form"] = form
		return m.itemView(c, fiber.StatusUnprocessableEntity, e, nil, data)
	})
}

// formError re-renders a page with the messages of an *check.Invalid or a
// *check.Conflict; other errors go to the error handler.
func (m *module) formError(c *fiber.Ctx, err error, render func(data fiber.Map) error) error {
	data := fiber.Map{}
	if inv, ok := check.AsInvalid(err); ok {
		data["Errors"], data["Summary"] = inv.Fields, inv.Message()
		return render(data)
	}
	var conflict *check.Conflict
	if errors.As(err, &conflict) {
		data["Summary"] = conflict.Msg
		return render(data)
	}
	return err
}

func (m *module) loadItem(c *fiber.Ctx) (*materials.Item, *elections.Election, error) {
	id, err := paramID(c)
	if err != nil {
		return nil, nil, err
	}
	it, err := materials.ItemByID(c.UserContext(), m.s.Pool, id)
	if err != nil {
		return nil, nil, err
	}
	e, err := elections.ByID(c.UserContext(), m.s.Pool, it.ElectionID)
	return it, e, err
}

func (m *module) itemPage(c *fiber.Ctx) error {
	it, e, err := m.loadItem(c)
	if err != nil {
		return err
	}
	return m.itemView(c, fiber.StatusOK, e, it, fiber.Map{"Form": itemForm(it, e.Slug)})
}

func (m *module) updateItemForm(c *fiber.Ctx) error {
	it, e, err := m.loadItem(c)
	if err != nil {
		return err
	}
	in, form := itemFromForm(c)
	picture, err := uploadedPicture(c)
	if err == nil {
		if _, err = m.saveItem(c, it.ID, in, picture, c.FormValue("remove_picture") == "oui"); err == nil {
			return c.Redirect(fmt.Sprintf("/staff/materiel?election=%s", urlQuery(e.Slug)), fiber.StatusSeeOther)
		}
	}
	return m.formError(c, err, func(data fiber.Map) error {
		data["Form"] = form
		return m.itemView(c, fiber.StatusUnprocessableEntity, e, it, data)
	})
}

func (m *module) deleteItemForm(c *fiber.Ctx) error {
	it, e, err := m.loadItem(c)
	if err != nil {
		return err
	}
	if err := m.deleteItem(c, it.ID); err != nil {
		return m.formError(c, err, func(data fiber.Map) error {
			data["Form"] = itemForm(it, e.Slug)
			return m.itemView(c, fiber.StatusConflict, e, it, data)
		})
	}
	return c.Redirect(fmt.Sprintf("/staff/materiel?election=%s", urlQuery(e.Slug)), fiber.StatusSeeOther)
}

func urlQuery(s string) string { return url.QueryEscape(strings.TrimSpace(s)) }
