// Package elections holds elections and their rounds. Almost everything else
// (proxies, delegates, material) belongs to one election and often one round.
package elections

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"scrutin/logistics/check"
	"scrutin/logistics/fr"
	"scrutin/logistics/pgdb"
)

// Election is one election with one or two rounds.
type Election struct {
	ID             int64   `json:"id"`
	Slug           string  `json:"slug"`
	Name           string  `json:"name"`
	Candidate      string  `json:"candidate"`
	Representative string  `json:"representative"`
	Rounds         []Round `json:"rounds"`
}

// Round is one polling Sunday.
type Round struct {
	Number int       `json:"number"`
	Date   time.Time `json:"-"`
}

// DateString is the round date as YYYY-MM-DD.
func (r Round) DateString() string { return r.Date.Format(time.DateOnly) }

// MarshalJSON writes the date as YYYY-MM-DD.
func (r Round) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"number":%d,"date":%q}`, r.Number, r.DateString()), nil
}

// Round returns round n, if the election has it.
func (e *Election) Round(n int) (Round, bool) {
	for _, r := range e.Rounds {
		if r.Number == n {
			return r, true
		}
	}
	return Round{}, false
}

// ListRound reads the round a staff list or export is filtered by, as a
// query string gives it ("": every round, 0): 1 or 2, and one of e's
// rounds (e nil: any election's). Anything else is refused under field in
// errs, rather than ignored or answered with an empty list.
func ListRound(errs check.Errors, field, param string, e *Election) int {
	const notARound = "Tour inconnu : choisissez le 1er ou le 2d tour."
	s := strings.TrimSpace(param)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil || n != 1 && n != 2:
		errs.Add(field, notARound)
		return 0
	case e != nil:
		if _, ok := e.Round(n); !ok {
			errs.Add(field, fmt.Sprintf("L'élection « %s » n'a pas de %s.", e.Name, fr.Round(n)))
			return 0
		}
	}
	return n
}

// ChosenRounds checks the rounds a person chose, each problem under
// errs["rounds"]: at least one, each a round of e and still open, which
// open(round day, today in France) tells; tooLate is the message for a
// round no longer open, given the round's name starting a sentence
// (fr.TheRound("Le", n): "Le 1er tour") and its date. It returns the valid
// rounds, sorted, without repeats.
func (e *Election) ChosenRounds(errs check.Errors, chosen []int, now time.Time, open func(day, today time.Time) bool, tooLate string) []int {
	if len(chosen) == 0 {
		errs.Add("rounds", "Choisissez au moins un tour.")
	}
	today := Today(now)
	var valid []int
	for _, n := range chosen {
		r, ok := e.Round(n)
		switch {
		case !ok:
			errs.Add("rounds", fmt.Sprintf("Cette élection n'a pas de %s.", fr.Round(n)))
		case !open(r.Date, today):
			errs.Add("rounds", fmt.Sprintf(tooLate, fr.TheRound("Le", n), r.Date.Format("02/01/2006")))
		case !slices.Contains(valid, n):
			valid = append(valid, n)
		}
	}
	slices.Sort(valid)
	return valid
}

// LastRound is the date after which the election is over.
func (e *Election) LastRound() Round {
	if len(e.Rounds) == 0 {
		return Round{}
	}
	return e.Rounds[len(e.Rounds)-1]
}

// Open reports whether the last round is today or still to come at now,
// in Paris (a server on UTC would keep it open an hour or two too long).
func (e *Election) Open(now time.Time) bool {
	last := e.LastRound()
	return !last.Date.IsZero() && !last.Date.Before(Today(now))
}

// RoundInput is a round as given by staff.
type RoundInput struct {
	Number int    `json:"number"`
	Date   string `json:"date"`
}

// Input creates an election.
type Input struct {
	Name           string       `json:"name"`
	Slug           string       `json:"slug"`
	Candidate      string       `json:"candidate"`
	Representative string       `json:"representative"`
	Rounds         []RoundInput `json:"rounds"`
}

var slugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Validate checks an election before it is stored.
func (in *Input) Validate() error {
	errs := check.Errors{}
	in.Name = strings.TrimSpace(in.Name)
	in.Slug = NormalizeSlug(in.Slug)
	if in.Name == "" {
		errs.Add("name", "Le nom de l'élection est obligatoire.")
	}
	if !slugRe.MatchString(in.Slug) {
		errs.Add("slug", "Identifiant invalide : lettres minuscules, chiffres et tirets.")
	}
	if len(in.Rounds) == 0 || len(in.Rounds) > 2 {
		errs.Add("rounds", "Une élection a un ou deux tours.")
	}
	var prev time.Time
	for i, r := range in.Rounds {
		if r.Number != i+1 {
			errs.Add("rounds", "Les tours sont numérotés 1 puis 2.")
		}
		d, err := time.Parse(time.DateOnly, r.Date)
		if err != nil {
			errs.Add("rounds", fmt.Sprintf("Date %s invalide (AAAA-MM-JJ).", fr.TheRound("de", i+1)))
			continue
		}
		// Every round is on a Sunday (DOMAIN.md §1): the R46 deadline, the
		// "Thursday before the vote" of every page and message, counts on it.
		if d.Weekday() != time.Sunday {
			errs.Add("rounds", fmt.Sprintf("%s doit avoir lieu un dimanche (le %s est un %s).", fr.TheRound("Le", i+1), d.Format("02/01/2006"), Weekday(d)))
		}
		if !prev.IsZero() && !d.After(prev) {
			errs.Add("rounds", "Le second tour doit avoir lieu après le premier.")
		}
		prev = d
	}
	return errs.Err()
}

// Create stores a new election.
func Create(ctx context.Context, q pgdb.Q, in Input) (*Election, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO elections (slug, name, candidate, representative) VALUES ($1, $2, $3, $4) RETURNING id`,
		in.Slug, in.Name, strings.TrimSpace(in.Candidate), strings.TrimSpace(in.Representative)).Scan(&id)
	if pgdb.IsUniqueViolation(err, "") {
		return nil, check.Field("slug", "Cet identifiant est déjà pris.")
	}
	if err != nil {
		return nil, err
	}
	for _, r := range in.Rounds {
		if _, err := q.Exec(ctx, `INSERT INTO rounds (election_id, number, date) VALUES ($1, $2, $3)`, id, r.Number, r.Date); err != nil {
			return nil, err
		}
	}
	return ByID(ctx, q, id)
}

