package exports_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/xuri/excelize/v2"

	"scrutin/demo"
	"scrutin/exports"
)

// The workbook's "Distance acceptée" is written the French way, to the
// tenth the volunteer gave ("7,5 km").
func TestDelegateWorkbookDistance(t *testing.T) {
	f := newDelegateFixture(t)
	for key, km := range map[string]any{"zoe": "7.5", "lukasz": "12", "formula": "0", "long": "200.0", "soren": nil} {
		if _, err := f.pool.Exec(context.Background(), `UPDATE delegate_volunteers SET max_distance_km = $2::numeric WHERE id = $1`, f.ids[key], km); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := f.run(t, dlgOrganizer, "delegates", exports.Params{"election": demo.ElectionSlug, "departement": "04"})
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows("Bénévoles")
	if err != nil {
		t.Fatal(err)
	}
	const col = 11 // "Distance acceptée"
	if len(rows) == 0 || len(rows[0]) <= col || rows[0][col] != "Distance acceptée" {
		t.Fatalf("header %v", rows)
	}
	got := map[string]string{}
	for _, r := range rows[1:] {
		if len(r) > col {
			got[r[0]] = r[col]
		}
	}
	for last, want := range map[string]string{
		"BRÛLÉ-NGUYỄN":       "7,5 km",
		"ŻÓŁĆ":               "12 km",
		"=CMD|' /C CALC'!A0": "Son bureau",
		"DE LA TOUR D'AUVERGNE-LAURAGUAIS DE MONTMORENCY-LAVAL DE SAINT-EXUPÉRY": "200 km",
		"ØSTER":  "Sa commune",
		"ПЕТРОВ": "Sa commune",
	} {
		if got[last] != want {
			t.Errorf("%s: distance %q, want %q", last, got[last], want)
		}
	}
}
