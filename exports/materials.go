package exports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jung-kurt/gofpdf"

	"scrutin/logistics/elections"
	"scrutin/logistics/materials"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// Campaign-material documents. Each takes batch=N (a batch's orders), or
// election=SLUG with optional status, sku, departement, from, to (the
// same filters as the staff orders list); cancelled orders are left out
// unless status=cancelled is asked for.

const materialXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func init() {
	Register(Export{Name: "material-printer", Title: "quantités de matériel pour l'imprimeur", ContentType: materialXLSX, Params: MaterialParams,
		Description: "Matériel : quantités par article et par département, pour l'imprimeur (Excel) ; batch=N ou election=S [departement=D sku=REF status= from= to=]",
		File:        materialNaming("imprimeur", "xlsx"), Write: materialWrite(writeMaterialPrinter)})
	Register(Export{Name: "material-shipper", Title: "colis de matériel pour le transporteur", ContentType: materialXLSX, Personal: true, Params: MaterialParams,
		Description: "Matériel : un colis par ligne (destinataire, adresse, contenu, poids), pour le transporteur (Excel) ; batch=N ou election=S [departement=D sku=REF status= from= to=]",
		File:        materialNaming("transporteur", "xlsx"), Write: materialWrite(writeMaterialShipper)})
	Register(Export{Name: "material-slips", Title: "bordereaux de colisage du matériel", ContentType: "application/pdf", Personal: true, Params: MaterialParams,
		Description: "Matériel : bordereaux de colisage, une page par commande (PDF) ; batch=N ou election=S [departement=D sku=REF status= from= to=]",
		File:        materialNaming("bordereaux", "pdf"), Write: materialWrite(writeMaterialSlips)})
	Register(Export{Name: "material-labels", Title: "étiquettes d'adresse des colis de matériel", ContentType: "application/pdf", Personal: true, Params: MaterialParams,
		Description: "Matériel : étiquettes d'adresse, planches A4 de 3 × 8 (PDF) ; batch=N ou election=S [departement=D sku=REF status= from= to=]",
		File:        materialNaming("etiquettes", "pdf"), Write: materialWrite(writeMaterialLabels)})
}

// MaterialParams are the filters of the orders (materials.ParseFilter)
// the material documents read; the staff pages carry them to their links.
var MaterialParams = []string{"batch", "election", "departement", "sku", "status", "from", "to"}

// materialNaming names a material document: after its batch or
// election and the place, the other filters of the orders, a status in
// the words of the material pages (materialStatusWords).
func materialNaming(kind, ext string) Naming {
	return Naming{Kind: "materiel-" + kind, Ext: ext, Filters: []string{"sku", "status", "from", "to"},
		Words: map[string]func(string) string{"status": materialStatusWords}}
}

// materialStatusWords is an order status as the material pages name it
// (materials.Status.Label), for a file name: "enregistree" for pending,
// "en-preparation" for batched. A value that is no status stays as given.
func materialStatusWords(status string) string {
	st, ok := materials.ParseStatus(status)
	if !ok || st == "" {
		return status
	}
	return fileWords(st.Label())
}

// materialFilter reads the parameters into an orders filter. A
// département outside u's scope is refused with its reason (a
// *places.OutOfScope, places.CheckArea), as by the other exports, rather
// than answered with an empty document.
func materialFilter(ctx context.Context, pool *pgxpool.Pool, u *staff.User, p Params) (materials.Filter, *elections.Election, error) {
	f, e, err := materials.ParseFilter(ctx, pool, map[string]string(p), time.Now())
	if err != nil {
		return f, nil, err
	}
	// (ParseFilter has checked the code: CheckArea is asked for the scope.)
	var outside *places.OutOfScope
	if _, _, err := places.CheckArea(u, f.Departement, ""); errors.As(err, &outside) {
		return f, nil, err
	}
	// A batch is found only within the scope, as its staff page is.
	if f.BatchID != 0 {
		if _, err := materials.BatchByID(ctx, pool, u.ScopeArg(), f.BatchID); err != nil {
			return f, nil, err
		}
	}
	f.NotCancelled = f.Status == ""
	return f, e, nil
}

