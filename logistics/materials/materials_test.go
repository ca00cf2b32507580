package materials_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/materials"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// nb is the narrow no-break space materials.Count puts between thousands.
const nb = "\u202f"

// setup is a fresh database with the demo data and the demo catalog.
func setup(t testing.TB) (*pgxpool.Pool, *elections.Election) {
	t.Helper()
	return setupPool(t, dbtest.New(t))
}

func setupPool(t testing.TB, pool *pgxpool.Pool) (*pgxpool.Pool, *elections.Election) {
	t.Helper()
	ctx := context.Background()
	if err := demo.Load(ctx, pool, time.Now(), "", materials.LoadDemo); err != nil {
		t.Fatal(err)
	}
	e, err := elections.BySlug(ctx, pool, demo.ElectionSlug)
	if err != nil {
		t.Fatal(err)
	}
	return pool, e
}

// order is a valid order of one item delivered in Digne-les-Bains.
func order(sku string, qty int, email string) materials.OrderInput {
	return materials.OrderInput{Election: demo.ElectionSlug, Items: []materials.OrderLine{{SKU: sku, Quantity: qty}},
		Name: "Alice Martin", Address: "12 avenue Victor Hugo", PostalCode: "04000", CommuneCode: "04070",
		Email: email, Phone: "06 12 34 56 78"}
}

