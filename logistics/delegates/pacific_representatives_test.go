package delegates_test

import (
	"context"
	"fmt"
	"testing"

	"scrutin/logistics/check"
	"scrutin/logistics/delegates"
	"scrutin/logistics/insee"
)

// French Polynesia (987) and New Caledonia (988) have representatives
// like any département (migration 023; 006 and 020 stopped at 978); a
// code no département or collectivity has is refused in French, and
// Clipperton (989), in the communes table but with nobody to sign for,
// says so.
func TestPacificRepresentatives(t *testing.T) {
	d, e, admin := setup(t, false)
	ctx := context.Background()
	if _, err := d.Pool.Exec(ctx, `INSERT INTO communes (code, name, departement, search_name) VALUES
		('98735', 'Papeete', '987', 'papeete'), ('98818', 'Nouméa', '988', 'noumea'),
		('98901', 'Île de Clipperton', '989', 'ile de clipperton'), ('99138', 'Monaco', '99', 'monaco')
		ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ departement, name string }{{"987", "Teva Rua"}, {" 988 ", "Wassissi Wamytan"}} {
		r, err := d.SetRepresentative(ctx, admin, delegates.RepresentativeInput{Election: e.Slug, Departement: c.departement, Name: c.name})
		if err != nil || r.Name != c.name {
			t.Fatalf("%q: %+v, %v", c.departement, r, err)
		}
	}
	for dep, want := range map[string]string{"987": "Teva Rua", "988": "Wassissi Wamytan"} {
		if got, err := delegates.RepresentativeOf(ctx, d.Pool, e, dep); err != nil || got != want {
			t.Errorf("%s signed by %q, %v; want %q", dep, got, err, want)
		}
	}
	reps, err := delegates.Representatives(ctx, d.Pool, admin, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, r := range reps {
		listed = append(listed, r.Departement+" "+r.Name)
	}
	if want := []string{"987 Teva Rua", "988 Wassissi Wamytan"}; len(listed) != 2 || listed[0] != want[0] || listed[1] != want[1] {
		t.Errorf("listed %q, want %q", listed, want)
	}
	if err := d.RemoveRepresentative(ctx, admin, e.Slug, "988"); err != nil {
		t.Fatalf("remove 988: %v", err)
	}

	const bad = "Code de département invalide (par exemple 04, 2A ou 974)."
	for dep, want := range map[string]string{
		"99":    bad, // Monaco's communes are in the file, not in any département
		"98":    bad, // 021: the Pacific is 984, 986, 987, 988
		"985":   bad, // Mayotte's old code
		"20":    bad,
		"989":   "L'île de Clipperton (989) n'a ni habitant ni bureau de vote : personne n'y vote.",
		"98901": "L'île de Clipperton (98901) n'a ni habitant ni bureau de vote : personne n'y vote.",
	} {
		_, err := d.SetRepresentative(ctx, admin, delegates.RepresentativeInput{Election: e.Slug, Departement: dep, Name: "X Y"})
		if inv, ok := check.AsInvalid(err); !ok || inv.Fields["departement"] != want {
			t.Errorf("%s: %v, want departement: %q", dep, err, want)
		}
		if _, ok := check.AsInvalid(d.RemoveRepresentative(ctx, admin, e.Slug, dep)); !ok {
			t.Errorf("remove %s: not refused as invalid", dep)
		}
	}
}

// The database's check on a representative's département takes what
// insee.KnownArea takes, and nothing else, over every code of up to three
// characters that could be typed for one.
func TestRepresentativeCheckIsKnownArea(t *testing.T) {
	d, e, _ := setup(t, false)
	ctx := context.Background()
	var codes []string
	for i := 0; i < 100; i++ {
		codes = append(codes, fmt.Sprintf("%02d", i))
	}
	for i := 970; i < 1000; i++ {
		codes = append(codes, fmt.Sprint(i))
	}
	codes = append(codes, "2A", "2B", "2C", "1A", "9A", "2a", "4", "", "04070", "98735")
	for _, code := range codes {
		_, err := d.Pool.Exec(ctx, `INSERT INTO delegate_representatives (election_id, departement, name) VALUES ($1, $2, 'X') ON CONFLICT DO NOTHING`, e.ID, code)
		if stored := err == nil; stored != insee.KnownArea(code) {
			t.Errorf("%q: stored %v (%v), insee.KnownArea %v", code, stored, err, insee.KnownArea(code))
		}
	}
}
