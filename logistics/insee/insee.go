// Package insee tells well-formed French administrative codes as INSEE
// writes them: départements ("04", "2A", "971"), the overseas
// collectivities whose communes have 98x codes ("987"), and communes
// ("04070", "2A004", "97101", "98735"). It is the one place that knows
// their shapes, and a leaf: places, staff and any other package may import
// it. The SQL function departement_of (migration 021) is Departement.
package insee

import "strings"

// ValidDepartement reports a well-formed département code, in upper case:
// two digits (any: "20", "96" or "99" are well formed, though no
// département has them; see KnownDepartement), Corsica's "2A" and "2B", or
// an overseas code from "971" (Guadeloupe) to "978" (Saint-Martin). The
// collectivities of 98x codes are not départements: see KnownCollectivity.
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
// "99" on two digits (overseas codes have three): 971 to 978, with
// Saint-Pierre-et-Miquelon (975), Saint-Barthélemy (977) and Saint-Martin
// (978), which are collectivities too.
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

// KnownCollectivity reports the code of an overseas collectivity whose
// communes have 98x codes: the Terres australes et antarctiques françaises
// (984), Wallis-et-Futuna (986), French Polynesia (987) and New Caledonia
// (988). Not 985 (Mayotte's until it became 976) nor Clipperton (989: an
// island with no inhabitant, though La Poste's file gives it 98901; see
// Uninhabited).
func KnownCollectivity(code string) bool {
	switch code {
	case "984", "986", "987", "988":
		return true
	}
	return false
}

// KnownArea reports a code that groups communes: a département
// (KnownDepartement) or a collectivity of 98x codes (KnownCollectivity).
// It is what Departement gives for every KnownCommune.
func KnownArea(code string) bool { return KnownDepartement(code) || KnownCollectivity(code) }

// ValidCommune reports a well-formed commune code, in upper case and
// without padding: two digits, "2A" or "2B", then three digits ("04070",
// "2A004", "97101", "98735"; "20004" and "99138" too, see KnownCommune).
// The CHECK constraint on communes.code (migration 021) says the same.
func ValidCommune(code string) bool {
	if len(code) != 5 || !digits(code[2:]) {
		return false
	}
	d := code[:2]
	return digits(d) || d == "2A" || d == "2B"
}

// KnownCommune reports a well-formed commune code of a known département
// or collectivity (KnownArea of its Departement): "04070", "2A004",
// "97101", "97501", "97801", "98735" (French Polynesia), "98818" (New
// Caledonia). Whether a commune has the code is for the communes table to
// say.
func KnownCommune(code string) bool {
	return ValidCommune(code) && KnownArea(Departement(code))
}

// Departement of a commune code, the département or collectivity it is
// in: its first 3 characters when it starts with 97 or 98 (overseas:
// "97411" is in 974, "98735" in 987), else its first 2 ("04070" is in 04,
// "2A004" in 2A, "99138" gives "99", which no département has). The SQL
// function departement_of (migration 021) says the same.
func Departement(commune string) string {
	if len(commune) >= 3 && (commune[:2] == "97" || commune[:2] == "98") {
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

// NormalizeArea is a département or collectivity code as typed, in the
// form the other functions take: trimmed, upper-cased ("2a" is "2A"), and
// a lone digit given the leading zero a spreadsheet or a hurried hand
// dropped ("4" is "04").
func NormalizeArea(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) == 1 && code[0] >= '1' && code[0] <= '9' {
		code = "0" + code
	}
	return code
}

// An UninhabitedPlace is in La Poste's communes file, and so in the
// communes table and the commune search, but nobody lives there: no
// voter, no bureau, nothing a campaign covers. Its codes are neither
// KnownCommune nor KnownArea (a scope, filter or representative there
// would stand for nobody); Refusal says so, rather than « Commune
// inconnue » for a commune the search has just offered.
type UninhabitedPlace struct {
	Name    string // as a sentence starts with it: "L'île de Clipperton"
	Commune string // its code in La Poste's file, "98901"
	Area    string // what Departement gives of it, "989"
}

// Clipperton, an atoll of the eastern Pacific held by the State, has no
// inhabitant and so no electoral list and no bureau de vote.
var uninhabited = []UninhabitedPlace{{Name: "L'île de Clipperton", Commune: "98901", Area: "989"}}

// Uninhabited reports whether code is the commune or area code of an
// uninhabited place ("98901" or "989"), and which.
func Uninhabited(code string) (UninhabitedPlace, bool) {
	for _, p := range uninhabited {
		if code == p.Commune || code == p.Area {
			return p, true
		}
	}
	return UninhabitedPlace{}, false
}

// Refusal is the one French sentence that refuses code, p's commune or
// area code, wherever a place is asked for (scopes, filters,
// representatives): « L'île de Clipperton (98901) n'a ni habitant ni
// bureau de vote : personne n'y vote. »
func (p UninhabitedPlace) Refusal(code string) string {
	return p.Name + " (" + code + ") n'a ni habitant ni bureau de vote : personne n'y vote."
}

// A WholeCity is Paris, Lyon or Marseille as a whole (75056, 69123,
// 13055): people vote in, and are recorded under, their arrondissement,
// never this code.
type WholeCity struct {
	Name        string // "Paris"
	First, Last string // its arrondissements' codes, "75101" to "75120"
	// Departement is the département that is the city and nothing else
	// ("75"), or "" (69 and 13 are larger than Lyon and Marseille).
	Departement string
}

var wholeCities = map[string]WholeCity{
	"75056": {Name: "Paris", First: "75101", Last: "75120", Departement: "75"},
	"69123": {Name: "Lyon", First: "69381", Last: "69389"},
	"13055": {Name: "Marseille", First: "13201", Last: "13216"},
}

// Whole reports whether code is a city as a whole, and which.
func Whole(code string) (WholeCity, bool) {
	c, ok := wholeCities[code]
	return c, ok
}
