package materials

import "testing"

// The refusal over the per-person maximum never offers what the next
// order would refuse again.
func TestMaxMessageOffersOnlyWhatCanBeOrdered(t *testing.T) {
	const nb = "\u202f" // fr.Number's thousands separator
	tracts := &Item{Name: "Tract", Unit: "tracts", MinPerPerson: 200, PackSize: 100, MaxPerPerson: 1000}
	for _, tc := range []struct {
		before int
		want   string
	}{
		{400, "« Tract » : 1" + nb + "000 tracts au plus par personne ; vous en avez déjà commandé 400, vous pouvez encore en commander 600."},
		{800, "« Tract » : 1" + nb + "000 tracts au plus par personne ; vous en avez déjà commandé 800, vous pouvez encore en commander 200."},
		// 100 left, under the minimum of 200 an order takes.
		{900, "« Tract » : vous en avez déjà commandé 900 sur 1" + nb + "000 tracts au plus par personne, et une commande en compte 200 au moins : vous ne pouvez plus en commander."},
		{1000, "« Tract » : vous avez déjà commandé le maximum de 1" + nb + "000 tracts par personne."},
	} {
		if got := maxMessage(tracts, tc.before); got != tc.want {
			t.Errorf("after %d:\n got %q\nwant %q", tc.before, got, tc.want)
		}
	}
	// 150 left (an earlier order under another pack size), packs of 100:
	// 100 can still be ordered.
	posters := &Item{Name: "Affiche", Unit: "affiches", MinPerPerson: 100, PackSize: 100, MaxPerPerson: 350}
	if got, want := maxMessage(posters, 200), "« Affiche » : 350 affiches au plus par personne ; vous en avez déjà commandé 200, vous pouvez encore en commander 100."; got != want {
		t.Errorf("pack rounding:\n got %q\nwant %q", got, want)
	}
}
