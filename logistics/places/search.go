package places

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"scrutin/logistics/pgdb"
)

// SearchLimit is the most communes a search returns.
const SearchLimit = 20

// Search finds communes by name prefix or postal code prefix, ignoring
// accents, case, hyphens and apostrophes, with "Saint" and "St" alike.
// Parent codes of Paris, Lyon and Marseille are left out: people vote in an
// arrondissement. Shorter names come first, so that typing a whole name
// puts that commune at the top.
func Search(ctx context.Context, q pgdb.Q, text string) ([]Commune, error) {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > 200 {
		return []Commune{}, nil
	}
	var where string
	var args []any
	// By name length for names (the whole name typed comes first), by name
	// for a postal code (all match equally well).
	order := `length(%[1]s.search_name), %[1]s.search_name, %[1]s.code`
	if isDigits(text) {
		if len(text) < 2 || len(text) > 5 {
			return []Commune{}, nil
		}
		where = `c.code IN (SELECT commune_code FROM postal_codes WHERE postal_code LIKE $1)`
		args = []any{text + "%"}
		order = `%[1]s.search_name, %[1]s.code`
	} else {
		prefixes := searchPrefixes(text)
		if len(prefixes) == 0 {
			return []Commune{}, nil
		}
		// One LIKE per prefix (rather than LIKE ANY) so that each one uses
		// the text_pattern_ops index.
		conds := make([]string, len(prefixes))
		for i, p := range prefixes {
			conds[i] = fmt.Sprintf(`c.search_name LIKE $%d`, i+1)
			args = append(args, p+"%")
		}
		where = "(" + strings.Join(conds, " OR ") + ")"
	}
	// The postal codes are gathered for the few communes kept only.
	rows, err := q.Query(ctx, `
		WITH hits AS (
			SELECT c.code, c.name, c.departement, c.search_name FROM communes c
			WHERE `+where+` AND c.code NOT IN ('75056', '69123', '13055')
			ORDER BY `+fmt.Sprintf(order, "c")+`
			LIMIT `+strconv.Itoa(SearchLimit)+`)
		SELECT h.code, h.name, h.departement,
			ARRAY(SELECT p.postal_code FROM postal_codes p WHERE p.commune_code = h.code ORDER BY p.postal_code)
		FROM hits h
		ORDER BY `+fmt.Sprintf(order, "h"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Commune{}
	for rows.Next() {
		var c Commune
		if err := rows.Scan(&c.Code, &c.Name, &c.Departement, &c.PostalCodes); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// articles may open a commune name ("La Roche-sur-Yon", "L'Isle-sur-la-
// Sorgue"); people often leave them out when they type.
var articles = []string{"le ", "la ", "les ", "l "}

// searchPrefixes turns what a person typed into the folded name prefixes
// to look for. Every word but the last is complete and folded as names are
// ("saint" -> "st"). The last word may still be being typed: "sai" or
// "saint" may be the start of "Saint-..." (stored as "st ..."), or of
// "Saintes". Names are also matched without their leading article.
func searchPrefixes(text string) []string {
	words := strings.Fields(foldWords(text))
	if len(words) == 0 {
		return nil
	}
	head := ""
	for _, w := range words[:len(words)-1] {
		head += foldWord(w) + " "
	}
	last := words[len(words)-1]
	var bases []string
	switch {
	case last == "sainte":
		bases = []string{head + "ste ", head + last}
	case len(last) >= 3 && strings.HasPrefix("saint", last):
		// "sai", "sain", "saint": Saint-..., Sainte-..., or Saintes,
		// Sainville; not the bare "st" of Strasbourg.
		bases = []string{head + "st ", head + "ste ", head + last}
	default:
		bases = []string{head + foldWord(last)}
	}
	out := bases
	if !startsWithArticle(words[0]) {
		for _, b := range bases {
			for _, a := range articles {
				out = append(out, a+b)
			}
		}
	}
	return out
}

func startsWithArticle(w string) bool {
	for _, a := range articles {
		if w+" " == a {
			return true
		}
	}
	return false
}
