package places_test

import (
	"testing"

	"scrutin/logistics/check"
	"scrutin/logistics/places"
)

// A place given twice is refused in one sentence, whether the rule is
// CheckArea's (a commune with another département) or CheckOneArea's (a
// commune with any département, for what is about one place only).
func TestCheckOneArea(t *testing.T) {
	const both = "Indiquez une commune ou un département, pas les deux."
	for _, c := range []struct{ dep, commune, msg string }{
		{"", "", ""},
		{"04", "", ""},
		{"", "04070", ""},
		{"  ", "04070", ""},
		{"04", " \t", ""},
		{"04", "04070", both}, // agreeing: still two places
		{"75", "04070", both},
		{" 2a ", "ZZZZZ", both}, // said before the codes are read
	} {
		err := places.CheckOneArea(c.dep, c.commune)
		if c.msg == "" {
			if err != nil {
				t.Errorf("CheckOneArea(%q, %q) = %v, want nil", c.dep, c.commune, err)
			}
			continue
		}
		if inv, ok := check.AsInvalid(err); !ok || inv.Fields["commune"] != c.msg {
			t.Errorf("CheckOneArea(%q, %q) = %v, want commune: %q", c.dep, c.commune, err, c.msg)
		}
	}
	if _, _, err := places.CheckArea(nil, "75", "04070"); !hasField(err, "commune", both) {
		t.Errorf("CheckArea(75, 04070) = %v, want commune: %q", err, both)
	}
}

// The example of a département code is the one every page gives (the
// delegate needs page's label, logistics/delegates' representatives).
func TestCheckAreaDepartementExample(t *testing.T) {
	const bad = "Code de département invalide (par exemple 04, 2A ou 974)."
	for _, dep := range []string{"ZZ", "123", "2C", "979"} {
		if _, _, err := places.CheckArea(nil, dep, ""); !hasField(err, "departement", bad) {
			t.Errorf("CheckArea(%q, \"\") = %v, want departement: %q", dep, err, bad)
		}
	}
}

func hasField(err error, field, msg string) bool {
	inv, ok := check.AsInvalid(err)
	return ok && inv.Fields[field] == msg
}
