package places

import (
	"context"
	"strconv"
	"strings"

	"scrutin/logistics/insee"
	"scrutin/logistics/pgdb"
)

// SearchLimit is the most communes a search returns, unless the list holds
// arrondissements of Paris, Lyon or Marseille: then it holds all those that
// match and up to 5 other communes, SearchMax at most (Paris has 20
// arrondissements).
const SearchLimit = 20

// SearchMax is the longest list a search returns.
const SearchMax = 25

// afterArrondissements is how many other communes a list keeps room for
// after a city's arrondissements.
const afterArrondissements = SearchMax - 20

// Search finds the communes a person means by what they typed in a form's
// commune field, best first:
//
//   - a postal code, with or without a space ("04000", "75 004"), or with
//     its leading zero dropped ("4000" is 04000 first, then the codes that
//     start with 4000); or the start of one (2 to 4 digits), in postal code
//     order;
//   - an INSEE code ("04070", "2a004"; "4070" is 04070);
//   - else a name, ignoring accents, case, hyphens and apostrophes, with
//     "Saint" and "St" alike and the leading article optional ("Isle-sur-
//     la-Sorgue" finds "L'Isle-sur-la-Sorgue"): the commune of that very
//     name, then the names that start with what was typed (the
//     arrondissements of Paris, Lyon and Marseille first, in their order,
//     so that "paris" lists Paris 1er to 20e), then those with a later
//     word that does ("pietrabugno" finds Ville-di-Pietrabugno). Within
//     each of these, shorter names first.
//
// Parent codes of Paris, Lyon and Marseille are left out: people vote in an
// arrondissement, and CheckPlace refuses the city as a whole. A commune is
// marked Exact when it is what was typed: that name, or that 5-character
// postal or INSEE code.
func Search(ctx context.Context, q pgdb.Q, text string) ([]Commune, error) {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > 200 {
		return []Commune{}, nil
	}
	var found []Commune
	var err error
	if code, ok := typedCode(text); ok {
		found, err = searchCode(ctx, q, code)
	} else {
		found, err = searchName(ctx, q, text)
	}
	if err != nil {
		return nil, err
	}
	arr := 0
	for _, c := range found {
		if isArrondissement(c.Code) {
			arr++
		}
	}
	if limit := max(SearchLimit, arr+afterArrondissements); len(found) > limit {
		found = found[:limit]
	}
	return found, nil
}

// typedCode recognises what looks like a code: digits, spaces allowed
// between them ("75 004"), or an INSEE code of Corsica ("2a004"). It
// returns the code without spaces, in upper case.
func typedCode(text string) (string, bool) {
	s := strings.ToUpper(strings.Join(strings.Fields(text), ""))
	if isDigits(s) || insee.ValidCommune(s) {
		return s, true
	}
	return "", false
}

// excludeParents leaves out Paris, Lyon and Marseille as a whole.
const excludeParents = `c.code NOT IN ('75056', '69123', '13055')`

// arrondissementKey sorts the arrondissements of Paris, Lyon and Marseille
// before other communes, in their order (their INSEE codes follow it:
// 75101..75120, 69381..69389, 13201..13216), and other communes alike.
const arrondissementKey = `CASE WHEN c.code BETWEEN '75101' AND '75120' OR c.code BETWEEN '69381' AND '69389'
		OR c.code BETWEEN '13201' AND '13216' THEN c.code ELSE 'z' END`

// isArrondissement is arrondissementKey in Go.
func isArrondissement(code string) bool {
	return code >= "75101" && code <= "75120" || code >= "69381" && code <= "69389" || code >= "13201" && code <= "13216"
}

// postalCodesOf gathers the postal codes of the few communes kept.
const postalCodesOf = `ARRAY(SELECT p.postal_code FROM postal_codes p WHERE p.commune_code = h.code ORDER BY p.postal_code)`

