package exports_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/xuri/excelize/v2"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/exports"
	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/materials"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

func materialSetup(t testing.TB) (*pgxpool.Pool, *elections.Election) {
	t.Helper()
	pool := dbtest.New(t)
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

// materialOrders are three parcels: two in the Alpes-de-Haute-Provence, one
// in Paris, with names a spreadsheet or a PDF font could get wrong.
var materialOrders = []materials.OrderInput{
	{Items: []materials.OrderLine{{SKU: "TRACT-A5", Quantity: 200}},
		Name: "Zoë Đặng-Ψaros", Address: "12 avenue Victor Hugo", PostalCode: "04000", CommuneCode: "04070", Email: "zoe@example.org", Phone: "0612345678"},
	{Items: []materials.OrderLine{{SKU: "AFFICHE-A2", Quantity: 10}, {SKU: "TRACT-A5", Quantity: 100}},
		Name: "=HYPERLINK(\"http://evil\")", Address: "3 rue Grande", PostalCode: "04100", CommuneCode: "04112", Email: "formula@example.org", Phone: "0612345679"},
	{Items: []materials.OrderLine{{SKU: "TRACT-A5", Quantity: 500}},
		Name: "Jean Dupont", Address: "2 place Baudoyer", PostalCode: "75004", CommuneCode: "75104", Email: "jean@example.org", Phone: "0145678901"},
}

func placeMaterialOrders(t *testing.T, pool *pgxpool.Pool) []*materials.Order {
	t.Helper()
	var out []*materials.Order
	for _, in := range materialOrders {
		in.Election = demo.ElectionSlug
		p, err := materials.PlaceOrder(context.Background(), pool, in, materials.PlaceOptions{})
		if err != nil {
			t.Fatalf("order %s: %v", in.Name, err)
		}
		out = append(out, p.Order)
	}
	return out
}

func materialRun(t *testing.T, pool *pgxpool.Pool, u *staff.User, name string, p exports.Params) ([]byte, int) {
	t.Helper()
	var buf bytes.Buffer
	res, err := exports.Run(context.Background(), pool, u, u.Actor(), name, p, &buf)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return buf.Bytes(), res.Rows
}

func materialSheet(t *testing.T, data []byte, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("sheet %s: %v", sheet, err)
	}
	return rows
}

// materialPDFPages extracts the text of each page with pdftotext.
func materialPDFPages(t *testing.T, data []byte) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(out), "\f")
	if len(pages) > 0 && strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	return pages
}

