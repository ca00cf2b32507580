package places

import (
	"context"
	"strings"

	"scrutin/logistics/check"
	"scrutin/logistics/insee"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
)

// The place a staff view, list or run asks for (a commune, a département
// or neither), read alike for proxies and delegates, pages, API and CLI.

// OutOfScope refuses a place outside a staff member's scope, and says
// which (the pages show its Message). It is a check.ErrForbidden.
type OutOfScope struct{ Message string }

func (e *OutOfScope) Error() string { return e.Message }

// Is makes errors.Is(err, check.ErrForbidden) hold.
func (e *OutOfScope) Is(target error) bool { return target == check.ErrForbidden }

// The words refusing a place given twice, one sentence wherever a view,
// list, document or run reads its place.
const bothAreas = "Indiquez une commune ou un département, pas les deux."

// CheckOneArea refuses a commune given with a département, even one that
// agrees with it, for what is about one place only (a delegate document is
// a commune's or a département's, never both): CheckArea lets an agreeing
// pair through because the staff pages send a commune with its own
// département.
func CheckOneArea(departement, commune string) error {
	if strings.TrimSpace(departement) != "" && strings.TrimSpace(commune) != "" {
		return check.Field("commune", bothAreas)
	}
	return nil
}

// CheckArea reads the place of a staff view or run: a commune, else a
// département (or an overseas collectivity of 98x communes: 987 for
// French Polynesia, see insee.KnownArea), else neither (the whole scope).
// It returns them normalised (a commune comes with its own département or
// collectivity, insee.Departement: 98735 with 987; a département typed
// "4" is the 04), a *check.Invalid for a code that is not one (or no
// département has: 99; a city as a whole: 75056; a département given with
// a commune that is not in it), and an *OutOfScope for a place outside u's
// scope (nil u: the command line, national). It does not read the
// database: CheckKnownArea also refuses a commune the communes table lacks.
func CheckArea(u *staff.User, departement, commune string) (dep, com string, err error) {
	dep = insee.NormalizeArea(departement)
	if com = strings.TrimSpace(commune); com != "" {
		c, ok := NormalizeCommune(com)
		if !ok {
			return "", "", check.Field("commune", "Code de commune invalide (5 caractères INSEE, par exemple 04070).")
		}
		if p, ok := insee.Uninhabited(c); ok {
			return "", "", check.Field("commune", p.Refusal(c))
		}
		if !insee.KnownCommune(c) {
			return "", "", check.Field("commune", "Commune inconnue : "+c+".")
		}
		if !IsVotingPlace(c) {
			return "", "", check.Field("commune", "Choisissez un arrondissement, pas la ville entière ("+c+").")
		}
		// Both given: they must agree (the page's run form sends the
		// commune with its own département).
		if dep != "" && dep != Departement(c) {
			return "", "", check.Field("commune", bothAreas)
		}
		com, dep = c, Departement(c)
	} else if p, ok := insee.Uninhabited(dep); ok && dep != "" {
		return "", "", check.Field("departement", p.Refusal(dep))
	} else if dep != "" && !insee.ValidDepartement(dep) && !insee.KnownCollectivity(dep) {
		return "", "", check.Field("departement", "Code de département invalide (par exemple 04, 2A ou 974).")
	} else if dep != "" && !insee.KnownArea(dep) {
		return "", "", check.Field("departement", "Département inconnu : "+dep+".")
	}
	switch {
	case u == nil:
	case com != "" && !u.Covers(com):
		return "", "", &OutOfScope{"La commune " + com + " est hors de votre périmètre."}
	case com == "" && dep != "" && !u.Reaches(dep):
		return "", "", &OutOfScope{"Le département " + dep + " est hors de votre périmètre."}
	}
	return dep, com, nil
}

// CheckKnownArea is CheckArea, and refuses a commune code no commune of
// the communes table has (« Commune inconnue : 04999. »).
func CheckKnownArea(ctx context.Context, q pgdb.Q, u *staff.User, departement, commune string) (dep, com string, err error) {
	if dep, com, err = CheckArea(u, departement, commune); err != nil || com == "" {
		return dep, com, err
	}
	if err := checkCommuneExists(ctx, q, com); err != nil {
		return "", "", err
	}
	return dep, com, nil
}

func checkCommuneExists(ctx context.Context, q pgdb.Q, commune string) error {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM communes WHERE code = $1)`, commune).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return check.Field("commune", "Commune inconnue : "+commune+".")
	}
	return nil
}
