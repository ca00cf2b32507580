// Package delegates holds poll delegates (assesseurs and délégués, Code
// électoral R44-R47): volunteers' sign-up, the seats each bureau needs, and
// the assignment of volunteers to seats (an exact min-cost flow, see
// assign.go).
package delegates

// Role is a seat in a bureau that a candidate or list may fill.
type Role string

const (
	AssesseurTitulaire Role = "assesseur_titulaire"
	AssesseurSuppleant Role = "assesseur_suppleant"
	DelegueTitulaire   Role = "delegue_titulaire"
	DelegueSuppleant   Role = "delegue_suppleant"
)

// Roles in the order documents and pages list them.
var Roles = []Role{AssesseurTitulaire, AssesseurSuppleant, DelegueTitulaire, DelegueSuppleant}

// DefaultRoles are what a bureau needs when no rule says otherwise.
var DefaultRoles = []Role{AssesseurTitulaire, AssesseurSuppleant, DelegueTitulaire}

// Valid reports a known role.
func (r Role) Valid() bool { return r.index() >= 0 }

func (r Role) index() int {
	for i, x := range Roles {
		if x == r {
			return i
		}
	}
	return -1
}

// Assesseur reports a seat at the bureau's table (R44, R45): such a person
// sits in that bureau all day and holds no other seat that round.
func (r Role) Assesseur() bool { return r == AssesseurTitulaire || r == AssesseurSuppleant }

// Delegue reports a délégué seat (R47): one person may cover several
// bureaux of one commune.
func (r Role) Delegue() bool { return r == DelegueTitulaire || r == DelegueSuppleant }

// Titulaire reports a titulaire seat, covered before suppléants.
func (r Role) Titulaire() bool { return r == AssesseurTitulaire || r == DelegueTitulaire }

// Label is the French name of the role, as printed on letters and pages.
func (r Role) Label() string {
	switch r {
	case AssesseurTitulaire:
		return "Assesseur titulaire"
	case AssesseurSuppleant:
		return "Assesseur suppléant"
	case DelegueTitulaire:
		return "Délégué titulaire"
	case DelegueSuppleant:
		return "Délégué suppléant"
	}
	return string(r)
}

// DefaultMaxBureauxPerDelegue is how many bureaux of one commune a délégué
// may cover in a round unless the election's settings say otherwise.
const DefaultMaxBureauxPerDelegue = 3