func addItem(t testing.TB, pool *pgxpool.Pool, in materials.ItemInput) *materials.Item {
	t.Helper()
	in.Election = demo.ElectionSlug
	if in.Unit == "" {
		in.Unit = "tracts"
	}
	if in.CutoffDate == "" {
		in.CutoffDate = time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
	}
	it, err := materials.CreateItem(context.Background(), pool, in, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func fields(t testing.TB, err error) check.Errors {
	t.Helper()
	inv, ok := check.AsInvalid(err)
	if !ok {
		t.Fatalf("want *check.Invalid, got %v", err)
	}
	return inv.Fields
}

func TestMaterialOrderRules(t *testing.T) {
	pool, _ := setup(t)
	ctx := context.Background()
	inactive := false
	addItem(t, pool, materials.ItemInput{SKU: "OLD", Name: "Ancien tract", MinPerPerson: 10, PackSize: 10, MaxPerPerson: 100, Stock: 1000, Active: &inactive})
	addItem(t, pool, materials.ItemInput{SKU: "RARE", Name: "Affiche dédicacée", Unit: "affiches", MinPerPerson: 1, PackSize: 1, MaxPerPerson: 10, Stock: 3})
	refused := false
	cases := []struct {
		name  string
		edit  func(in *materials.OrderInput)
		now   time.Time
		field string
		want  string
	}{
		{"below the minimum", func(in *materials.OrderInput) { in.Items[0].Quantity = 40 },
			time.Time{}, "items.TRACT-A5.quantity", "« Tract A5 » : 50 tracts au minimum."},
		{"not a multiple of the pack", func(in *materials.OrderInput) { in.Items[0].Quantity = 120 },
			time.Time{}, "items.TRACT-A5.quantity", "« Tract A5 » : par paquets de 50, commandez par exemple 100 ou 150 tracts."},
		{"above the maximum", func(in *materials.OrderInput) { in.Items[0].Quantity = 1050 },
			time.Time{}, "items.TRACT-A5.quantity", "« Tract A5 » : 1" + nb + "000 tracts au plus par personne."},
		{"no quantity", func(in *materials.OrderInput) { in.Items[0].Quantity = 0 },
			time.Time{}, "items.TRACT-A5.quantity", "« Tract A5 » : indiquez une quantité (50 tracts au minimum)."},
		{"sku in lower case is the same item", func(in *materials.OrderInput) { in.Items[0].SKU = "tract-a5"; in.Items[0].Quantity = 40 },
			time.Time{}, "items.TRACT-A5.quantity", "« Tract A5 » : 50 tracts au minimum."},
		{"unknown item", func(in *materials.OrderInput) { in.Items[0].SKU = "FOO" },
			time.Time{}, "items.FOO.sku", "Article inconnu : FOO."},
		{"same item twice", func(in *materials.OrderInput) { in.Items = append(in.Items, in.Items[0]) },
			time.Time{}, "items.TRACT-A5.sku", "Article en double : indiquez-le une seule fois, avec la quantité totale."},
		{"nothing ordered", func(in *materials.OrderInput) { in.Items = nil },
			time.Time{}, "items", "Choisissez au moins un article et sa quantité."},
		{"inactive item", func(in *materials.OrderInput) { in.Items[0] = materials.OrderLine{SKU: "OLD", Quantity: 10} },
			time.Time{}, "items.OLD.quantity", "« Ancien tract » n'est plus proposé."},
		{"more than the stock", func(in *materials.OrderInput) { in.Items[0] = materials.OrderLine{SKU: "RARE", Quantity: 5} },
			time.Time{}, "items.RARE.quantity", "« Affiche dédicacée » : stock insuffisant, il reste 3 affiches."},
		{"after the cut-off", nil, time.Now().AddDate(0, 2, 0), "items.TRACT-A5.quantity", "« Tract A5 » ne peut plus être commandé : la date limite était le "},
		{"postal code of another commune", func(in *materials.OrderInput) { in.PostalCode = "04100" },
			time.Time{}, "postal_code", "Le code postal 04100 ne correspond pas à la commune Digne-les-Bains."},
		{"unknown postal code without commune", func(in *materials.OrderInput) { in.PostalCode = "99999"; in.CommuneCode = "" },
			time.Time{}, "postal_code", "Code postal inconnu."},
		{"malformed postal code", func(in *materials.OrderInput) { in.PostalCode = "4000" },
			time.Time{}, "postal_code", "Code postal invalide (5 chiffres)."},
		{"Paris as a whole", func(in *materials.OrderInput) { in.CommuneCode = "75056"; in.PostalCode = "75004" },
			time.Time{}, "commune_code", "Choisissez votre arrondissement, pas la ville entière."},
		{"bad e-mail", func(in *materials.OrderInput) { in.Email = "alice@" },
			time.Time{}, "email", "Adresse e-mail invalide."},
		{"bad phone", func(in *materials.OrderInput) { in.Phone = "12" },
			time.Time{}, "phone", "Numéro de téléphone invalide."},
		{"no name", func(in *materials.OrderInput) { in.Name = " " },
			time.Time{}, "name", "Le nom du destinataire est obligatoire."},
		{"no address", func(in *materials.OrderInput) { in.Address = "" },
			time.Time{}, "address", "L'adresse est obligatoire."},
		{"consent refused on the form", func(in *materials.OrderInput) { in.Consent = &refused },
			time.Time{}, "consent", "Votre accord est nécessaire : sans lui, nous ne pouvons pas enregistrer ce formulaire."},
		{"unknown election", func(in *materials.OrderInput) { in.Election = "nope" },
			time.Time{}, "election", "Élection inconnue."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := order("TRACT-A5", 100, "rules@example.org")
			if c.edit != nil {
				c.edit(&in)
			}
			_, err := materials.PlaceOrder(ctx, pool, in, materials.PlaceOptions{Now: c.now})
			got := fields(t, err)[c.field]
			if !strings.HasPrefix(got, c.want) {
				t.Fatalf("%s: got %q, want %q (all: %v)", c.field, got, c.want, err)
			}
		})
	}
	var orders int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM material_orders`).Scan(&orders); err != nil {
		t.Fatal(err)
	}
	if orders != 0 {
		t.Fatalf("%d orders stored by refused submissions", orders)
	}
}

func TestMaterialOrderTakesCommuneFromPostalCode(t *testing.T) {
	pool, _ := setup(t)
	in := order("TRACT-A5", 100, "solo@example.org")
	in.CommuneCode = ""
	p, err := materials.PlaceOrder(context.Background(), pool, in, materials.PlaceOptions{BaseURL: "https://scrutin.test"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Order.CommuneCode != "04070" || p.Order.CommuneName != "Digne-les-Bains" || p.Order.Status != materials.Pending {
		t.Fatalf("order %+v", p.Order)
	}
}

func placeOK(t *testing.T, pool *pgxpool.Pool, in materials.OrderInput) *materials.Placed {
	t.Helper()
	p, err := materials.PlaceOrder(context.Background(), pool, in, materials.PlaceOptions{BaseURL: "https://scrutin.test"})
	if err != nil {
		t.Fatalf("order refused: %v", err)
	}
	return p
}

func TestMaterialPerPersonMaximumCountsEarlierOrders(t *testing.T) {
	pool, _ := setup(t)
	ctx := context.Background()
	first := placeOK(t, pool, order("TRACT-A5", 900, "alice@example.org"))

	cases := []struct {
		name  string
		edit  func(in *materials.OrderInput)
		qty   int
		want  string // "" = accepted
		after func(t *testing.T)
	}{
		{"same e-mail, other address", func(in *materials.OrderInput) {
			in.Address, in.PostalCode, in.CommuneCode = "3 rue Grande", "04100", "04112"
		}, 150, "« Tract A5 » : 1" + nb + "000 tracts au plus par personne ; vous en avez déjà commandé 900, vous pouvez encore en commander 100.", nil},
		{"same address written otherwise, other e-mail", func(in *materials.OrderInput) {
			in.Email, in.Address = "bob@example.org", "12, Av. VICTOR-HUGO"
		}, 150, "vous en avez déjà commandé 900", nil},
		{"up to the maximum is fine", func(in *materials.OrderInput) { in.Email = "alice@example.org" }, 100, "", nil},
		{"then nothing more", func(in *materials.OrderInput) {}, 50,
			"« Tract A5 » : vous avez déjà commandé le maximum de 1" + nb + "000 tracts par personne.", nil},
		{"other items are counted apart", func(in *materials.OrderInput) { in.Items[0].SKU = "AFFICHE-A2" }, 50, "", nil},
		{"another person elsewhere is not counted", func(in *materials.OrderInput) {
			in.Email, in.Address, in.PostalCode, in.CommuneCode = "carole@example.org", "1 place de la Mairie", "04200", "04209"
		}, 1000, "", nil},
		{"a cancelled order no longer counts", func(in *materials.OrderInput) {}, 900, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "a cancelled order no longer counts" {
				if _, err := materials.CancelByToken(ctx, pool, first.Token, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			in := order("TRACT-A5", c.qty, "alice@example.org")
			c.edit(&in)
			_, err := materials.PlaceOrder(ctx, pool, in, materials.PlaceOptions{})
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			sku := in.Items[0].SKU
			if got := fields(t, err)[materials.QuantityField(sku)]; !strings.Contains(got, c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestMaterialConcurrentOrdersFromOnePersonRespectTheMaximum(t *testing.T) {
	pool := pool64(t)
	pool, _ = setupPool(t, pool)
	ctx := context.Background()
	// 20 simultaneous orders of 400 flyers by one person (maximum 1,000):
	// exactly 2 can pass, whatever the interleaving.
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := order("TRACT-A5", 400, "same@example.org")
			if i%2 == 1 { // half of them by address only
				in.Email = fmt.Sprintf("alias%d@example.org", i)
			}
			_, err := materials.PlaceOrder(ctx, pool, in, materials.PlaceOptions{})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
				return
			}
			if inv, isInv := check.AsInvalid(err); isInv && strings.Contains(inv.Fields["items.TRACT-A5.quantity"], "au plus par personne") {
				refused++
				return
			}
			t.Errorf("unexpected error: %v", err)
		}()
	}
	wg.Wait()
	if ok != 2 || refused != 18 {
		t.Fatalf("accepted %d, refused %d; want 2 and 18", ok, refused)
	}
}

// pool64 is a database with room for real concurrency (the default pool
// has 16 connections).
func pool64(t testing.TB) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dbtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 64
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// rush places n simultaneous orders of one pack of item, each by a
// different person, and returns how many were accepted and how many were
// refused as out of stock; anything else fails the test.
func rush(t testing.TB, pool *pgxpool.Pool, item *materials.Item, n int, tag string) (ok, outOfStock int) {
	ctx := context.Background()
	want := "« " + item.Name + " » est épuisé."
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := order(item.SKU, item.PackSize, fmt.Sprintf("rush%s-%d@example.org", tag, i))
			in.Address = fmt.Sprintf("%d rue de la Paix %s", i+1, tag)
			<-start
			_, err := materials.PlaceOrder(ctx, pool, in, materials.PlaceOptions{})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
				return
			}
			if inv, isInv := check.AsInvalid(err); isInv && inv.Fields[materials.QuantityField(item.SKU)] == want && len(inv.Fields) == 1 {
				outOfStock++
				return
			}
			t.Errorf("order %d: unexpected error %v", i, err)
		}()
	}
	close(start)
	wg.Wait()
	return ok, outOfStock
}

func TestMaterialConcurrentOrdersNeverOversell(t *testing.T) {
	pool, _ := setupPool(t, pool64(t))
	ctx := context.Background()
	item := addItem(t, pool, materials.ItemInput{SKU: "RUSH", Name: "Tract de dernière minute",
		MinPerPerson: 50, PackSize: 50, MaxPerPerson: 1000, Stock: 100 * 50})

	ok, outOfStock := rush(t, pool, item, 1000, "t")

	var reserved, orders, sold, mails int
	if err := pool.QueryRow(ctx, `SELECT reserved FROM material_items WHERE id = $1`, item.ID).Scan(&reserved); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(l.quantity), 0) FROM material_orders o
		JOIN material_order_lines l ON l.order_id = o.id WHERE l.item_id = $1 AND o.status = 'pending'`, item.ID).Scan(&orders, &sold); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE kind = 'material.order'`).Scan(&mails); err != nil {
		t.Fatal(err)
	}
	if ok != 100 || outOfStock != 900 {
		t.Errorf("accepted %d, out of stock %d; want 100 and 900", ok, outOfStock)
	}
	if reserved != 5000 || orders != 100 || sold != 5000 || mails != 100 {
		t.Errorf("reserved %d, stored orders %d, units sold %d, confirmations %d; want 5000, 100, 5000, 100", reserved, orders, sold, mails)
	}
}

// BenchmarkMaterialConcurrentOrders: one op is a rush of 1,000 simultaneous
// orders on an item with 100 packs in stock (100 sold, 900 refused).
func BenchmarkMaterialConcurrentOrders(b *testing.B) {
	pool, _ := setupPool(b, pool64(b))
	ctx := context.Background()
	item := addItem(b, pool, materials.ItemInput{SKU: "RUSH", Name: "Tract de dernière minute",
		MinPerPerson: 50, PackSize: 50, MaxPerPerson: 1000, Stock: 100 * 50})
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		if _, err := pool.Exec(ctx, `DELETE FROM material_orders; DELETE FROM outbox; UPDATE material_items SET reserved = 0`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		ok, outOfStock := rush(b, pool, item, 1000, fmt.Sprint(i))
		if ok != 100 || outOfStock != 900 {
			b.Fatalf("accepted %d, out of stock %d", ok, outOfStock)
		}
	}
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "orders/s")
}

var linkRe = regexp.MustCompile(`https://scrutin\.test/materiel/t/([A-Za-z0-9_-]+)`)

// mailed returns the last e-mail of a kind sent to recipient.
func mailed(t *testing.T, pool *pgxpool.Pool, recipient, kind string) (subject, body string) {
	t.Helper()
	err := pool.QueryRow(context.Background(), `SELECT subject, body FROM outbox WHERE recipient = $1 AND kind = $2
		ORDER BY id DESC LIMIT 1`, recipient, kind).Scan(&subject, &body)
	if err != nil {
		t.Fatalf("no %s e-mail to %s: %v", kind, recipient, err)
	}
	return subject, body
}

func TestMaterialCancelByLinkGivesStockBack(t *testing.T) {
	pool, e := setup(t)
	ctx := context.Background()
	before, err := materials.ItemBySKU(ctx, pool, e.ID, "TRACT-A5")
	if err != nil {
		t.Fatal(err)
	}
	placeOK(t, pool, order("TRACT-A5", 300, "dora@example.org"))
	subject, body := mailed(t, pool, "dora@example.org", "material.order")
	m := linkRe.FindStringSubmatch(body)
	if m == nil || !strings.Contains(subject, "enregistrée") || !strings.Contains(body, "300 tracts : Tract A5 (TRACT-A5)") ||
		!strings.Contains(body, "12 avenue Victor Hugo, 04000 Digne-les-Bains") {
		t.Fatalf("confirmation %q:\n%s", subject, body)
	}
	o, err := materials.ByToken(ctx, pool, m[1], time.Now())
	if err != nil || o.Status != materials.Pending {
		t.Fatalf("status page: %v %+v", err, o)
	}
	if _, err := materials.CancelByToken(ctx, pool, m[1], time.Now()); err != nil {
		t.Fatal(err)
	}
	after, _ := materials.ItemBySKU(ctx, pool, e.ID, "TRACT-A5")
	if after.Available() != before.Available() {
		t.Fatalf("available %d after cancel, was %d", after.Available(), before.Available())
	}
	if _, body := mailed(t, pool, "dora@example.org", "material.cancel"); !strings.Contains(body, "Vous avez annulé la commande") {
		t.Fatalf("cancel mail: %s", body)
	}
	_, err = materials.CancelByToken(ctx, pool, m[1], time.Now())
	var conflict *check.Conflict
	if !errors.As(err, &conflict) || conflict.Msg != "Cette commande est déjà annulée." {
		t.Fatalf("second cancel: %v", err)
	}
	if _, err := materials.ByToken(ctx, pool, m[1]+"x", time.Now()); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("wrong token: %v", err)
	}
}