// materialWrite reads the parameters of a material document
// (materialFilter) and writes it, reporting what it was written for: the
// election resolved when neither a batch nor an election was given (the
// only open one) or named otherwise, and the département as read.
func materialWrite(write func(ctx context.Context, pool *pgxpool.Pool, u *staff.User, f materials.Filter, w io.Writer) (int, error)) func(context.Context, *pgxpool.Pool, *staff.User, Params, io.Writer) (Written, error) {
	return func(ctx context.Context, pool *pgxpool.Pool, u *staff.User, p Params, w io.Writer) (Written, error) {
		f, e, err := materialFilter(ctx, pool, u, p)
		if err != nil {
			return Written{}, err
		}
		n, err := write(ctx, pool, u, f, w)
		// A batch names its election: the file is named after the batch,
		// and its parameters stay as given.
		election := ""
		if strings.TrimSpace(p["batch"]) == "" && e != nil {
			election = e.Slug
		}
		return Written{Rows: n, Params: resolvedParams(p, election, map[string]string{"departement": f.Departement})}, err
	}
}

func writeMaterialPrinter(ctx context.Context, pool *pgxpool.Pool, u *staff.User, f materials.Filter, w io.Writer) (int, error) {
	rows, err := materials.PrinterRows(ctx, pool, u.ScopeArg(), f)
	if err != nil {
		return 0, err
	}
	// Items in reference order and départements in code order, for the
	// table the printer reads: one line per département, one column per item.
	type itemCol struct{ sku, label string }
	var items []itemCol
	col := map[string]int{}
	var deps []string
	byDep := map[string][]int{}
	totals := map[string]*materials.PrinterRow{}
	for _, r := range rows {
		if _, ok := col[r.SKU]; !ok {
			col[r.SKU] = -1
			items = append(items, itemCol{r.SKU, fmt.Sprintf("%s (%s)", r.Name, r.Unit)})
		}
		if t, ok := totals[r.SKU]; ok {
			t.Quantity += r.Quantity
			t.Orders += r.Orders
		} else {
			totals[r.SKU] = &r
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].sku < items[j].sku })
	for i, it := range items {
		col[it.sku] = i
	}
	for _, r := range rows {
		if _, ok := byDep[r.Departement]; !ok {
			deps = append(deps, r.Departement)
			byDep[r.Departement] = make([]int, len(items))
		}
		byDep[r.Departement][col[r.SKU]] += r.Quantity
	}

	x := NewWorkbook(w)
	defer x.Close()
	header := []string{"Département"}
	widths := []float64{14}
	for _, it := range items {
		header = append(header, it.label)
		widths = append(widths, math.Max(14, float64(len([]rune(it.label)))+2))
	}
	pivot, err := NewSheet(x, "Par département", header, widths)
	if err != nil {
		return 0, err
	}
	for _, d := range deps {
		vals := []any{d}
		for _, q := range byDep[d] {
			vals = append(vals, q)
		}
		if err := pivot.Add(vals...); err != nil {
			return 0, err
		}
	}
	if err := pivot.Close(); err != nil {
		return 0, err
	}
	detail, err := NewSheet(x, "Détail", []string{"Département", "Référence", "Article", "Unité", "Quantité", "Paquets", "Commandes"},
		[]float64{14, 16, 36, 14, 12, 10, 12})
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		if err := detail.Add(r.Departement, r.SKU, r.Name, r.Unit, r.Quantity, r.Packs(), r.Orders); err != nil {
			return 0, err
		}
	}
	if err := detail.Close(); err != nil {
		return 0, err
	}
	tot, err := NewSheet(x, "Totaux", []string{"Référence", "Article", "Unité", "Quantité", "Paquets", "Commandes"},
		[]float64{16, 36, 14, 12, 10, 12})
	if err != nil {
		return 0, err
	}
	for _, it := range items {
		t := totals[it.sku]
		if err := tot.Add(t.SKU, t.Name, t.Unit, t.Quantity, t.Packs(), t.Orders); err != nil {
			return 0, err
		}
	}
	if err := tot.Close(); err != nil {
		return 0, err
	}
	if err := SaveWorkbook(x); err != nil {
		return 0, err
	}
	return len(rows), nil
}