// searchCode finds communes by postal code (whole or its start) or INSEE
// code, as typedCode gives them: the postal code itself, then the INSEE
// code, then the postal codes that start so, each in postal code order
// then by name. Four digits are first taken as a code whose leading zero
// was dropped.
func searchCode(ctx context.Context, q pgdb.Q, code string) ([]Commune, error) {
	var whole, prefix *string // a whole postal or INSEE code; the start of postal codes
	exact := len(code) == 5
	switch {
	case !isDigits(code): // 2A004
		whole = &code
	case len(code) == 4:
		padded := "0" + code
		whole = &padded
		p := code + "%"
		prefix = &p
	case len(code) == 5:
		whole = &code
	case len(code) >= 2 && len(code) <= 3:
		p := code + "%"
		prefix = &p
	default:
		return []Commune{}, nil
	}
	// Each commune once, at its best rank and postal code. The postal codes
	// table is searched by an index on postal_code text_pattern_ops (017),
	// whatever the database's collation. The names that order the hits of
	// a short prefix (a département has up to 700 communes) are looked up
	// one by one: joined, the planner read the whole communes table.
	rows, err := q.Query(ctx, `
		WITH m AS (
			SELECT commune_code AS code, 0 AS tier, postal_code FROM postal_codes WHERE postal_code = $1
			UNION ALL
			SELECT code, 1, '' FROM communes WHERE code = $1
			UNION ALL
			SELECT commune_code, 2, postal_code FROM postal_codes WHERE postal_code LIKE $2),
		best AS (
			SELECT DISTINCT ON (code) code, tier, postal_code FROM m
			WHERE code NOT IN ('75056', '69123', '13055')
			ORDER BY code, tier, postal_code),
		h AS (
			SELECT b.code, b.tier, b.postal_code, (SELECT c.search_name FROM communes c WHERE c.code = b.code) AS search_name
			FROM best b
			ORDER BY tier, postal_code, search_name, code
			LIMIT `+strconv.Itoa(SearchMax)+`)
		SELECT h.code, c.name, c.departement, h.tier, `+postalCodesOf+`
		FROM h JOIN communes c ON c.code = h.code
		ORDER BY h.tier, h.postal_code, h.search_name, h.code`, whole, prefix)
	if err != nil {
		return nil, err
	}
	return scanFound(rows, func(tier int) bool { return exact && tier <= 1 })
}

// searchName finds communes by name: those of that name (tier 0), whose
// name starts with what was typed (tier 1), and, when these leave room,
// whose name has a later word that starts so (tier 2). One statement: the
// later words are looked for only when the names that start so are too few
// to fill the list.
func searchName(ctx context.Context, q pgdb.Q, text string) ([]Commune, error) {
	bases := searchBases(text)
	if len(bases) == 0 {
		return []Commune{}, nil
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// One LIKE per start (rather than LIKE ANY) so that each one uses the
	// text_pattern_ops index. Folded text has no "%" or "_".
	var starts, inside []string
	var names []string // whole names: the bases, with or without article
	for _, p := range withArticles(bases) {
		starts = append(starts, "c.search_name LIKE "+arg(p+"%"))
		if !strings.HasSuffix(p, " ") {
			names = append(names, p)
		}
	}
	startSQL := "(" + strings.Join(starts, " OR ") + ")"
	// A later word: the words typed, one after the other, inside the name.
	// The full-text index (017) finds the names that have these words in
	// this order, the last one as a prefix; LIKE keeps those where they
	// follow each other exactly as typed.
	for _, b := range bases {
		inside = append(inside, "c.search_name LIKE "+arg("% "+b+"%"))
	}
	limit := strconv.Itoa(SearchMax)
	rows, err := q.Query(ctx, `
		WITH start AS (
			SELECT c.code, c.name, c.departement, c.search_name,
				CASE WHEN c.search_name = ANY(`+arg(names)+`::text[]) THEN 0 ELSE 1 END AS tier,
				`+arrondissementKey+` AS arr
			FROM communes c
			WHERE `+startSQL+` AND `+excludeParents+`
			ORDER BY tier, arr, length(c.search_name), c.search_name, c.code
			LIMIT `+limit+`),
		later AS (
			SELECT c.code, c.name, c.departement, c.search_name, 2 AS tier, `+arrondissementKey+` AS arr
			FROM communes c
			WHERE (SELECT count(*) FROM start) < `+limit+`
				AND to_tsvector('simple', c.search_name) @@ to_tsquery('simple', `+arg(wordsQuery(bases))+`)
				AND (`+strings.Join(inside, " OR ")+`) AND c.code NOT IN (SELECT code FROM start) AND `+excludeParents+`
			ORDER BY arr, length(c.search_name), c.search_name, c.code
			LIMIT `+limit+`),
		h AS (
			SELECT * FROM (SELECT * FROM start UNION ALL SELECT * FROM later) u
			ORDER BY tier, arr, length(search_name), search_name, code
			LIMIT `+limit+`)
		SELECT h.code, h.name, h.departement, h.tier, `+postalCodesOf+`
		FROM h ORDER BY h.tier, h.arr, length(h.search_name), h.search_name, h.code`, args...)
	if err != nil {
		return nil, err
	}
	// "st" or "ste" alone is Saint-… being typed, not the name "Le Saint".
	named := len(bases) > 1 || (bases[0] != "st" && bases[0] != "ste")
	return scanFound(rows, func(tier int) bool { return named && tier == 0 })
}

// scanFound reads code, name, département, tier and postal codes.
func scanFound(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close()
}, exact func(tier int) bool) ([]Commune, error) {
	defer rows.Close()
	out := []Commune{}
	for rows.Next() {
		var c Commune
		var tier int
		if err := rows.Scan(&c.Code, &c.Name, &c.Departement, &tier, &c.PostalCodes); err != nil {
			return nil, err
		}
		c.Exact = exact(tier)
		out = append(out, c)
	}
	return out, rows.Err()
}