func TestMaterialFulfilmentFlow(t *testing.T) {
	pool, e := setup(t)
	ctx := context.Background()
	now := time.Now()
	digne := placeOK(t, pool, order("TRACT-A5", 200, "digne@example.org")).Order
	in := order("AFFICHE-A2", 10, "manosque@example.org")
	in.Items = append(in.Items, materials.OrderLine{SKU: "TRACT-A5", Quantity: 100})
	in.Address, in.PostalCode, in.CommuneCode = "3 rue Grande", "04100", "04112"
	manosque := placeOK(t, pool, in).Order
	in = order("TRACT-A5", 500, "paris@example.org")
	in.Address, in.PostalCode, in.CommuneCode = "2 place Baudoyer", "75004", "75104"
	paris := placeOK(t, pool, in).Order

	org04, err := staff.Add(ctx, pool, staff.NewUser{Email: "org04@example.org", Role: staff.Organizer, Scope: []string{"04"}})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := staff.ByEmail(ctx, pool, demo.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}

	// The organizer of the 04 sees the two orders of the 04 only.
	list, total, err := materials.ListOrders(ctx, pool, org04.ScopeArg(), materials.Filter{ElectionID: e.ID})
	if err != nil || total != 2 || len(list) != 2 {
		t.Fatalf("04 sees %d orders (%v)", total, err)
	}
	if _, err := materials.OrderByID(ctx, pool, org04.ScopeArg(), paris.ID); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("Paris order seen from the 04: %v", err)
	}
	for _, f := range []struct {
		p    map[string]string
		want int
	}{
		{map[string]string{"sku": "AFFICHE-A2"}, 1},
		{map[string]string{"departement": "75"}, 1},
		{map[string]string{"status": "pending"}, 3},
		// Days are French days: from 23:00 UTC in winter it is already
		// tomorrow in Paris.
		{map[string]string{"from": now.In(elections.Paris).Format(time.DateOnly), "to": now.In(elections.Paris).Format(time.DateOnly)}, 3},
		{map[string]string{"to": now.In(elections.Paris).AddDate(0, 0, -1).Format(time.DateOnly)}, 0},
	} {
		filter, _, err := materials.ParseFilter(ctx, pool, f.p, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, total, err := materials.ListOrders(ctx, pool, admin.ScopeArg(), filter); err != nil || total != f.want {
			t.Errorf("filter %v: %d orders, want %d (%v)", f.p, total, f.want, err)
		}
	}

	// A batch made by the organizer holds the 04 orders only.
	b, err := materials.CreateBatch(ctx, pool, org04, materials.BatchInput{Election: demo.ElectionSlug}, now)
	if err != nil {
		t.Fatal(err)
	}
	if b.Orders != 2 {
		t.Fatalf("batch of %d orders", b.Orders)
	}
	if _, body := mailed(t, pool, "digne@example.org", "material.batched"); !strings.Contains(body, "en préparation") {
		t.Fatalf("batched mail: %s", body)
	}
	rows, err := materials.PrinterRows(ctx, pool, org04.ScopeArg(), materials.Filter{BatchID: b.ID, NotCancelled: true})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(rows)
	want := "[{04 AFFICHE-A2 Affiche A2 affiches 5 10 1} {04 TRACT-A5 Tract A5 tracts 50 300 2}]"
	if got != want {
		t.Fatalf("printer rows %s, want %s", got, want)
	}
	if _, err := materials.CreateBatch(ctx, pool, org04, materials.BatchInput{Election: demo.ElectionSlug}, now); err == nil {
		t.Fatal("a second batch with nothing pending was made")
	}

	// One order shipped alone with its tracking number, the rest with the batch.
	if _, err := materials.ShipOrder(ctx, pool, org04, manosque.ID, "6A123456789"); err != nil {
		t.Fatal(err)
	}
	if _, body := mailed(t, pool, "manosque@example.org", "material.shipped"); !strings.Contains(body, "6A123456789") {
		t.Fatalf("shipped mail: %s", body)
	}
	if _, err := materials.CancelByToken(ctx, pool, "nope", now); !errors.Is(err, check.ErrNotFound) {
		t.Fatal(err)
	}
	n, err := materials.MarkBatchSent(ctx, pool, org04, b.ID)
	if err != nil || n != 1 {
		t.Fatalf("batch sent shipped %d orders (%v)", n, err)
	}
	if _, err := materials.MarkBatchSent(ctx, pool, org04, b.ID); err == nil {
		t.Fatal("batch sent twice")
	}
	if _, err := materials.CancelOrder(ctx, pool, admin, digne.ID); err == nil {
		t.Fatal("a shipped order was cancelled")
	}
	// The batch left without tracking numbers: the carrier's comes later,
	// and goes to the person.
	if _, err := materials.SetTracking(ctx, pool, org04, digne.ID, "  "); fields(t, err)["tracking"] != "Indiquez le numéro de suivi du colis." {
		t.Fatalf("empty tracking number: %v", err)
	}
	if _, err := materials.SetTracking(ctx, pool, org04, digne.ID, "6A<script>"); !strings.HasPrefix(fields(t, err)["tracking"], "Numéro de suivi invalide") {
		t.Fatalf("bad tracking number: %v", err)
	}
	reader, _ := staff.Add(ctx, pool, staff.NewUser{Email: "suivi-viewer@example.org", Role: staff.Viewer, Scope: []string{"04"}})
	if _, err := materials.SetTracking(ctx, pool, reader, digne.ID, "6A987654321"); !errors.Is(err, check.ErrForbidden) {
		t.Fatalf("a viewer set a tracking number: %v", err)
	}
	if o, err := materials.SetTracking(ctx, pool, org04, digne.ID, " 6A987654321 "); err != nil || o.Tracking != "6A987654321" || o.Status != materials.Shipped {
		t.Fatalf("tracking after the batch: %+v, %v", o, err)
	}
	if subject, body := mailed(t, pool, "digne@example.org", "material.tracking"); !strings.Contains(subject, "Suivi de votre commande") || !strings.Contains(body, "Numéro de suivi du colis : 6A987654321") {
		t.Fatalf("tracking mail: %s\n%s", subject, body)
	}
	o, err := materials.DeliverOrder(ctx, pool, org04, digne.ID)
	if _, err := materials.SetTracking(ctx, pool, org04, digne.ID, "6A000"); !strings.Contains(fmt.Sprint(err), "déjà livrée") {
		t.Fatalf("tracking of a delivered order: %v", err)
	}
	if err != nil || o.Status != materials.Delivered {
		t.Fatalf("deliver: %v", err)
	}
	if _, body := mailed(t, pool, "digne@example.org", "material.delivered"); !strings.Contains(body, "livrée") {
		t.Fatalf("delivered mail: %s", body)
	}
	if _, err := materials.ShipOrder(ctx, pool, org04, paris.ID, ""); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("04 organizer shipped a Paris order: %v", err)
	}
	viewer, _ := staff.Add(ctx, pool, staff.NewUser{Email: "viewer@example.org", Role: staff.Viewer, Scope: []string{"04"}})
	if _, err := materials.DeliverOrder(ctx, pool, viewer, manosque.ID); !errors.Is(err, check.ErrForbidden) {
		t.Fatalf("viewer acted: %v", err)
	}

	counts, pending, err := materials.Counts(ctx, pool, org04.ScopeArg(), []int64{e.ID})
	if err != nil {
		t.Fatal(err)
	}
	if pending != 0 || fmt.Sprint(counts) != "[{AFFICHE-A2 Affiche A2 affiches 10 1990 10} {AUTOCOLLANT Autocollants ronds autocollants 0 10000 0} {TRACT-A5 Tract A5 tracts 300 19200 300}]" {
		t.Fatalf("counts %v, pending %d", counts, pending)
	}
}

