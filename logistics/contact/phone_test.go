package contact

import (
	"testing"

	"scrutin/logistics/check"
)

// TestPhoneWithExtension: a number with an extension is refused rather
// than stored without it; the same number alone passes.
func TestPhoneWithExtension(t *testing.T) {
	const extension = "Numéro de téléphone invalide : indiquez un numéro direct, sans poste (un poste ne reçoit pas les SMS)."
	for _, tc := range []struct {
		in, want, msg string
	}{
		{"+33611223344", "+33611223344", ""},
		{"06 11 22 33 44", "+33611223344", ""},
		{"06.11.22.33.44", "+33611223344", ""},
		{"+33 (0)6 11 22 33 44", "+33611223344", ""},
		{"tel:+33611223344", "+33611223344", ""},
		{"+33611223344 ext 2", "", extension},
		{"+33611223344 ext. 2", "", extension},
		{"0611223344 extension 2", "", extension},
		{"0611223344 x2", "", extension},
		{"0611223344#2", "", extension},
		{"0611223344;ext=2", "", extension},
		{"0611223344,2", "", extension},
		{"01 44 55 66 77 ext 12", "", extension},
		{"06 11 22 33 44 poste 2", "", extension},
		{"01 44 55 66 77 Poste 12", "", extension},
		{"06 11 22 33", "", "Numéro de téléphone invalide."},
	} {
		errs := check.Errors{}
		got := Phone(errs, "phone", tc.in, true)
		if errs["phone"] != tc.msg {
			t.Errorf("Phone(%q): message %q, want %q", tc.in, errs["phone"], tc.msg)
			continue
		}
		if tc.msg == "" && got != tc.want {
			t.Errorf("Phone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
