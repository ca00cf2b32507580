package exports_test

import (
	"context"
	"testing"

	"scrutin/demo"
	"scrutin/exports"
)

// R46: the designation letter gives each person's home address with its
// postal code and town, the town as the sign-up form asks for it; a
// sign-up made before the form asked for the town prints as before.
func TestDelegateDesignationLetterGivesTheTown(t *testing.T) {
	f := newDelegateFixture(t)
	for key, addr := range map[string][3]any{
		"zoe":    {"2 rue X", "04000", "Digne-les-Bains"},
		"lukasz": {"7 rue Y", "04000", nil}, // signed up before the town was asked
		"soren":  {"Les Dourbes, 04000 Digne-les-Bains", "04000", "Digne-les-Bains"},
	} {
		if _, err := f.pool.Exec(context.Background(), `UPDATE delegate_volunteers SET address = $2, postal_code = $3, city = $4 WHERE id = $1`,
			f.ids[key], addr[0], addr[1], addr[2]); err != nil {
			t.Fatal(err)
		}
	}
	pdf, _ := f.run(t, dlgOrganizer, "designations", exports.Params{"commune": "04070", "election": demo.ElectionSlug})
	text, _ := pdfText(t, pdf)
	wantText(t, "designation", text,
		"Domicile : 2 rue X, 04000 Digne-les-Bains Inscrit·e à",
		"Domicile : 7 rue Y, 04000 Inscrit·e à",
		"Domicile : Les Dourbes, 04000 Digne-les-Bains Inscrit·e à")
	dontWantText(t, "designation", text, "Digne-les-Bains, 04000", "Digne-les-Bains Digne-les-Bains")
}
