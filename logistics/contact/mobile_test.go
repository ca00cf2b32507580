package contact_test

import (
	"testing"

	"scrutin/logistics/contact"
)

// Only mobile lines are texted: a landline would make the SMS gateway
// refuse the message, again and again.
func TestMobile(t *testing.T) {
	for _, tc := range []struct {
		e164   string
		mobile bool
	}{
		{"+33612345678", true},
		{"+33712345678", true},
		{"+33492305200", false}, // Digne, a landline
		{"+33912345678", false},
		{"+262692123456", true},  // La Réunion, a mobile
		{"+262262123456", false}, // La Réunion, a landline
		{"+447911123456", true},
		{"", false},
		{"pas un numéro", false},
	} {
		if got := contact.Mobile(tc.e164); got != tc.mobile {
			t.Errorf("Mobile(%q) = %v, want %v", tc.e164, got, tc.mobile)
		}
	}
}
