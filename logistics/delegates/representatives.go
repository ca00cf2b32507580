package delegates

// The candidate's or list's representative in each département. The
// prefecture summary names "the candidate or list, its representative in
// the département", and the designation letters of a département's
// communes are signed by that person; one representative for the whole
// election (elections.representative) is the fallback, then the candidate.

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/check"
	"scrutin/logistics/contact"
	"scrutin/logistics/elections"
	"scrutin/logistics/insee"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
)

// Representative is who represents the candidate or list in a département.
type Representative struct {
	Departement string    `json:"departement"`
	Name        string    `json:"name"`
	UpdatedBy   string    `json:"updated_by"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// RepresentativeInput names (or renames) a département's representative.
// The API takes the election and the département from the path and only
// the name from the body; the form sends the three as fields.
type RepresentativeInput struct {
	Election    string `json:"-"`
	Departement string `json:"-"`
	Name        string `json:"name"`
}

// normalizeDepartement turns "4", " 2a ", "974" or "987" into a
// département or collectivity code, reporting whether it is one that
// groups communes (insee.KnownArea, as the staff filters and scopes take):
// French Polynesia (987) and New Caledonia (988) have representatives
// too; "99", "98" or Clipperton's "989" do not.
func normalizeDepartement(code string) (string, bool) {
	code = insee.NormalizeArea(code)
	return code, insee.KnownArea(code)
}

// CandidateName is the election's candidate or list as a sentence names
// it after a word ("pour …", "représente …", "signés par …"). A list is
// stored as typed on the election form, "Liste « Ensemble pour demain »":
// it takes its article, "la liste « Ensemble pour demain »"; a person's
// or a party's name stays as stored. "" stays "".
func CandidateName(candidate string) string {
	name := strings.TrimSpace(candidate)
	rest, _ := cutWord(name, "la") // "La liste …": its article already
	if r, ok := cutWord(rest, "liste"); ok {
		return "la liste " + r
	}
	return name
}

// cutWord is s without its first word when that word is word, whatever
// its case, followed by a space or an opening « (a list's name).
func cutWord(s, word string) (string, bool) {
	if len(s) <= len(word) || !strings.EqualFold(s[:len(word)], word) {
		return s, false
	}
	next, _ := utf8.DecodeRuneInString(s[len(word):])
	if !unicode.IsSpace(next) && next != '«' {
		return s, false
	}
	return strings.TrimLeftFunc(s[len(word):], unicode.IsSpace), true
}

const badDepartement = "Code de département invalide (par exemple 04, 2A ou 974)."

// Representatives lists an election's département representatives that u
// may see: those of the départements of u's scope (a commune in scope
// shows its département's, which signs its letter).
func Representatives(ctx context.Context, q pgdb.Q, u *staff.User, electionID int64) ([]Representative, error) {
	if u == nil {
		return nil, check.ErrForbidden
	}
	rows, err := q.Query(ctx, `
		SELECT departement, name, updated_by, updated_at FROM delegate_representatives
		WHERE election_id = $1 AND ($2::text[] IS NULL OR departement IN (SELECT departement_of(s) FROM unnest($2::text[]) s))
		ORDER BY length(departement), departement COLLATE "C"`, electionID, u.ScopeArg())
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Representative])
	if out == nil {
		out = []Representative{}
	}
	return out, err
}

// RepresentativeOf is who signs for the candidate or list in a département:
// its representative, else the election's; "" when there is neither (the
// candidate then signs). Documents call it once the area has been checked
// against the staff member's scope.
func RepresentativeOf(ctx context.Context, q pgdb.Q, e *elections.Election, departement string) (string, error) {
	var name string
	err := q.QueryRow(ctx, `SELECT name FROM delegate_representatives WHERE election_id = $1 AND departement = $2`, e.ID, departement).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return strings.TrimSpace(e.Representative), nil
	}
	return name, err
}

// representativeTarget checks the election and département of a change:
// a *check.Invalid for malformed input, check.ErrNotFound for an unknown
// election or a département without any commune, check.ErrForbidden when
// the whole département is not within u's scope (organizers act in their
// scope; a commune-scoped organizer does not sign for the département).
func (d *Desk) representativeTarget(ctx context.Context, u *staff.User, errs check.Errors, election, departement string) (*elections.Election, string, error) {
	if !u.CanAct() {
		return nil, "", check.ErrForbidden
	}
	dep, ok := normalizeDepartement(departement)
	if dep == "" {
		errs.Add("departement", "Indiquez le département.")
	} else if p, nobody := insee.Uninhabited(dep); nobody {
		errs.Add("departement", p.Refusal(dep)) // in the communes table, yet nobody to sign for
	} else if !ok {
		errs.Add("departement", badDepartement)
	}
	var e *elections.Election
	var err error
	if slug := strings.TrimSpace(election); slug != "" {
		e, err = elections.BySlug(ctx, d.Pool, strings.ToLower(slug))
	} else {
		e, err = elections.Resolve(ctx, d.Pool, "", "election", d.now())
	}
	if inv, ok := check.AsInvalid(err); ok {
		maps(errs, inv.Fields)
	} else if err != nil {
		return nil, "", err
	}
	if err := errs.Err(); err != nil {
		return nil, "", err
	}
	var exists bool
	if err := d.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM communes WHERE departement = $1)`, dep).Scan(&exists); err != nil {
		return nil, "", err
	}
	if !exists {
		return nil, "", check.ErrNotFound
	}
	if !u.CoversDepartement(dep) {
		return nil, "", check.ErrForbidden
	}
	return e, dep, nil
}

// SetRepresentative names a département's representative for an election
// (admins anywhere, organizers for a département of their scope).
func (d *Desk) SetRepresentative(ctx context.Context, u *staff.User, in RepresentativeInput) (*Representative, error) {
	errs := check.Errors{}
	name := contact.Name(errs, "name", "Le nom du ou de la représentant·e", in.Name, true)
	e, dep, err := d.representativeTarget(ctx, u, errs, in.Election, in.Departement)
	if err != nil {
		return nil, err
	}
	now := d.now()
	out := &Representative{Departement: dep, Name: name, UpdatedBy: u.Actor(), UpdatedAt: now}
	err = pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		var previous string
		err := tx.QueryRow(ctx, `SELECT name FROM delegate_representatives WHERE election_id = $1 AND departement = $2 FOR UPDATE`, e.ID, dep).Scan(&previous)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO delegate_representatives (election_id, departement, name, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (election_id, departement) DO UPDATE SET name = EXCLUDED.name, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
			e.ID, dep, name, u.Actor(), now); err != nil {
			return err
		}
		return staff.Audit(ctx, tx, u.Actor(), "delegate_representative.set", "election", e.Slug,
			map[string]any{"departement": dep, "name": name, "previous": previous})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RemoveRepresentative removes a département's representative: the
// election's representative signs there again. check.ErrNotFound when
// there was none.
func (d *Desk) RemoveRepresentative(ctx context.Context, u *staff.User, election, departement string) error {
	e, dep, err := d.representativeTarget(ctx, u, check.Errors{}, election, departement)
	if err != nil {
		return err
	}
	return pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		var previous string
		err := tx.QueryRow(ctx, `DELETE FROM delegate_representatives WHERE election_id = $1 AND departement = $2 RETURNING name`, e.ID, dep).Scan(&previous)
		if errors.Is(err, pgx.ErrNoRows) {
			return check.ErrNotFound
		}
		if err != nil {
			return err
		}
		return staff.Audit(ctx, tx, u.Actor(), "delegate_representative.delete", "election", e.Slug,
			map[string]any{"departement": dep, "previous": previous})
	})
}