// List returns every election, the latest first.
func List(ctx context.Context, q pgdb.Q) ([]Election, error) {
	return query(ctx, q, `TRUE`)
}

// ByID loads one election.
func ByID(ctx context.Context, q pgdb.Q, id int64) (*Election, error) {
	return one(query(ctx, q, `e.id = $1`, id))
}

// TakesSignUps reports whether people may still ask for a proxy or sign
// up at now: a round after today, in Paris. On its last round's day an
// election is still open (staff work on it until midnight) but has nothing
// left to ask for.
func (e *Election) TakesSignUps(now time.Time) bool {
	return e.LastRound().Date.After(Today(now))
}

// NormalizeSlug is a slug as stored: trimmed, lower-case.
func NormalizeSlug(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// BySlug loads one election.
func BySlug(ctx context.Context, q pgdb.Q, slug string) (*Election, error) {
	return one(query(ctx, q, `e.slug = $1`, slug))
}

// OpenAt lists the elections open at now (see Election.Open).
func OpenAt(ctx context.Context, q pgdb.Q, now time.Time) ([]Election, error) {
	all, err := List(ctx, q)
	if err != nil {
		return nil, err
	}
	open := all[:0]
	for _, e := range all {
		if e.Open(now) {
			open = append(open, e)
		}
	}
	return open, nil
}

// SignUpsAt lists the elections that take sign-ups at now (see
// Election.TakesSignUps): those the public forms offer.
func SignUpsAt(ctx context.Context, q pgdb.Q, now time.Time) ([]Election, error) {
	open, err := OpenAt(ctx, q, now)
	return slices.DeleteFunc(open, func(e Election) bool { return !e.TakesSignUps(now) }), err
}

// The messages of Resolve when no slug is given and it cannot pick the
// only open election.
const (
	noneOpen    = "Aucune élection n'est ouverte pour le moment."
	severalOpen = "Plusieurs élections sont ouvertes : précisez laquelle."
)

// Resolve finds the election a staff action is about: the given slug, or,
// when it is empty, the only election still open (see Election.Open).
// field names the input field for the error message, which says whether
// no election or several are open.
func Resolve(ctx context.Context, q pgdb.Q, slug, field string, now time.Time) (*Election, error) {
	return resolve(ctx, q, slug, field, now, OpenAt)
}

// ResolveSignUp is Resolve for a public submission: without a slug, the
// only election that takes sign-ups (the one the public forms offer).
func ResolveSignUp(ctx context.Context, q pgdb.Q, slug, field string, now time.Time) (*Election, error) {
	return resolve(ctx, q, slug, field, now, SignUpsAt)
}

func resolve(ctx context.Context, q pgdb.Q, slug, field string, now time.Time,
	candidates func(context.Context, pgdb.Q, time.Time) ([]Election, error)) (*Election, error) {
	// As Input.Slug is stored, and the public forms read it.
	if slug = NormalizeSlug(slug); slug != "" {
		e, err := BySlug(ctx, q, slug)
		if errors.Is(err, check.ErrNotFound) {
			return nil, check.Field(field, "Élection inconnue.")
		}
		return e, err
	}
	open, err := candidates(ctx, q, now)
	if err != nil {
		return nil, err
	}
	switch len(open) {
	case 0:
		return nil, check.Field(field, noneOpen)
	case 1:
		return &open[0], nil
	default:
		return nil, check.Field(field, severalOpen)
	}
}

func one(es []Election, err error) (*Election, error) {
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, check.ErrNotFound
	}
	return &es[0], nil
}

func query(ctx context.Context, q pgdb.Q, where string, args ...any) ([]Election, error) {
	rows, err := q.Query(ctx, `
		SELECT e.id, e.slug, e.name, e.candidate, e.representative, r.number, r.date
		FROM elections e LEFT JOIN rounds r ON r.election_id = e.id
		WHERE `+where+` ORDER BY e.id DESC, r.number`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Election
	for rows.Next() {
		var e Election
		var num *int16
		var date *time.Time
		if err := rows.Scan(&e.ID, &e.Slug, &e.Name, &e.Candidate, &e.Representative, &num, &date); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != e.ID {
			out = append(out, e)
		}
		if num != nil {
			last := &out[len(out)-1]
			last.Rounds = append(last.Rounds, Round{Number: int(*num), Date: *date})
		}
	}
	return out, rows.Err()
}