func TestMaterialExportsReadBack(t *testing.T) {
	pool, _ := materialSetup(t)
	ctx := context.Background()
	orders := placeMaterialOrders(t, pool)
	admin, err := staff.ByEmail(ctx, pool, demo.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	org04, err := staff.Add(ctx, pool, staff.NewUser{Email: "org04@example.org", Role: staff.Organizer, Scope: []string{"04"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := materials.CreateBatch(ctx, pool, admin, materials.BatchInput{Election: demo.ElectionSlug}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	batch := exports.Params{"batch": materialID(b.ID)}
	// La Poste's delivery name of 75004 in Paris 4e, as the communes import
	// stores it (the demo's postal codes have none: the commune's name).
	if _, err := pool.Exec(ctx, `UPDATE postal_codes SET delivery_town = 'PARIS' WHERE postal_code = '75004' AND commune_code = '75104'`); err != nil {
		t.Fatal(err)
	}

	t.Run("printer workbook", func(t *testing.T) {
		data, n := materialRun(t, pool, admin, "material-printer", batch)
		pivot := materialSheet(t, data, "Par département")
		want := [][]string{
			{"Département", "Affiche A2 (affiches)", "Tract A5 (tracts)"},
			{"04", "10", "300"},
			{"75", "0", "500"},
		}
		if !materialRowsEqual(pivot, want) || n != 3 {
			t.Fatalf("pivot %q (%d rows), want %q", pivot, n, want)
		}
		totals := materialSheet(t, data, "Totaux")
		if !materialRowsEqual(totals[1:], [][]string{{"AFFICHE-A2", "Affiche A2", "affiches", "10", "2", "1"}, {"TRACT-A5", "Tract A5", "tracts", "800", "16", "3"}}) {
			t.Fatalf("totals %q", totals)
		}
	})

	t.Run("shipper workbook", func(t *testing.T) {
		data, n := materialRun(t, pool, admin, "material-shipper", batch)
		rows := materialSheet(t, data, "Colis")
		if n != 3 || len(rows) != 4 {
			t.Fatalf("%d parcels, rows %q", n, rows)
		}
		if strings.Join(rows[0], "|") != "N° commande|Destinataire|Adresse|Code postal|Localité|Commune|Téléphone|Contenu|Poids (kg)|Lot|État" {
			t.Fatalf("header %q", rows[0])
		}
		zoe := rows[1]
		if zoe[1] != "Zoë Đặng-Ψaros" || zoe[2] != "12 avenue Victor Hugo" || zoe[3] != "04000" || zoe[4] != "DIGNE-LES-BAINS" || zoe[5] != "Digne-les-Bains" ||
			zoe[6] != "06 12 34 56 78" || zoe[7] != "200 tracts Tract A5 (TRACT-A5)" || zoe[8] != "0.56" || zoe[10] != "En préparation" {
			t.Fatalf("first parcel %q", zoe)
		}
		// the name as it is (no apostrophe on the label), quote-prefixed
		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		wantInertText(t, x, quotePrefixes(t, data), "Colis", "B3", "=HYPERLINK(\"http://evil\")")
		if rows[3][4] != "PARIS" || rows[3][5] != "Paris 4e Arrondissement" {
			t.Fatalf("last parcel %q", rows[3])
		}
		// The organizer of the 04 gets the 04 parcels only.
		_, n = materialRun(t, pool, org04, "material-shipper", batch)
		if n != 2 {
			t.Fatalf("04 organizer got %d parcels", n)
		}
	})

	t.Run("packing slips", func(t *testing.T) {
		data, n := materialRun(t, pool, admin, "material-slips", batch)
		pages := materialPDFPages(t, data)
		if n != 3 || len(pages) != 3 {
			t.Fatalf("%d orders, %d pages", n, len(pages))
		}
		for i, want := range [][]string{
			{"commande n° " + materialID(orders[0].ID), "Zoë Đặng-Ψaros", "12 avenue Victor Hugo", "04000 DIGNE-LES-BAINS", "200 tracts", "Poids estimé : 0,56 kg"},
			{"commande n° " + materialID(orders[1].ID), "10 affiches", "100 tracts", "04100 MANOSQUE"},
			{"Jean Dupont", "2 place Baudoyer", "75004 PARIS\n", "500 tracts"},
		} {
			for _, s := range want {
				if !strings.Contains(pages[i], s) {
					t.Errorf("page %d lacks %q:\n%s", i+1, s, pages[i])
				}
			}
		}
		if strings.Contains(pages[2], "ARRONDISSEMENT") {
			t.Errorf("the commune's name instead of La Poste's delivery name:\n%s", pages[2])
		}
	})

	t.Run("address labels", func(t *testing.T) {
		data, n := materialRun(t, pool, admin, "material-labels", batch)
		pages := materialPDFPages(t, data)
		if n != 3 || len(pages) != 1 {
			t.Fatalf("%d labels on %d pages", n, len(pages))
		}
		for _, s := range []string{"Zoë Đặng-Ψaros", "12 avenue Victor Hugo", "04000 DIGNE-LES-BAINS", "Jean Dupont", "75004 PARIS"} {
			if !strings.Contains(pages[0], s) {
				t.Errorf("labels lack %q:\n%s", s, pages[0])
			}
		}
		if strings.Contains(pages[0], "ARRONDISSEMENT") {
			t.Errorf("the commune's name instead of La Poste's delivery name:\n%s", pages[0])
		}
	})

	t.Run("personal exports are audited", func(t *testing.T) {
		entries, err := staff.AuditLog(ctx, pool, staff.AuditFilter{Action: "export.material-"})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, e := range entries {
			got[e.Action]++
		}
		if got["export.material-shipper"] != 2 || got["export.material-slips"] != 1 || got["export.material-labels"] != 1 || got["export.material-printer"] != 0 {
			t.Fatalf("audit %v", got)
		}
	})
}

func TestMaterialExportLabelsFillSheets(t *testing.T) {
	pool, e := materialSetup(t)
	admin := &staff.User{Email: "cli", Role: staff.Admin}
	insertMaterialOrders(t, pool, e, 50, 0)
	data, n := materialRun(t, pool, admin, "material-labels", exports.Params{"election": demo.ElectionSlug})
	pages := materialPDFPages(t, data)
	// 50 labels: two full sheets of 24 and 2 on the third, each person once.
	if n != 50 || len(pages) != 3 {
		t.Fatalf("%d labels on %d pages", n, len(pages))
	}
	for i, want := range []int{24, 24, 2} {
		if got := strings.Count(pages[i], "Cde "); got != want {
			t.Errorf("page %d has %d labels, want %d:\n%s", i+1, got, want, pages[i])
		}
	}
	all := strings.Join(pages, "\n")
	for i := range 50 {
		if !strings.Contains(all, "Destinataire "+strconv.Itoa(i)+" Élodie-Ñúñez") {
			t.Errorf("label of person %d missing", i)
		}
	}
}

func TestMaterialExportParameters(t *testing.T) {
	pool, _ := materialSetup(t)
	admin := &staff.User{Email: "cli", Role: staff.Admin}
	for _, c := range []struct {
		p     exports.Params
		field string
	}{
		{exports.Params{"batch": "999"}, "batch"},
		{exports.Params{"batch": "abc"}, "batch"},
		{exports.Params{"election": "nope"}, "election"},
		{exports.Params{"status": "lost"}, "status"},
		{exports.Params{"departement": "4x"}, "departement"},
		{exports.Params{"departement": "99"}, "departement"},
		{exports.Params{"from": "01/04/2027"}, "from"},
	} {
		for _, name := range []string{"material-printer", "material-shipper", "material-slips", "material-labels"} {
			_, err := exports.Run(context.Background(), pool, admin, "cli", name, c.p, io.Discard)
			if inv, ok := check.AsInvalid(err); !ok || inv.Fields[c.field] == "" {
				t.Errorf("%s %v: %v", name, c.p, err)
			}
		}
	}
	_, err := exports.Run(context.Background(), pool, nil, "cli", "material-shipper", exports.Params{}, io.Discard)
	if !errors.Is(err, check.ErrForbidden) {
		t.Fatalf("no user: %v", err)
	}
	// A département outside the scope is refused, as by the other
	// exports, not answered with an empty document.
	org := &staff.User{Email: "org04@example.org", Role: staff.Organizer, Scope: []string{"04"}}
	for _, name := range []string{"material-printer", "material-shipper", "material-slips", "material-labels"} {
		if _, err := exports.Run(context.Background(), pool, org, org.Actor(), name, exports.Params{"departement": "75"}, io.Discard); !errors.Is(err, check.ErrForbidden) {
			t.Errorf("%s of the 75 by an organizer of the 04: %v", name, err)
		}
		if _, err := exports.Run(context.Background(), pool, org, org.Actor(), name, exports.Params{"departement": "04"}, io.Discard); err != nil {
			t.Errorf("%s of the 04 by an organizer of the 04: %v", name, err)
		}
		// The département read as the other lists and exports read it
		// (places.CheckArea): "4" is the 04; an overseas collectivity of
		// 98x communes (987) is asked for as a département is.
		if res, err := exports.Run(context.Background(), pool, org, org.Actor(), name, exports.Params{"departement": "4"}, io.Discard); err != nil ||
			!strings.Contains(res.Filename, "-04.") {
			t.Errorf("%s of the 4 by an organizer of the 04: %q, %v", name, res.Filename, err)
		}
		if res, err := exports.Run(context.Background(), pool, admin, "cli", name, exports.Params{"departement": "987"}, io.Discard); err != nil ||
			!strings.Contains(res.Filename, "-987.") {
			t.Errorf("%s of the 987: %q, %v", name, res.Filename, err)
		}
		if _, err := exports.Run(context.Background(), pool, org, org.Actor(), name, exports.Params{"departement": "987"}, io.Discard); !errors.Is(err, check.ErrForbidden) {
			t.Errorf("%s of the 987 by an organizer of the 04: %v", name, err)
		}
	}
}

func materialRowsEqual(got, want [][]string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			return false
		}
	}
	return true
}

func materialID(n int64) string { return strconv.FormatInt(n, 10) }

// insertMaterialOrders writes n batched orders in SQL (fast enough for
// 50,000), spread over the communes that have a postal code, with one to
// three items each. It returns the batch id.
func insertMaterialOrders(t testing.TB, pool *pgxpool.Pool, e *elections.Election, n int, batch int64) int64 {
	t.Helper()
	ctx := context.Background()
	if batch == 0 {
		if err := pool.QueryRow(ctx, `INSERT INTO material_batches (election_id, created_by) VALUES ($1, 'test') RETURNING id`, e.ID).Scan(&batch); err != nil {
			t.Fatal(err)
		}
	}
	_, err := pool.Exec(ctx, `
		WITH pc AS (
			SELECT row_number() OVER (ORDER BY postal_code, commune_code) AS n, postal_code, commune_code
			FROM postal_codes WHERE commune_code NOT IN ('75056', '69123', '13055')),
		cnt AS (SELECT count(*) AS c FROM pc)
		INSERT INTO material_orders (election_id, status, name, address, postal_code, commune_code, email, phone,
			address_key, token_hash, token_expires_at, batch_id, batched_at)
		SELECT $1, 'batched', 'Destinataire ' || g || ' Élodie-Ñúñez', g || ' rue de la République, bâtiment B', pc.postal_code, pc.commune_code,
			'bench' || g || '@example.org', '+33612345678', 'k' || g, sha256(('t' || g || '-' || $4)::bytea), now() + interval '60 days', $3, now()
		FROM generate_series(0, $2 - 1) g
		JOIN pc ON pc.n = 1 + (g::bigint * 7919) % (SELECT c FROM cnt)`, e.ID, n, batch, materialID(batch))
	if err != nil {
		t.Fatal(err)
	}
	_, err = pool.Exec(ctx, `
		INSERT INTO material_order_lines (order_id, item_id, quantity)
		SELECT o.id, i.id, CASE i.sku WHEN 'TRACT-A5' THEN 100 WHEN 'AFFICHE-A2' THEN 10 ELSE 20 END
		FROM material_orders o JOIN material_items i ON i.election_id = o.election_id
		WHERE o.batch_id = $1 AND (i.sku = 'TRACT-A5' OR (i.sku = 'AFFICHE-A2' AND o.id % 2 = 0) OR (i.sku = 'AUTOCOLLANT' AND o.id % 3 = 0))`, batch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE material_orders, material_order_lines`); err != nil {
		t.Fatal(err)
	}
	return batch
}

// loadLaPosteCommunes loads every commune and postal code of the La Poste
// file (../shared/data) that the demo did not already load.
func loadLaPosteCommunes(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	f, err := os.Open(dbtest.SharedData(t, "communes-laposte-hexasmal.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.Comma = ';'
	r.FieldsPerRecord = -1
	if _, err := r.Read(); err != nil { // header
		t.Fatal(err)
	}
	existing := map[string]bool{}
	rows, err := pool.Query(ctx, `SELECT code FROM communes`)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range codes {
		existing[c] = true
	}
	var communes, postal [][]any
	seen := map[string]bool{}
	seenPC := map[string]bool{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		code, ok := places.NormalizeCommune(rec[0])
		if !ok || existing[code] || len(rec) < 3 {
			continue
		}
		if !seen[code] {
			seen[code] = true
			communes = append(communes, []any{code, rec[1], places.Departement(code), places.Fold(rec[1])})
		}
		if k := rec[2] + code; !seenPC[k] && len(rec[2]) == 5 {
			seenPC[k] = true
			postal = append(postal, []any{rec[2], code})
		}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"communes"}, []string{"code", "name", "departement", "search_name"}, pgx.CopyFromRows(communes)); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"postal_codes"}, []string{"postal_code", "commune_code"}, pgx.CopyFromRows(postal)); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkMaterialExports50k measures each document over 50,000 batched
// orders spread over every French commune (La Poste file).
func BenchmarkMaterialExports50k(b *testing.B) {
	pool, e := materialSetup(b)
	loadLaPosteCommunes(b, pool)
	batch := insertMaterialOrders(b, pool, e, 50000, 0)
	admin := &staff.User{Email: "cli", Role: staff.Admin}
	for _, name := range []string{"material-printer", "material-shipper", "material-labels", "material-slips"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				f, err := os.CreateTemp(b.TempDir(), "export-*")
				if err != nil {
					b.Fatal(err)
				}
				n, err := exports.Run(context.Background(), pool, admin, "cli", name, exports.Params{"batch": materialID(batch)}, f)
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
				if name != "material-printer" && n.Rows != 50000 {
					b.Fatalf("%d rows", n.Rows)
				}
			}
		})
	}
}

// A batch outside the scope is not found by the exports, as by its page.
func TestMaterialExportOfABatchOutsideTheScope(t *testing.T) {
	pool, _ := materialSetup(t)
	ctx := context.Background()
	placeMaterialOrders(t, pool)
	admin := &staff.User{Email: "a@example.org", Role: staff.Admin}
	paris, err := materials.CreateBatch(ctx, pool, admin, materials.BatchInput{Election: demo.ElectionSlug, Departement: "75"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	org04 := &staff.User{Email: "org04@example.org", Role: staff.Organizer, Scope: []string{"04"}}
	p := exports.Params{"batch": materialID(paris.ID)}
	for _, name := range []string{"material-printer", "material-shipper", "material-slips", "material-labels"} {
		if _, err := exports.Run(ctx, pool, org04, org04.Actor(), name, p, io.Discard); !errors.Is(err, check.ErrNotFound) {
			t.Errorf("%s of a Paris batch by an organizer of the 04: %v", name, err)
		}
		if _, err := exports.Run(ctx, pool, admin, admin.Actor(), name, p, io.Discard); err != nil {
			t.Errorf("%s of a Paris batch by an admin: %v", name, err)
		}
	}
}