func writeMaterialShipper(ctx context.Context, pool *pgxpool.Pool, u *staff.User, f materials.Filter, w io.Writer) (int, error) {
	x := NewWorkbook(w)
	defer x.Close()
	sheet, err := NewSheet(x, "Colis",
		// The carrier routes by postal code and La Poste's delivery name
		// (what the labels print: "75004 PARIS"), not by the INSEE name
		// ("Paris 4e Arrondissement"), kept beside it for the organizers.
		[]string{"N° commande", "Destinataire", "Adresse", "Code postal", "Localité", "Commune", "Téléphone", "Contenu", "Poids (kg)", "Lot", "État"},
		[]float64{12, 26, 36, 11, 22, 26, 16, 60, 11, 8, 14})
	if err != nil {
		return 0, err
	}
	n, err := materials.EachOrder(ctx, pool, u.ScopeArg(), f, func(o *materials.Order) error {
		var weight any = ""
		if g, ok := o.WeightG(); ok {
			weight = math.Round(g) / 1000
		}
		var batch any = ""
		if o.BatchID != nil {
			batch = *o.BatchID
		}
		return sheet.Add(o.ID, o.Name, o.Address, o.PostalCode, o.DeliveryTown, o.CommuneName, phoneText(o.Phone), o.Contents(), weight, batch, o.Status.Label())
	})
	if err != nil {
		return n, err
	}
	if err := sheet.Close(); err != nil {
		return n, err
	}
	return n, SaveWorkbook(x)
}

// electionName caches election names for documents that span orders.
func electionName(ctx context.Context, pool *pgxpool.Pool, cache map[int64]string, id int64) string {
	if n, ok := cache[id]; ok {
		return n
	}
	name := ""
	if e, err := elections.ByID(ctx, pool, id); err == nil {
		name = e.Name
	}
	cache[id] = name
	return name
}

func writeMaterialSlips(ctx context.Context, pool *pgxpool.Pool, u *staff.User, f materials.Filter, w io.Writer) (int, error) {
	pdf := NewPDF()
	pdf.SetTitle("Bordereaux de colisage", true)
	names := map[int64]string{}
	n, err := materials.EachOrder(ctx, pool, u.ScopeArg(), f, func(o *materials.Order) error {
		pdf.AddPage()
		pdf.SetFont(Font, "B", 16)
		pdf.CellFormat(0, 9, fmt.Sprintf("Bordereau de colisage – commande n° %d", o.ID), "", 1, "L", false, 0, "")
		pdf.SetFont(Font, "", 10)
		info := electionName(ctx, pool, names, o.ElectionID)
		if o.BatchID != nil {
			info += fmt.Sprintf(" · lot n° %d", *o.BatchID)
		}
		info += " · commandée le " + o.CreatedAt.In(elections.Paris).Format("02/01/2006")
		pdf.MultiCell(0, 5, info, "", "L", false)
		pdf.Ln(6)

		pdf.SetFont(Font, "B", 11)
		pdf.CellFormat(0, 6, "Destinataire", "", 1, "L", false, 0, "")
		pdf.SetFont(Font, "", 12)
		for _, line := range []string{o.Name, o.Address, o.PostalCode + " " + o.DeliveryTown, "Tél. " + phoneText(o.Phone)} {
			pdf.MultiCell(0, 6, line, "", "L", false)
		}
		pdf.Ln(6)

		pdf.SetFont(Font, "B", 10)
		pdf.SetFillColor(221, 227, 240)
		pdf.CellFormat(35, 7, "Référence", "1", 0, "L", true, 0, "")
		pdf.CellFormat(95, 7, "Article", "1", 0, "L", true, 0, "")
		pdf.CellFormat(44, 7, "Quantité", "1", 1, "R", true, 0, "")
		pdf.SetFont(Font, "", 10)
		for _, l := range o.Lines {
			pdf.CellFormat(35, 7, l.SKU, "1", 0, "L", false, 0, "")
			pdf.CellFormat(95, 7, fitText(pdf, l.Name, 93), "1", 0, "L", false, 0, "")
			pdf.CellFormat(44, 7, l.Amount(), "1", 1, "R", false, 0, "")
		}
		if g, ok := o.WeightG(); ok {
			pdf.Ln(2)
			pdf.CellFormat(0, 6, "Poids estimé : "+materials.Kilograms(g), "", 1, "R", false, 0, "")
		}
		pdf.Ln(10)
		pdf.SetFont(Font, "", 9)
		pdf.MultiCell(0, 5, "Vérifié par : ______________________    Date : ____ / ____ / ________\n\n"+
			"Merci pour votre engagement ! Un souci avec ce colis ? Répondez à l'e-mail de confirmation de votre commande.", "", "L", false)
		return pdf.Error()
	})
	if err != nil {
		return n, err
	}
	if n == 0 {
		pdf.AddPage()
		pdf.CellFormat(0, 10, "Aucune commande pour ces critères.", "", 1, "L", false, 0, "")
	}
	return n, WritePDF(pdf, w)
}