func TestMaterialItemValidation(t *testing.T) {
	pool, e := setup(t)
	ctx := context.Background()
	valid := materials.ItemInput{Election: demo.ElectionSlug, SKU: "flyer-b", Name: "Tract B", Unit: "tracts",
		MinPerPerson: 50, PackSize: 50, MaxPerPerson: 500, Stock: 1000, CutoffDate: time.Now().In(elections.Paris).Format(time.DateOnly)} // today, in France
	cases := []struct {
		name  string
		edit  func(in *materials.ItemInput)
		field string
		want  string
	}{
		{"bad reference", func(in *materials.ItemInput) { in.SKU = "a b" }, "sku", "Référence invalide"},
		{"existing reference", func(in *materials.ItemInput) { in.SKU = "TRACT-A5" }, "sku", "Cette référence existe déjà pour cette élection."},
		{"no name", func(in *materials.ItemInput) { in.Name = "" }, "name", "Le nom de l'article est obligatoire."},
		{"big minimum", func(in *materials.ItemInput) { in.MinPerPerson = 5000; in.MaxPerPerson = 10000 }, "min_per_person", "Le minimum doit rester petit"},
		{"minimum off the packs", func(in *materials.ItemInput) { in.MinPerPerson = 60 }, "min_per_person", "Le minimum doit être un multiple de la taille du paquet (50)."},
		{"maximum below minimum", func(in *materials.ItemInput) { in.MaxPerPerson = 0 }, "max_per_person", "Le maximum par personne est d'au moins 1."},
		{"negative stock", func(in *materials.ItemInput) { in.Stock = -1 }, "stock", "Le stock est un nombre positif ou nul."},
		{"stock beyond the column", func(in *materials.ItemInput) { in.Stock = 3_000_000_000 }, "stock", "Nombre trop grand"},
		{"cut-off after the vote", func(in *materials.ItemInput) {
			in.CutoffDate = e.LastRound().Date.AddDate(0, 0, 1).Format(time.DateOnly)
		}, "cutoff_date", "La date limite doit précéder le scrutin"},
		{"cut-off on the day of the vote", func(in *materials.ItemInput) {
			in.CutoffDate = e.LastRound().Date.Format(time.DateOnly)
		}, "cutoff_date", "La date limite doit précéder le scrutin"},
		{"no cut-off", func(in *materials.ItemInput) { in.CutoffDate = "" }, "cutoff_date", "La date limite de commande est obligatoire."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := valid
			c.edit(&in)
			_, err := materials.CreateItem(ctx, pool, in, time.Now())
			if got := fields(t, err)[c.field]; !strings.HasPrefix(got, c.want) {
				t.Fatalf("%s: got %q, want %q", c.field, got, c.want)
			}
		})
	}
	it, err := materials.CreateItem(ctx, pool, valid, time.Now())
	if err != nil || it.SKU != "FLYER-B" {
		t.Fatalf("create: %v", err)
	}
	placeOK(t, pool, order("FLYER-B", 200, "stock@example.org"))
	in := valid
	in.Stock = 100
	if _, err := materials.UpdateItem(ctx, pool, it.ID, in); fields(t, err)["stock"] != "Le stock ne peut pas descendre sous ce qui est déjà commandé (200 tracts)." {
		t.Fatalf("stock below orders: %v", err)
	}
	// The 200 ordered are 4 packs of 50, not whole packs of 300.
	in = valid
	in.PackSize, in.MinPerPerson, in.MaxPerPerson = 300, 300, 600
	if _, err := materials.UpdateItem(ctx, pool, it.ID, in); !strings.HasPrefix(fields(t, err)["pack_size"], "Des commandes en cours ne font pas des paquets entiers de 300") {
		t.Fatalf("pack size of orders in progress: %v", err)
	}
	in = valid
	in.Stock = 100
	// The same within a transaction, as the staff form and API run it.
	err = pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		_, err := materials.UpdateItem(ctx, tx, it.ID, in)
		return err
	})
	if fields(t, err)["stock"] == "" {
		t.Fatalf("stock below orders, in a transaction: %v", err)
	}
	if err := materials.DeleteItem(ctx, pool, it.ID); err == nil {
		t.Fatal("an ordered item was deleted")
	}
}

