package materialweb_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"scrutin/demo"
	"scrutin/logistics/materials"
	"scrutin/web/webtest"
)

// fillOrder fills the public order form as a person does, choosing the
// commune through the search by postal code.
func fillOrder(env string, qty, email, address string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(env+"/materiel"),
		chromedp.WaitVisible(chromedp.CSS(`#q-TRACT-A5`)),
		chromedp.SendKeys(chromedp.CSS(`#q-TRACT-A5`), qty),
		chromedp.SendKeys(chromedp.CSS(`#name`), "Alice Martin"),
		chromedp.SendKeys(chromedp.CSS(`#address`), address),
		chromedp.SendKeys(chromedp.CSS(`#postal_code`), "04000"),
		chromedp.SendKeys(chromedp.CSS(`#commune_q`), "04000"),
		chromedp.WaitReady(chromedp.CSS(`#commune_code option[value="04070"]`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#phone`), "06 12 34 56 78"),
		chromedp.Click(chromedp.CSS(`input[name="consent"]`)),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
	)
}

func TestBrowserMaterialOrder(t *testing.T) {
	env := start(t)
	ctx := webtest.Browser(t)
	// Claire already ordered 900 flyers through the API.
	if r := env.Do(t, "POST", "/api/v1/material-orders", "", orderBody(900, "claire@example.org")); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	cases := []struct {
		name, qty, email, address string
		wantConfirm               string // text of the confirmation list, or
		wantError                 string // message next to the flyers' quantity
	}{
		{"a person orders 100 flyers", "100", "alice@example.org", "5 rue des Lilas", "100 tracts — Tract A5", ""},
		{"above the per-person maximum", "1050", "bob@example.org", "7 rue Basse", "", "« Tract A5 » : 1" + nb + "000 tracts au plus par personne."},
		{"above the maximum with an earlier order", "200", "claire@example.org", "12 avenue Victor Hugo", "",
			"« Tract A5 » : 1" + nb + "000 tracts au plus par personne ; vous en avez déjà commandé 900, vous pouvez encore en commander 100."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := chromedp.Do(ctx, fillOrder(env.URL, c.qty, c.email, c.address)); err != nil {
				t.Fatal(err)
			}
			if c.wantConfirm != "" {
				if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`.order-lines`))); err != nil {
					t.Fatal(err)
				}
				h1, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1`)))
				lines, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.order-lines`)))
				main, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
				if h1 != "Merci, votre commande est enregistrée" || !strings.Contains(lines, c.wantConfirm) ||
					!strings.Contains(main, c.email) || !strings.Contains(main, c.address+", 04000 Digne-les-Bains") {
					t.Fatalf("confirmation %q / %q / %q", h1, lines, main)
				}
				return
			}
			if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#q-TRACT-A5-error`))); err != nil {
				t.Fatal(err)
			}
			msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#q-TRACT-A5-error`)))
			// Next to the field: same block as the input, announced by it.
			beside, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
				const input = document.getElementById('q-TRACT-A5'), err = document.getElementById('q-TRACT-A5-error');
				return input.closest('.field') === err.closest('.field') &&
					input.getAttribute('aria-describedby').includes('q-TRACT-A5-error') &&
					input.getAttribute('aria-invalid') === 'true';
			})()`))
			if err != nil {
				t.Fatal(err)
			}
			kept, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#q-TRACT-A5`)))
			name, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#name`)))
			if msg != c.wantError || !beside || kept != c.qty || name != "Alice Martin" {
				t.Fatalf("message %q (beside: %v), kept %q / %q", msg, beside, kept, name)
			}
		})
	}
	var orders int
	if err := env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM material_orders`).Scan(&orders); err != nil {
		t.Fatal(err)
	}
	if orders != 2 {
		t.Fatalf("%d orders stored, want Claire's and Alice's", orders)
	}
}

func TestBrowserMaterialStaffCatalogAndBatch(t *testing.T) {
	env := start(t)
	ctx := webtest.Browser(t)
	picture := filepath.Join(t.TempDir(), "affiche.png")
	if err := os.WriteFile(picture, pngBytes(t), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := env.Do(t, "POST", "/api/v1/material-orders", "", orderBody(100, "lot@example.org")); r.Status != 201 {
		t.Fatal(string(r.Body))
	}
	err := chromedp.Do(ctx,
		env.Login(demo.AdminEmail, demo.Password),
		chromedp.WaitVisible(chromedp.CSS(`.cards`)),
		chromedp.Navigate(env.URL+"/staff/materiel/articles/nouveau"),
		chromedp.WaitVisible(chromedp.CSS(`#sku`)),
		chromedp.SendKeys(chromedp.CSS(`#sku`), "porte-a-porte"),
		chromedp.SendKeys(chromedp.CSS(`#name`), "Accroche-porte"),
		chromedp.SendKeys(chromedp.CSS(`#unit`), "accroche-portes"),
		chromedp.SetValue(chromedp.CSS(`#pack_size`), "25"),
		chromedp.SetValue(chromedp.CSS(`#min_per_person`), "25"),
		chromedp.SetValue(chromedp.CSS(`#max_per_person`), "300"),
		chromedp.SetValue(chromedp.CSS(`#stock`), "3000"),
		chromedp.SetUploadFiles(chromedp.CSS(`#picture`), []string{picture}),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main table`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	catalog, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main table`)))
	if !strings.Contains(catalog, "PORTE-A-PORTE") || !strings.Contains(catalog, "Accroche-porte") {
		t.Fatalf("catalog after creation:\n%s", catalog)
	}
	// The public form shows the new item with its picture.
	err = chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/materiel"),
		chromedp.WaitVisible(chromedp.CSS(`#q-PORTE-A-PORTE`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const img = document.querySelector('img.item-picture'); return !!img && img.complete && img.naturalWidth === 4; })()`))
	if err != nil || !loaded {
		t.Fatalf("picture not shown (%v)", err)
	}
	// A batch of the pending orders, with the printer's view.
	err = chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/staff/materiel/lots"),
		chromedp.WaitVisible(chromedp.CSS(`#b-dep`)),
		chromedp.SendKeys(chromedp.CSS(`#b-dep`), "04"),
		chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/api/v1/exports/material-labels?batch="]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	if !strings.Contains(text, "Lot n°") || !strings.Contains(text, "100 tracts") || !strings.Contains(text, "Alice Martin") {
		t.Fatalf("batch page:\n%s", text)
	}
	var status materials.Status
	if err := env.Pool.QueryRow(context.Background(), `SELECT status FROM material_orders`).Scan(&status); err != nil || status != materials.Batched {
		t.Fatalf("order %s (%v)", status, err)
	}
}
