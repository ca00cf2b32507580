// Package insee tells well-formed French administrative codes as INSEE
// writes them: départements ("04", "2A", "971") and communes ("04070",
// "2A004", "97101"). It is the one place that knows their shapes, and a
// leaf: places, staff and any other package may import it.
package insee

// ValidDepartement reports a well-formed département code, in upper case:
// two digits (any: "20", "96" or "99" are well formed, though no
// département has them; see KnownDepartement), Corsica's "2A" and "2B", or
// an overseas code from "971" (Guadeloupe) to "978" (Saint-Martin).
func ValidDepartement(code string) bool {
	switch len(code) {
	case 2:
		return digits(code) || code == "2A" || code == "2B"
	case 3:
		return code[0] == '9' && code[1] == '7' && code[2] >= '1' && code[2] <= '8'
	}
	return false
}

// KnownDepartement reports a well-formed département code that a
// département has: not "00", "20" (Corsica is 2A and 2B), "96", or "97" to
// "99" on two digits (overseas codes have three).
func KnownDepartement(code string) bool {
	if !ValidDepartement(code) {
		return false
	}
	switch code {
	case "00", "20", "96", "97", "98", "99":
		return false
	}
	return true
}

// ValidCommune reports a well-formed commune code, in upper case and
// without padding: two digits, "2A" or "2B", then three digits ("04070",
// "2A004", "97101", "98735"; "20004" and "99138" too, see KnownCommune).
func ValidCommune(code string) bool {
	if len(code) != 5 || !digits(code[2:]) {
		return false
	}
	d := code[:2]
	return digits(d) || d == "2A" || d == "2B"
}

// KnownCommune reports a well-formed commune code of a known département
// ("04070", "2A004", "97101", "97801"), or of a collectivity of the
// Pacific, whose codes start with 984 to 988 ("98735": Polynésie
// française). Whether a commune has the code is for the communes table to
// say.
func KnownCommune(code string) bool {
	if !ValidCommune(code) {
		return false
	}
	if KnownDepartement(Departement(code)) {
		return true
	}
	return code[:2] == "98" && code[2] >= '4' && code[2] <= '8'
}

// Departement of a commune code: its first 3 characters when it starts
// with 97 (overseas), else its first 2 ("98735" gives "98", which no
// département has). The SQL function departement_of (migration 001) says
// the same.
func Departement(commune string) string {
	if len(commune) >= 3 && commune[:2] == "97" {
		return commune[:3]
	}
	if len(commune) < 2 {
		return commune
	}
	return commune[:2]
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