// fitText shortens s with an ellipsis so that it fits width mm.
func fitText(pdf *gofpdf.Fpdf, s string, width float64) string {
	if pdf.GetStringWidth(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && pdf.GetStringWidth(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// Address labels: A4 sheets of 3 × 8 labels of 70 × 37.125 mm without
// margins (the common 24-per-sheet stock).
const (
	labelCols    = 3
	labelRows    = 8
	labelW       = 70.0
	labelH       = 297.0 / labelRows
	labelPadding = 5.0
)

func writeMaterialLabels(ctx context.Context, pool *pgxpool.Pool, u *staff.User, f materials.Filter, w io.Writer) (int, error) {
	pdf := NewPDF()
	pdf.SetTitle("Étiquettes d'adresse", true)
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	i := 0
	n, err := materials.EachOrder(ctx, pool, u.ScopeArg(), f, func(o *materials.Order) error {
		slot := i % (labelCols * labelRows)
		if slot == 0 {
			pdf.AddPage()
		}
		i++
		x := float64(slot%labelCols)*labelW + labelPadding
		y := float64(slot/labelCols)*labelH + labelPadding
		width := labelW - 2*labelPadding
		pdf.SetXY(x, y)
		pdf.SetFont(Font, "B", 10)
		pdf.CellFormat(width, 5, fitText(pdf, o.Name, width), "", 2, "L", false, 0, "")
		pdf.SetFont(Font, "", 9)
		lines := pdf.SplitText(o.Address, width)
		if len(lines) > 3 {
			lines = append(lines[:2], fitText(pdf, strings.Join(lines[2:], " "), width))
		}
		for _, l := range lines {
			pdf.CellFormat(width, 4.5, l, "", 2, "L", false, 0, "")
		}
		// The commune line matters most to the carrier: a smaller font
		// before any cut.
		town := o.PostalCode + " " + o.DeliveryTown
		for _, size := range []float64{10, 9, 8, 7} {
			pdf.SetFont(Font, "B", size)
			if pdf.GetStringWidth(town) <= width {
				break
			}
		}
		pdf.CellFormat(width, 5, fitText(pdf, town, width), "", 2, "L", false, 0, "")
		pdf.SetFont(Font, "", 6)
		pdf.SetXY(x, y+labelH-2*labelPadding-2.5)
		pdf.CellFormat(width, 3, fmt.Sprintf("Cde %d", o.ID), "", 0, "R", false, 0, "")
		return pdf.Error()
	})
	if err != nil {
		return n, err
	}
	if n == 0 {
		pdf.AddPage()
		pdf.SetXY(18, 18)
		pdf.CellFormat(0, 10, "Aucune commande pour ces critères.", "", 1, "L", false, 0, "")
	}
	return n, WritePDF(pdf, w)
}
