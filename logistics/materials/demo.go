package materials

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/elections"
)

// DemoItems is the demo election's catalog: small minimums so that a
// newcomer can order at once.
var DemoItems = []struct {
	SKU, Name, Description, Unit    string
	Min, Pack, Max, Stock, PriceCts int
	WeightG                         float64
}{
	{"TRACT-A5", "Tract A5", "« Ensemble pour demain » : recto verso, papier recyclé 90 g, pour le porte-à-porte et les marchés.",
		"tracts", 50, 50, 1000, 20000, 0, 2.8},
	{"AFFICHE-A2", "Affiche A2", "Affiche officielle de la liste, 42 × 59,4 cm, pour les panneaux et les vitrines.",
		"affiches", 5, 5, 50, 2000, 0, 25},
	{"AUTOCOLLANT", "Autocollants ronds", "Autocollants de 8 cm de diamètre, par planches de 20.",
		"autocollants", 20, 20, 200, 10000, 0, 1},
}

// LoadDemo adds the demo catalog to the demo election (a demo.Loader). The
// cut-off is a week before the first round, so that the catalog is
// orderable for three weeks after the demo is loaded.
func LoadDemo(ctx context.Context, tx pgx.Tx, e *elections.Election, now time.Time, _ string) error {
	cutoff := elections.Today(now).AddDate(0, 0, 21)
	if len(e.Rounds) > 0 {
		cutoff = e.Rounds[0].Date.AddDate(0, 0, -7)
	}
	for _, it := range DemoItems {
		if _, err := tx.Exec(ctx, `
			INSERT INTO material_items (election_id, sku, name, description, unit, min_per_person, pack_size,
				max_per_person, stock, price_cents, unit_weight_g, cutoff_date)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (election_id, sku) DO NOTHING`,
			e.ID, it.SKU, it.Name, it.Description, it.Unit, it.Min, it.Pack, it.Max, it.Stock, it.PriceCts, it.WeightG, cutoff); err != nil {
			return err
		}
	}
	return nil
}
