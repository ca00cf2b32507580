package insee

import "testing"

func TestDepartementCodes(t *testing.T) {
	for _, tt := range []struct {
		code                       string
		valid, known, collectivity bool
	}{
		{"01", true, true, false},
		{"04", true, true, false},
		{"19", true, true, false},
		{"20", true, false, false}, // Corsica is 2A and 2B
		{"2A", true, true, false},
		{"2B", true, true, false},
		{"21", true, true, false},
		{"95", true, true, false},
		{"96", true, false, false},
		{"97", true, false, false}, // overseas codes have three digits
		{"98", true, false, false},
		{"99", true, false, false},
		{"00", true, false, false},
		{"970", false, false, false},
		{"971", true, true, false},
		{"974", true, true, false},
		{"975", true, true, false}, // Saint-Pierre-et-Miquelon
		{"976", true, true, false},
		{"977", true, true, false}, // Saint-Barthélemy
		{"978", true, true, false}, // Saint-Martin
		{"979", false, false, false},
		{"980", false, false, false},
		{"983", false, false, false},
		{"984", false, false, true},  // Terres australes et antarctiques
		{"985", false, false, false}, // Mayotte's until 2011: now 976
		{"986", false, false, true},  // Wallis-et-Futuna
		{"987", false, false, true},  // Polynésie française
		{"988", false, false, true},  // Nouvelle-Calédonie
		{"989", false, false, false}, // Clipperton: no inhabitant
		{"4", false, false, false},
		{"2a", false, false, false},
		{"2C", false, false, false},
		{"20A", false, false, false},
		{"04070", false, false, false},
		{"98735", false, false, false},
		{"", false, false, false},
		{" 04", false, false, false},
		{" 987", false, false, false},
		{"04 OR 1=1", false, false, false},
	} {
		if got := ValidDepartement(tt.code); got != tt.valid {
			t.Errorf("ValidDepartement(%q) = %v, want %v", tt.code, got, tt.valid)
		}
		if got := KnownDepartement(tt.code); got != tt.known {
			t.Errorf("KnownDepartement(%q) = %v, want %v", tt.code, got, tt.known)
		}
		if got := KnownCollectivity(tt.code); got != tt.collectivity {
			t.Errorf("KnownCollectivity(%q) = %v, want %v", tt.code, got, tt.collectivity)
		}
		if got, want := KnownArea(tt.code), tt.known || tt.collectivity; got != want {
			t.Errorf("KnownArea(%q) = %v, want %v", tt.code, got, want)
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
		{"97501", true, true, "975"}, // Saint-Pierre-et-Miquelon
		{"97502", true, true, "975"},
		{"97901", true, false, "979"},
		{"97001", true, false, "970"},
		{"98411", true, true, "984"},
		{"98611", true, true, "986"},
		{"98612", true, true, "986"},
		{"98711", true, true, "987"},
		{"98735", true, true, "987"}, // Papeete
		{"98758", true, true, "987"},
		{"98801", true, true, "988"},
		{"98818", true, true, "988"}, // Nouméa
		{"98001", true, false, "980"},
		{"98301", true, false, "983"},
		{"98501", true, false, "985"}, // Mayotte's old code
		{"98901", true, false, "989"}, // Clipperton, in La Poste's file
		{"99138", true, false, "99"},  // Monaco, in La Poste's file
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
		// One rule: a known commune is a well-formed one in a known
		// département or collectivity.
		if got := ValidCommune(tt.code) && KnownArea(Departement(tt.code)); got != tt.known {
			t.Errorf("KnownArea(Departement(%q)) = %v, want %v", tt.code, got, tt.known)
		}
	}
}

// Departement takes any string, as departement_of does in SQL: short or
// odd input gives itself or its first characters, never a panic.
func TestDepartementOfAnyString(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "9": "9", "97": "97", "98": "98", "975": "975", "987": "987", "9873": "987",
		"04": "04", "040": "04", "2A": "2A", "99": "99", "99138": "99", "96001": "96",
	} {
		if got := Departement(in); got != want {
			t.Errorf("Departement(%q) = %q, want %q", in, got, want)
		}
	}
}

// Paris, Lyon and Marseille as a whole, with their arrondissements; an
// arrondissement or any other commune is not a whole city.
func TestWhole(t *testing.T) {
	for code, want := range map[string]string{
		"75056": "Paris 75101-75120 75", "69123": "Lyon 69381-69389 ", "13055": "Marseille 13201-13216 ",
		"75101": "", "69381": "", "13201": "", "04070": "", "75": "",
	} {
		c, ok := Whole(code)
		got := ""
		if ok {
			got = c.Name + " " + c.First + "-" + c.Last + " " + c.Departement
		}
		if got != want {
			t.Errorf("Whole(%q) = %q, want %q", code, got, want)
		}
	}
}

// Clipperton, in La Poste's file as 98901 (area 989), is refused in one
// sentence that says why; every other code, Pacific or not, is not an
// uninhabited place.
func TestUninhabited(t *testing.T) {
	for _, tt := range []struct {
		code, refusal string
	}{
		{"98901", "L'île de Clipperton (98901) n'a ni habitant ni bureau de vote : personne n'y vote."},
		{"989", "L'île de Clipperton (989) n'a ni habitant ni bureau de vote : personne n'y vote."},
		{"98902", ""},
		{"98", ""},
		{"987", ""},
		{"98735", ""},
		{"04070", ""},
		{"", ""},
	} {
		got := ""
		if p, ok := Uninhabited(tt.code); ok {
			got = p.Refusal(tt.code)
		}
		if got != tt.refusal {
			t.Errorf("Uninhabited(%q): %q, want %q", tt.code, got, tt.refusal)
		}
	}
	// Nobody lives there: neither a known commune nor a known area, and
	// the area is the commune's.
	for _, p := range uninhabited {
		if KnownCommune(p.Commune) || KnownArea(p.Area) || Departement(p.Commune) != p.Area || !ValidCommune(p.Commune) {
			t.Errorf("%+v: known commune %v, known area %v, Departement %q", p, KnownCommune(p.Commune), KnownArea(p.Area), Departement(p.Commune))
		}
	}
}
