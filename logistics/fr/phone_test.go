package fr

import "testing"

func TestPhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"+33698765432", "06 98 76 54 32"},
		{"+33123456789", "01 23 45 67 89"},
		{"+262692123456", "0692 12 34 56"}, // La Réunion: dialled as in France
		{"+590690001234", "0690 00 12 34"}, // Guadeloupe
		{"+442079460958", "+44 20 7946 0958"},
		{"+687751234", "+687 75.12.34"}, // New Caledonia: abroad, as the library writes it
		{"+32470123456", "+32 470 12 34 56"},
		{"", ""},
		{"not a number", "not a number"},
		{"+33abcdefghi", "+33abcdefghi"},
	} {
		if got := Phone(tc.in); got != tc.want {
			t.Errorf("Phone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