// Staff change an item's pack size while an order checked against the old
// one waits to reserve it: the order is refused with the new size, never
// stored in broken packs (which UpdateItem, seeing only committed orders,
// could not catch).
func TestMaterialPackSizeChangedDuringAnOrder(t *testing.T) {
	pool, _ := setup(t)
	ctx := context.Background()
	it, err := materials.CreateItem(ctx, pool, materials.ItemInput{Election: demo.ElectionSlug, SKU: "flyer-p", Name: "Tract P", Unit: "tracts",
		MinPerPerson: 50, PackSize: 50, MaxPerPerson: 600, Stock: 1000, CutoffDate: time.Now().In(elections.Paris).Format(time.DateOnly)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	staffTx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer staffTx.Rollback(ctx)
	if _, err := materials.UpdateItem(ctx, staffTx, it.ID, materials.ItemInput{Election: demo.ElectionSlug, SKU: "flyer-p", Name: "Tract P", Unit: "tracts",
		MinPerPerson: 100, PackSize: 100, MaxPerPerson: 600, Stock: 1000, CutoffDate: it.Cutoff.Format(time.DateOnly)}); err != nil {
		t.Fatal(err)
	}
	placed := make(chan error, 1)
	go func() {
		_, err := materials.PlaceOrder(ctx, pool, order("FLYER-P", 150, "paquets@example.org"), materials.PlaceOptions{})
		placed <- err
	}()
	time.Sleep(300 * time.Millisecond) // the order waits on the item's row
	if err := staffTx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	err = <-placed
	if got := fields(t, err)[materials.QuantityField("FLYER-P")]; !strings.Contains(got, "par paquets de 100") {
		t.Fatalf("order of 150 after the pack became 100: %q (%v)", got, err)
	}
	var reserved int
	pool.QueryRow(ctx, `SELECT reserved FROM material_items WHERE id = $1`, it.ID).Scan(&reserved)
	if reserved != 0 {
		t.Fatalf("%d reserved by a refused order", reserved)
	}
}

// An update that does not say "active" (an API client changing the stock)
// leaves a withdrawn item withdrawn.
func TestMaterialUpdateKeepsAWithdrawnItemWithdrawn(t *testing.T) {
	pool, _ := setup(t)
	ctx := context.Background()
	off := false
	in := materials.ItemInput{Election: demo.ElectionSlug, SKU: "flyer-w", Name: "Tract W", Unit: "tracts",
		MinPerPerson: 50, PackSize: 50, MaxPerPerson: 500, Stock: 1000, CutoffDate: time.Now().In(elections.Paris).Format(time.DateOnly), Active: &off}
	it, err := materials.CreateItem(ctx, pool, in, time.Now())
	if err != nil || it.Active {
		t.Fatalf("create withdrawn: %+v, %v", it, err)
	}
	in.Active, in.Stock = nil, 2000
	if it, err = materials.UpdateItem(ctx, pool, it.ID, in); err != nil || it.Active || it.Stock != 2000 {
		t.Fatalf("stock changed without a word on active: %+v, %v", it, err)
	}
	on := true
	in.Active = &on
	if it, err = materials.UpdateItem(ctx, pool, it.ID, in); err != nil || !it.Active {
		t.Fatalf("put back on sale: %+v, %v", it, err)
	}
}
