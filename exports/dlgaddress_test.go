package exports

import (
	"testing"

	"scrutin/logistics/delegates"
)

// dlgAddress completes the address typed with what it lacks of its postal
// code and town, once; a sign-up made before the form asked for the town
// prints as before.
func TestDlgAddress(t *testing.T) {
	for _, tc := range []struct{ address, postal, city, want string }{
		{"2 rue X", "04000", "Digne-les-Bains", "2 rue X, 04000 Digne-les-Bains"},
		{" 2 rue X ", "04000", " Digne-les-Bains ", "2 rue X, 04000 Digne-les-Bains"},
		{"2 rue X, 04000", "04000", "Digne-les-Bains", "2 rue X, 04000 Digne-les-Bains"},
		{"2 rue X, 04000 Digne-les-Bains", "04000", "Digne-les-Bains", "2 rue X, 04000 Digne-les-Bains"},
		{"2 rue X 04000 DIGNE LES BAINS", "04000", "Digne-les-Bains", "2 rue X 04000 DIGNE LES BAINS"},
		{"2 rue X, Digne-les-Bains", "04000", "Digne-les-Bains", "2 rue X, Digne-les-Bains, 04000"},
		{"2 rue X, 04000 Digne", "04000", "Digne-les-Bains", "2 rue X, 04000 Digne, Digne-les-Bains"},
		{"2 rue Yves", "80120", "Y", "2 rue Yves, 80120 Y"},
		{"Le Village", "05000", "Gap", "Le Village, 05000 Gap"},
		// Signed up before the town was asked: as before.
		{"2 rue X", "04000", "", "2 rue X, 04000"},
		{"2 rue X, 04000 Digne-les-Bains", "04000", "", "2 rue X, 04000 Digne-les-Bains"},
		{"2 rue X", "", "", "2 rue X"},
		{"2 rue X", "", "Digne-les-Bains", "2 rue X, Digne-les-Bains"},
	} {
		p := &delegates.DocPerson{Address: tc.address, PostalCode: tc.postal, City: tc.city}
		if got := dlgAddress(p); got != tc.want {
			t.Errorf("dlgAddress(%q, %q, %q) = %q, want %q", tc.address, tc.postal, tc.city, got, tc.want)
		}
	}
}
