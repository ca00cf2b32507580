package insee

import "testing"

func TestDepartementCodes(t *testing.T) {
	for _, tt := range []struct {
		code         string
		valid, known bool
	}{
		{"01", true, true},
		{"04", true, true},
		{"19", true, true},
		{"20", true, false}, // Corsica is 2A and 2B
		{"2A", true, true},
		{"2B", true, true},
		{"21", true, true},
		{"95", true, true},
		{"96", true, false},
		{"97", true, false}, // overseas codes have three digits
		{"98", true, false},
		{"99", true, false},
		{"00", true, false},
		{"970", false, false},
		{"971", true, true},
		{"974", true, true},
		{"976", true, true},
		{"977", true, true}, // Saint-Barthélemy
		{"978", true, true}, // Saint-Martin
		{"979", false, false},
		{"984", false, false}, // the Pacific's collectivities: communes only
		{"987", false, false},
		{"988", false, false},
		{"989", false, false},
		{"4", false, false},
		{"2a", false, false},
		{"2C", false, false},
		{"20A", false, false},
		{"04070", false, false},
		{"", false, false},
		{" 04", false, false},
		{"04 OR 1=1", false, false},
	} {
		if got := ValidDepartement(tt.code); got != tt.valid {
			t.Errorf("ValidDepartement(%q) = %v, want %v", tt.code, got, tt.valid)
		}
		if got := KnownDepartement(tt.code); got != tt.known {
			t.Errorf("KnownDepartement(%q) = %v, want %v", tt.code, got, tt.known)
		}
	}
}

func TestCommuneCodes(t *testing.T) {
	for _, tt := range []struct {
		code         string
		valid, known bool
		departement  string
	}{
		{"04070", true, true, "04"},
		{"01001", true, true, "01"},
		{"2A004", true, true, "2A"},
		{"2B033", true, true, "2B"},
		{"75056", true, true, "75"}, // Paris as a whole: a code, if not a voting place
		{"75104", true, true, "75"},
		{"95127", true, true, "95"},
		{"97101", true, true, "971"},
		{"97411", true, true, "974"},
		{"97611", true, true, "976"},
		{"97701", true, true, "977"},
		{"97801", true, true, "978"},
		{"97901", true, false, "979"},
		{"97001", true, false, "970"},
		{"98411", true, true, "98"},
		{"98611", true, true, "98"},
		{"98735", true, true, "98"},
		{"98818", true, true, "98"},
		{"98301", true, false, "98"},
		{"98901", true, false, "98"},
		{"99138", true, false, "99"}, // Monaco, in La Poste's file
		{"96001", true, false, "96"},
		{"20004", true, false, "20"},
		{"00001", true, false, "00"},
		{"2a004", false, false, "2a"}, // upper case only: see places.NormalizeCommune
		{"2C004", false, false, "2C"},
		{"2A0B4", false, false, "2A"},
		{"4070", false, false, "40"},
		{"040700", false, false, "04"},
		{"04", false, false, "04"}, // a département, not a commune
		{"9", false, false, "9"},
		{"", false, false, ""},
	} {
		if got := ValidCommune(tt.code); got != tt.valid {
			t.Errorf("ValidCommune(%q) = %v, want %v", tt.code, got, tt.valid)
		}
		if got := KnownCommune(tt.code); got != tt.known {
			t.Errorf("KnownCommune(%q) = %v, want %v", tt.code, got, tt.known)
		}
		if got := Departement(tt.code); got != tt.departement {
			t.Errorf("Departement(%q) = %q, want %q", tt.code, got, tt.departement)
		}
	}
}
