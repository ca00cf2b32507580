package exports

import (
	"strings"

	"scrutin/logistics/places"
)

// Naming is how an export names its files. Every name reads
// kind-source-place[-filters].ext, so that the place sits at one position
// in all of them:
//
//   - kind: what the document is ("assesseurs-delegues");
//   - source: what it was made from, the election ("demo-2027") or, for a
//     material document asked for by batch, the batch ("lot-3");
//   - place: the commune or the département asked for; none asked, the
//     reader's scope when it is limited ("04", "04-75056"); a national
//     reader's national document names none;
//   - filters: the other parameters given, in the order of Filters (a
//     round reads "tour1").
//
// For example "assesseurs-delegues-demo-2027-04-tour1.xlsx",
// "materiel-etiquettes-lot-3.pdf" or
// "materiel-etiquettes-demo-2027-04-en-preparation.pdf".
type Naming struct {
	Kind    string   // "procurations", "materiel-etiquettes"
	Ext     string   // "xlsx" or "pdf"
	Filters []string // parameters named after the place, in this order
	// Words says a filter's value as people read it, when it is not as
	// given: a material order's status in French ("pending" reads
	// "enregistree"). No entry: the value as given.
	Words map[string]func(string) string
}

// Filename is e's file name (see Naming) for the parameters p, as Write
// resolved them, and a reader whose scope is scope (none: national). Each
// part keeps letters, digits and dashes only, 40 of them at most.
func (e Export) Filename(p Params, scope ...string) string {
	parts := []string{e.File.Kind}
	if b := fileSlug(p["batch"]); b != "" {
		parts = append(parts, "lot-"+b)
	} else if el := fileSlug(p["election"]); el != "" {
		parts = append(parts, el)
	}
	place := fileSlug(p["commune"])
	if place == "" {
		place = fileSlug(p["departement"])
	}
	if place == "" {
		place = scopeSlug(scope)
	}
	if place != "" {
		parts = append(parts, place)
	}
	for _, k := range e.File.Filters {
		v := p[k]
		if words := e.File.Words[k]; words != nil {
			v = words(v)
		}
		v = fileSlug(v)
		if v == "" {
			continue
		}
		if k == "round" {
			v = "tour" + v
		}
		parts = append(parts, v)
	}
	return strings.Join(parts, "-") + "." + e.File.Ext
}

// scopeSlug names a reader's scope in a file name: its codes ("04-75056"),
// as many as 40 characters hold, then "etc"; none when national.
func scopeSlug(scope []string) string {
	if len(scope) == 0 {
		return ""
	}
	name := ""
	for _, code := range scope {
		c := fileSlug(code)
		switch {
		case c == "":
		case name == "":
			name = c
		case len(name)+1+len(c) > 40:
			return name + "-etc"
		default:
			name += "-" + c
		}
	}
	if name == "" {
		return "perimetre" // limited, though to no code a file name keeps
	}
	return name
}

// fileSlug keeps a parameter safe for a file name: ASCII letters, digits
// and dashes, 40 at most ("../04" is "04", "demo 2027" "demo2027").
func fileSlug(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < 40; i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' {
			b = append(b, c)
		}
	}
	return string(b)
}

// fileWords makes French words a file name's: lower case, without
// accents, words joined by dashes ("En préparation" is "en-preparation",
// places.FoldWords); fileSlug then keeps what is left of it safe.
func fileWords(s string) string {
	return strings.ReplaceAll(places.FoldWords(s), " ", "-")
}
