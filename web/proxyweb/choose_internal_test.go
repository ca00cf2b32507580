package proxyweb

import "testing"

// The queue says what it cannot offer until an election is chosen, and
// only that.
func TestChooseText(t *testing.T) {
	const (
		spans = "Cette liste couvre plusieurs élections : choisissez-en une dans le filtre pour "
		open  = "Plusieurs élections sont ouvertes : choisissez-en une dans le filtre pour "
	)
	for _, tc := range []struct {
		exportable, spansSeveral, severalOpen, admin bool
		want                                         string
	}{
		{true, false, false, false, ""},
		{true, false, false, true, ""},
		{false, false, false, true, ""}, // nothing to export, nothing open
		{false, true, false, false, spans + "l'exporter."},
		{false, true, false, true, spans + "l'exporter."}, // one open: the batch knows its election
		{false, true, true, true, spans + "l'exporter ou lancer l'appariement."},
		{false, true, true, false, spans + "l'exporter."},
		{false, false, true, false, open + "exporter."},
		{false, false, true, true, open + "exporter ou lancer l'appariement."},
		{true, false, true, true, open + "lancer l'appariement."},
		{true, false, true, false, ""},
	} {
		if got := chooseText(tc.exportable, tc.spansSeveral, tc.severalOpen, tc.admin); got != tc.want {
			t.Errorf("chooseText(%v, %v, %v, %v) = %q, want %q", tc.exportable, tc.spansSeveral, tc.severalOpen, tc.admin, got, tc.want)
		}
	}
}
