package exports

import "testing"

// TestPhoneText: the workbooks' phones are fr.Phone's (tested there), but
// a foreign number starts with 00, never with a formula's "+".
func TestPhoneText(t *testing.T) {
	for in, want := range map[string]string{
		"+33612345678":  "06 12 34 56 78",
		"+262692123456": "0692 12 34 56",
		"+442079460958": "00 44 20 7946 0958",
		"":              "",
		"not a number":  "not a number",
	} {
		if got := phoneText(in); got != want {
			t.Errorf("phoneText(%q) = %q, want %q", in, got, want)
		}
	}
}
