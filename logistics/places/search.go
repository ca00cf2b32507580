package places

import (
	"context"
	"strconv"
	"strings"

	"scrutin/logistics/pgdb"
)

// SearchLimit is the most communes a search returns.
const SearchLimit = 20

// Search finds communes by name prefix or postal code prefix, ignoring
// accents, case, hyphens and apostrophes, with "Saint" and "St" alike.
// Parent codes of Paris, Lyon and Marseille are left out: people vote in an
// arrondissement.
func Search(ctx context.Context, q pgdb.Q, text string) ([]Commune, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return []Commune{}, nil
	}
	var where string
	var arg string
	if isDigits(text) {
		if len(text) < 2 || len(text) > 5 {
			return []Commune{}, nil
		}
		where = `c.code IN (SELECT commune_code FROM postal_codes WHERE postal_code LIKE $1 || '%')`
		arg = text
	} else {
		arg = Fold(text)
		if arg == "" {
			return []Commune{}, nil
		}
		where = `c.search_name LIKE $1 || '%'`
	}
	rows, err := q.Query(ctx, `
		SELECT c.code, c.name, c.departement,
			coalesce(array_agg(p.postal_code ORDER BY p.postal_code) FILTER (WHERE p.postal_code IS NOT NULL), '{}')
		FROM communes c LEFT JOIN postal_codes p ON p.commune_code = c.code
		WHERE `+where+` AND c.code NOT IN ('75056', '69123', '13055')
		GROUP BY c.code
		ORDER BY length(c.search_name), c.search_name, c.code
		LIMIT `+strconv.Itoa(SearchLimit), arg)
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
