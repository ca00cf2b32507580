package materialweb_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
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

// A browser with scripts turned off orders material: the commune is typed,
// the server finds it or lists the communes to choose from.
func TestBrowserMaterialOrderWithoutJavaScript(t *testing.T) {
	env := start(t)
	addSaintDenis(t, env)
	ctx := webtest.Browser(t)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		return s
	}
	fill := func(email, address, postal, typed string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.Navigate(env.URL+"/materiel"),
			chromedp.WaitVisible(chromedp.CSS(`#q-TRACT-A5`)),
			chromedp.WaitVisible(chromedp.CSS(`noscript p.hint`)), // shown only with scripts off
			chromedp.SendKeys(chromedp.CSS(`#q-TRACT-A5`), "100"),
			chromedp.SendKeys(chromedp.CSS(`#name`), "Alice Martin"),
			chromedp.SendKeys(chromedp.CSS(`#address`), address),
			chromedp.SendKeys(chromedp.CSS(`#postal_code`), postal),
			chromedp.SendKeys(chromedp.CSS(`#commune_q`), typed),
			chromedp.SendKeys(chromedp.CSS(`#email`), email),
			chromedp.SendKeys(chromedp.CSS(`#phone`), "06 12 34 56 78"),
			chromedp.Click(chromedp.CSS(`input[name="consent"]`)),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		)
	}
	ordered := func(email, delivery string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`.order-lines`))); err != nil {
			t.Fatal(err)
		}
		if h1, main := text(`h1`), text(`main`); h1 != "Merci, votre commande est enregistrée" || !strings.Contains(text(`.order-lines`), "100 tracts — Tract A5") ||
			!strings.Contains(main, email) || !strings.Contains(main, delivery) {
			t.Fatalf("confirmation %q / %q", h1, main)
		}
	}

	t.Run("one commune matches: ordered at once", func(t *testing.T) {
		if err := chromedp.Do(ctx, fill("alice@example.org", "5 rue des Lilas", "04000", "04000")); err != nil {
			t.Fatal(err)
		}
		ordered("alice@example.org", "5 rue des Lilas, 04000 Digne-les-Bains")
	})

	t.Run("several communes match: the person chooses, then orders", func(t *testing.T) {
		if err := chromedp.Do(ctx,
			// 04000 is neither Saint-Denis's (93200 would pick 93066).
			fill("denis@example.org", "1 place Victor Hugo", "04000", "Saint-Denis"),
			chromedp.WaitVisible(chromedp.CSS(`#commune_code-error`)),
		); err != nil {
			t.Fatal(err)
		}
		if s := text(`#commune_code-error`); s != "Choisissez votre commune dans la liste." {
			t.Fatalf("message %q", s)
		}
		if s := text(`#commune_code`); !strings.Contains(s, "Saint-Denis (93200)") || !strings.Contains(s, "Saint-Denis (97400)") {
			t.Fatalf("communes listed: %q", s)
		}
		for sel, want := range map[string]string{`#q-TRACT-A5`: "100", `#name`: "Alice Martin", `#address`: "1 place Victor Hugo",
			`#postal_code`: "04000", `#commune_q`: "Saint-Denis", `#email`: "denis@example.org"} {
			if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel))); got != want {
				t.Errorf("%s kept %q, want %q", sel, got, want)
			}
		}
		if err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS(`#commune_code`), "93066"),
			chromedp.SetValue(chromedp.CSS(`#postal_code`), "93200"),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		); err != nil {
			t.Fatal(err)
		}
		ordered("denis@example.org", "1 place Victor Hugo, 93200 Saint-Denis")
	})

	for email, want := range map[string]string{"alice@example.org": "04070", "denis@example.org": "93066"} {
		if got := storedCommunes(t, env, email); len(got) != 1 || got[0] != want {
			t.Errorf("orders of %s delivered to %v, want %s", email, got, want)
		}
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
