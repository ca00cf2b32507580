// Package places holds communes, postal codes and polling stations
// (bureaux de vote), their imports from the official files, and distances.
package places

import (
	"context"
	"errors"
	"math"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/unicode/norm"

	"scrutin/logistics/check"
	"scrutin/logistics/insee"
	"scrutin/logistics/pgdb"
)

// Commune is an INSEE commune (or a Paris/Lyon/Marseille arrondissement).
type Commune struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	Departement string   `json:"departement"`
	PostalCodes []string `json:"postal_codes"`
	Point       *Point   `json:"-"`
	// Exact is set by Search on a commune that is what was typed: its very
	// name, postal code or INSEE code (a form may choose it for the person).
	Exact bool `json:"exact,omitempty"`
}

// Bureau is a polling station. Code is the REU code without leading zeros.
type Bureau struct {
	CommuneCode string `json:"-"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	Address     string `json:"address"`
	PostalCode  string `json:"-"`
	Point       *Point `json:"-"`
}

// Label is the bureau as the forms and pages name it: "Bureau 3 – Gymnase
// des Arches" (its name when known).
func (b Bureau) Label() string {
	if b.Name == "" {
		return "Bureau " + b.Code
	}
	return "Bureau " + b.Code + " – " + b.Name
}

// ID is the usual "04036_2" identifier.
func (b Bureau) ID() string { return b.CommuneCode + "_" + b.Code }

// Point is a WGS84 position.
type Point struct{ Lat, Lon float64 }

const earthRadiusKm = 6371.0088

// DistanceKm is the great-circle distance between two points. Every distance
// in scrutin is computed here.
func DistanceKm(a, b Point) float64 {
	la1, la2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dLat := la2 - la1
	dLon := (b.Lon - a.Lon) * math.Pi / 180
	// Each sine once (the solvers measure millions of pairs): the same
	// result, bit for bit, as squaring two calls.
	sLat, sLon := math.Sin(dLat/2), math.Sin(dLon/2)
	h := sLat*sLat + math.Cos(la1)*math.Cos(la2)*sLon*sLon
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// NormalizeCommune turns a commune code as found in files and forms into
// its 5-character INSEE form: "1001" -> "01001", "2a004" -> "2A004".
// It reports false for what cannot be a commune code.
func NormalizeCommune(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) == 4 && isDigits(s) {
		s = "0" + s
	}
	if !insee.ValidCommune(s) {
		return "", false
	}
	return s, true
}

// IsVotingPlace reports whether people vote in this commune code (false for
// Paris, Lyon and Marseille as a whole: insee.Whole).
func IsVotingPlace(code string) bool {
	_, whole := insee.Whole(code)
	return !whole
}

// NormalizeBureau makes "0002", "02" and "2" the same bureau code.
// Non-numeric codes are kept, upper-cased.
func NormalizeBureau(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" || len(s) > 16 {
		return "", false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r == '-') {
			return "", false
		}
	}
	if t := strings.TrimLeft(s, "0"); t != "" {
		return t, true
	}
	return "0", true
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ValidDepartement reports a well-formed département code ("04", "2A",
// "974"), in upper case: insee.ValidDepartement.
func ValidDepartement(code string) bool { return insee.ValidDepartement(code) }

// Departement of a commune code: 3 characters overseas ("97411" is in
// 974, "98735" in the collectivity 987), else 2: insee.Departement, and
// departement_of in SQL.
func Departement(code string) string { return insee.Departement(code) }

// Fold makes a name searchable: lower case, no accents, punctuation as
// spaces, "saint"/"sainte" as "st"/"ste", numbers without leading zeros, so
// that "Château-Arnoux-St-Auban" and "CHATEAU ARNOUX SAINT AUBAN" fold
// alike, and "Paris 04" finds "Paris 4e Arrondissement".
func Fold(s string) string {
	words := strings.Fields(FoldWords(s))
	for i, w := range words {
		words[i] = foldWord(w)
	}
	return strings.Join(words, " ")
}

// foldWord is the folded form of one word: "saint" -> "st",
// "sainte" -> "ste", "04" -> "4".
func foldWord(w string) string {
	switch w {
	case "saint":
		return "st"
	case "sainte":
		return "ste"
	}
	if isDigits(w) {
		if t := strings.TrimLeft(w, "0"); t != "" {
			return t
		}
		return "0"
	}
	return w
}

var ligatures = map[rune]string{'œ': "oe", 'Œ': "oe", 'æ': "ae", 'Æ': "ae"}

// FoldWords is Fold without the word mappings: lower case, no accents, no
// ligatures, words separated by single spaces.
func FoldWords(s string) string {
	var b strings.Builder
	space := true
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case ligatures[r] != "":
			// La Poste writes "BEAUMONT PIED DE BOEUF": "Bœuf" is "boeuf".
			b.WriteString(ligatures[r])
			space = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// GetCommune loads a commune with its postal codes.
func GetCommune(ctx context.Context, q pgdb.Q, code string) (*Commune, error) {
	c := &Commune{}
	var lat, lon *float64
	err := q.QueryRow(ctx, `
		SELECT c.code, c.name, c.departement, c.latitude, c.longitude,
			coalesce(array_agg(p.postal_code ORDER BY p.postal_code) FILTER (WHERE p.postal_code IS NOT NULL), '{}')
		FROM communes c LEFT JOIN postal_codes p ON p.commune_code = c.code
		WHERE c.code = $1 GROUP BY c.code`, code).Scan(&c.Code, &c.Name, &c.Departement, &lat, &lon, &c.PostalCodes)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, check.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c.Point = point(lat, lon)
	return c, nil
}

// CommuneLabel is a commune as people read it, "Manosque (04112)", or the
// code alone when no commune has it.
func CommuneLabel(ctx context.Context, q pgdb.Q, code string) (string, error) {
	var name string
	if err := q.QueryRow(ctx, `SELECT coalesce((SELECT name FROM communes WHERE code = $1), '')`, code).Scan(&name); err != nil {
		return "", err
	}
	if name == "" {
		return code, nil
	}
	return name + " (" + code + ")", nil
}

// GetBureau loads one bureau; code may be padded ("0002").
func GetBureau(ctx context.Context, q pgdb.Q, communeCode, code string) (*Bureau, error) {
	code, ok := NormalizeBureau(code)
	if !ok {
		return nil, check.ErrNotFound
	}
	bs, err := queryBureaux(ctx, q, `commune_code = $1 AND code = $2`, communeCode, code)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, check.ErrNotFound
	}
	return &bs[0], nil
}

// BureauxOf lists a commune's bureaux in bureau-number order.
func BureauxOf(ctx context.Context, q pgdb.Q, communeCode string) ([]Bureau, error) {
	return queryBureaux(ctx, q, `commune_code = $1`, communeCode)
}

func queryBureaux(ctx context.Context, q pgdb.Q, where string, args ...any) ([]Bureau, error) {
	rows, err := q.Query(ctx, `
		SELECT commune_code, code, name, address, postal_code, latitude, longitude FROM bureaux
		WHERE `+where+`
		ORDER BY commune_code, (CASE WHEN code ~ '^[0-9]+$' THEN code::bigint END) NULLS LAST, code`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Bureau
	for rows.Next() {
		var b Bureau
		var lat, lon *float64
		if err := rows.Scan(&b.CommuneCode, &b.Code, &b.Name, &b.Address, &b.PostalCode, &lat, &lon); err != nil {
			return nil, err
		}
		b.Point = point(lat, lon)
		out = append(out, b)
	}
	return out, rows.Err()
}

func point(lat, lon *float64) *Point {
	if lat == nil || lon == nil {
		return nil
	}
	return &Point{Lat: *lat, Lon: *lon}
}

// Location is where a voter of this commune and bureau goes to vote: the
// bureau's own coordinates when known, else the commune's. bureauCode may be
// empty ("je ne sais pas").
func Location(ctx context.Context, q pgdb.Q, communeCode, bureauCode string) (*Point, error) {
	var lat, lon *float64
	err := q.QueryRow(ctx, `
		SELECT coalesce(b.latitude, c.latitude), coalesce(b.longitude, c.longitude)
		FROM communes c LEFT JOIN bureaux b ON b.commune_code = c.code AND b.code = $2
		WHERE c.code = $1`, communeCode, bureauCode).Scan(&lat, &lon)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, check.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return point(lat, lon), nil
}

// CheckPlace validates a commune code and optional bureau code given by a
// person, adding French messages to errs under the given field names. It
// returns the normalised codes.
func CheckPlace(ctx context.Context, q pgdb.Q, errs check.Errors, communeField, commune, bureauField, bureau string, bureauRequired bool) (string, string, error) {
	code, ok := NormalizeCommune(commune)
	if !ok {
		if strings.TrimSpace(commune) == "" {
			errs.Add(communeField, "Choisissez votre commune.")
		} else {
			errs.Add(communeField, "Code de commune invalide.")
		}
		return "", "", nil
	}
	if !IsVotingPlace(code) {
		errs.Add(communeField, "Choisissez votre arrondissement, pas la ville entière.")
		return "", "", nil
	}
	b, bureauOK := NormalizeBureau(bureau)
	bureauGiven := strings.TrimSpace(bureau) != ""
	// One round trip for both (a public form checks this on every
	// submission); the bureau is looked up only when well formed.
	var communeExists, bureauExists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM communes WHERE code = $1),
		$2::text <> '' AND EXISTS (SELECT 1 FROM bureaux WHERE commune_code = $1 AND code = $2::text)`,
		code, b).Scan(&communeExists, &bureauExists); err != nil {
		return "", "", err
	}
	switch {
	case !communeExists:
		errs.Add(communeField, "Commune inconnue.")
		return "", "", nil
	case !bureauGiven:
		if bureauRequired {
			errs.Add(bureauField, "Choisissez votre bureau de vote.")
		}
		return code, "", nil
	case !bureauOK:
		errs.Add(bureauField, "Code de bureau invalide.")
		return code, "", nil
	case !bureauExists:
		errs.Add(bureauField, "Ce bureau de vote n'existe pas dans cette commune.")
		return code, "", nil
	}
	return code, b, nil
}