// wordsQuery is the full-text query of a later word: for each base, its
// words one after the other, the last one as a prefix unless the base ends
// with a space ("st " is the whole word "st"). Words hold letters and digits
// only (see FoldWords), quoted all the same.
func wordsQuery(bases []string) string {
	var alts []string
	for _, b := range bases {
		words := strings.Fields(b)
		for i, w := range words {
			words[i] = "'" + w + "'"
		}
		if !strings.HasSuffix(b, " ") {
			words[len(words)-1] += ":*"
		}
		alts = append(alts, "("+strings.Join(words, " <-> ")+")")
	}
	return strings.Join(alts, " | ")
}

// articles may open a commune name ("La Roche-sur-Yon", "L'Isle-sur-la-
// Sorgue"); people often leave them out when they type.
var articles = []string{"le ", "la ", "les ", "l "}

// searchBases turns what a person typed into the folded starts of names to
// look for. Every word but the last is complete and folded as names are
// ("saint" -> "st"). The last word may still be being typed: "sai" or
// "saint" may be the start of "Saint-..." (stored as "st ..."), or of
// "Saintes". A base ending with a space ends with a whole word.
func searchBases(text string) []string {
	words := strings.Fields(FoldWords(text))
	if len(words) == 0 {
		return nil
	}
	head := ""
	for _, w := range words[:len(words)-1] {
		head += foldWord(w) + " "
	}
	last := words[len(words)-1]
	switch {
	case last == "sainte":
		return []string{head + "ste ", head + last}
	case len(last) >= 3 && strings.HasPrefix("saint", last):
		// "sai", "sain", "saint": Saint-..., Sainte-..., or Saintes,
		// Sainville; not the bare "st" of Strasbourg.
		return []string{head + "st ", head + "ste ", head + last}
	}
	return []string{head + foldWord(last)}
}

// withArticles adds to the bases their forms after a leading article,
// unless what was typed starts with one.
func withArticles(bases []string) []string {
	out := bases
	if startsWithArticle(bases[0]) {
		return out
	}
	for _, b := range bases {
		for _, a := range articles {
			out = append(out, a+b)
		}
	}
	return out
}

func startsWithArticle(s string) bool {
	for _, a := range articles {
		if strings.HasPrefix(s+" ", a) {
			return true
		}
	}
	return false
}
