package proxies

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/check"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
)

// The staff list of volunteers: a volunteer as staff and the API see it,
// their situation (available, offered, carrying, withdrawn) read from their
// live offers, and the counts per situation shown with the list and on the
// dashboard.

// VolunteerRound is a volunteer's round in the staff API: free, proposed,
// accepted or established, with the request (null when free) and whether
// that request is in the reader's scope (its page opens for them).
type VolunteerRound struct {
	Number         int    `json:"number"`
	Status         string `json:"status"`
	RequestID      *int64 `json:"request_id"`
	RequestInScope bool   `json:"request_in_scope"`
}

// Label is the round's state in French (staff pages).
func (r VolunteerRound) Label() string {
	switch r.Status {
	case RoundProposed:
		return "proposition en attente"
	case RoundAccepted:
		return "porte une procuration (à établir)"
	case RoundEstablished:
		return "porte une procuration (établie)"
	}
	return "libre"
}

// Volunteer is a volunteer as staff and the API see it: never their NNE
// or birth date, which go only to the mandant of an accepted offer.
type Volunteer struct {
	ID       int64  `json:"id"`
	Election string `json:"election"`
	Status   string `json:"status"` // active or withdrawn
	// Situation: available, offered, carrying or withdrawn (see
	// VolunteerAvailable), over the filter's round if it has one.
	Situation     string           `json:"situation"`
	FirstName     string           `json:"first_name"`
	LastName      string           `json:"last_name"`
	Email         string           `json:"email"`
	Phone         string           `json:"phone"`
	CommuneCode   string           `json:"commune_code"`
	CommuneName   string           `json:"commune_name"`
	BureauCode    string           `json:"bureau_code"`
	MaxDistanceKm int              `json:"max_distance_km"`
	CreatedAt     time.Time        `json:"created_at"`
	Rounds        []VolunteerRound `json:"rounds"`
}

// GetVolunteer loads a volunteer in u's scope.
func GetVolunteer(ctx context.Context, q pgdb.Q, u *staff.User, id int64) (*Volunteer, error) {
	list, err := listVolunteers(ctx, q, situationSQL(""), `v.id = $2`, u.ScopeArg(), id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, check.ErrNotFound
	}
	return &list[0], nil
}

// Volunteer situations, derived from the volunteer's status and live
// offers (staff list filter and counts). A volunteer holding an accepted
// offer for one round and a pending one for the other is "carrying": the
// situation is the most advanced one over the rounds considered.
const (
	VolunteerAvailable = "available" // active, no pending or accepted offer
	VolunteerOffered   = "offered"   // active, an offer awaits their answer
	VolunteerCarrying  = "carrying"  // active, has accepted a request
	// VolunteerWithdrawn (the status) is the fourth situation.
)

// SituationLabel is a volunteer situation in French (staff pages).
func SituationLabel(s string) string {
	switch s {
	case VolunteerAvailable:
		return "Disponible"
	case VolunteerOffered:
		return "Proposition en attente"
	case VolunteerCarrying:
		return "Porte une procuration"
	case VolunteerWithdrawn:
		return "Retiré·e"
	case VolunteerActive:
		return "Actif·ve"
	}
	return s
}

// SituationLabel is the volunteer's situation in French.
func (v Volunteer) SituationLabel() string { return SituationLabel(v.Situation) }

// Age is how long ago the volunteer signed up, in French ("il y a 2 j",
// "à l'instant").
func (v Volunteer) Age(now time.Time) string { return agoText(now.Sub(v.CreatedAt)) }

// A volunteer's situation is read three ways, each shaped for what
// PostgreSQL does well with it, and all three from the same live offers
// (pending or accepted, in the filter's round if any): the list filter
// (situationCond), the column of a page (situationSQL) and the counts
// (countVolunteers). TestVolunteerListSituationsScopeAndCursor checks that
// they agree.

// liveOfferSQL tests, for the volunteer v, an offer in one of the given
// statuses (restricted to the round bound at roundArg, if any). The
// partial index proxy_offers_volunteer_live_idx answers it.
func liveOfferSQL(roundArg string, statuses ...string) string {
	return `EXISTS (SELECT 1 FROM proxy_offers o WHERE o.volunteer_id = v.id AND o.status IN ('` + strings.Join(statuses, "', '") + `')` +
		roundSQL(roundArg) + `)`
}

func roundSQL(roundArg string) string {
	if roundArg == "" {
		return ""
	}
	return ` AND o.round = ` + roundArg
}

// situationSQL is the situation of v as an SQL expression, for the rows
// of a page: an aggregate subquery, which PostgreSQL runs once per row
// shown (an index probe), where an EXISTS would let it hash every live
// offer of the country to decorate 50 rows.
func situationSQL(roundArg string) string {
	return `CASE WHEN v.status = 'withdrawn' THEN 'withdrawn' ELSE (SELECT CASE WHEN bool_or(o.status = 'accepted') THEN 'carrying'
		WHEN count(*) > 0 THEN 'offered' ELSE 'available' END
		FROM proxy_offers o WHERE o.volunteer_id = v.id AND o.status IN ('pending', 'accepted')` + roundSQL(roundArg) + `) END`
}

// situationCond selects the volunteers in situation s: EXISTS and NOT
// EXISTS, which PostgreSQL turns into (anti-)joins walking the list in id
// order ("carrying" early in a campaign matches nothing and must not cost
// a probe per volunteer of the country).
func situationCond(s, roundArg string) string {
	switch s {
	case VolunteerActive:
		return `v.status = 'active'`
	case VolunteerWithdrawn:
		return `v.status = 'withdrawn'`
	case VolunteerCarrying:
		return `v.status = 'active' AND ` + liveOfferSQL(roundArg, OfferAccepted)
	case VolunteerOffered:
		return `v.status = 'active' AND ` + liveOfferSQL(roundArg, OfferPending) + ` AND NOT ` + liveOfferSQL(roundArg, OfferAccepted)
	case VolunteerAvailable:
		return `v.status = 'active' AND NOT ` + liveOfferSQL(roundArg, OfferPending, OfferAccepted)
	}
	return `TRUE`
}

// VolunteerCounts are the volunteers per situation.
type VolunteerCounts struct {
	Available int64 `json:"available"`
	Offered   int64 `json:"offered"`
	Carrying  int64 `json:"carrying"`
	Withdrawn int64 `json:"withdrawn"`
}

// Active is every volunteer still on the list.
func (c VolunteerCounts) Active() int64 { return c.Available + c.Offered + c.Carrying }

// Total is every volunteer, withdrawn included.
func (c VolunteerCounts) Total() int64 { return c.Active() + c.Withdrawn }

// Of is the count for a situation filter ("" and "active" included).
func (c VolunteerCounts) Of(situation string) int64 {
	switch situation {
	case VolunteerAvailable:
		return c.Available
	case VolunteerOffered:
		return c.Offered
	case VolunteerCarrying:
		return c.Carrying
	case VolunteerWithdrawn:
		return c.Withdrawn
	case VolunteerActive:
		return c.Active()
	}
	return c.Total()
}

// countVolunteers counts the volunteers matching where by situation:
// volunteers by status, and the live offers of the active ones grouped by
// volunteer. As joins, PostgreSQL probes the offers of a département's
// few hundred volunteers and hashes those of the country. Measured with
// 100,000 volunteers (on a loaded machine): 0.3 s national, 3 ms for a
// département of 373; a subquery per volunteer took 0.5 s national, and
// EXISTS tests, which PostgreSQL hashes over every live offer of the
// country, 0.3 s national but 70 ms for that département.
func countVolunteers(ctx context.Context, q pgdb.Q, roundArg, where string, args ...any) (VolunteerCounts, error) {
	var c VolunteerCounts
	var active int64
	err := q.QueryRow(ctx, `
		SELECT a.active, a.withdrawn, l.carrying, l.offered FROM
			(SELECT count(*) FILTER (WHERE v.status = 'active') AS active, count(*) FILTER (WHERE v.status = 'withdrawn') AS withdrawn
				FROM proxy_volunteers v JOIN elections e ON e.id = v.election_id
				WHERE in_scope(v.commune_code, $1) AND `+where+`) a,
			(SELECT count(*) FILTER (WHERE accepted) AS carrying, count(*) FILTER (WHERE NOT accepted) AS offered
				FROM (SELECT bool_or(o.status = 'accepted') AS accepted
					FROM proxy_offers o JOIN proxy_volunteers v ON v.id = o.volunteer_id JOIN elections e ON e.id = v.election_id
					WHERE o.status IN ('pending', 'accepted')`+roundSQL(roundArg)+` AND v.status = 'active'
						AND in_scope(v.commune_code, $1) AND `+where+`
					GROUP BY o.volunteer_id) x) l`, args...).Scan(&active, &c.Withdrawn, &c.Carrying, &c.Offered)
	c.Available = active - c.Carrying - c.Offered
	return c, err
}

// volunteerReads runs the reads of the volunteer list in one read-only
// snapshot, so that the counts and the page agree, and tuned for them:
//   - custom plans: in_scope($1) only becomes an index condition (or
//     nothing, for a national reader) once PostgreSQL sees the scope; the
//     generic plan it switches to after a few runs of a prepared statement
//     evaluates it on every volunteer of the country;
//   - no JIT: a national count is estimated expensive enough to compile,
//     and compiling took 0.35 s, longer than running it (100,000
//     volunteers).
//
// On a transaction or connection given by the caller it runs as is.
func volunteerReads(ctx context.Context, q pgdb.Q, fn func(q pgdb.Q) error) error {
	pool, ok := q.(*pgxpool.Pool)
	if !ok {
		return fn(q)
	}
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL jit = off; SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
			return err
		}
		return fn(tx)
	})
}

// VolunteerList is one page of the staff list of volunteers, the counts
// per situation of all those matching the filter but for its situation
// (the figures above the list), and the cursor of the next page (0: last
// page).
type VolunteerList struct {
	Volunteers []Volunteer     `json:"volunteers"`
	Counts     VolunteerCounts `json:"counts"`
	NextAfter  int64           `json:"next_after,omitempty"`
}

// ListVolunteers lists volunteers in u's scope (without NNE and birth
// date), in sign-up order, one page of f.Limit after f.After: the staff
// page and the JSON API both read it.
func ListVolunteers(ctx context.Context, q pgdb.Q, u *staff.User, f Filter) (*VolunteerList, error) {
	f.Limit = f.pageSize() // the cursor needs a page, even unnormalized
	args := []any{u.ScopeArg()}
	conds := []string{`TRUE`}
	add := func(cond string, v any) string {
		args = append(args, v)
		arg := fmt.Sprintf("$%d", len(args))
		conds = append(conds, strings.ReplaceAll(cond, "$?", arg))
		return arg
	}
	if f.Election != "" {
		add(`e.slug = $?`, f.Election)
	}
	if f.Departement != "" {
		add(`departement_of(v.commune_code) = $?`, f.Departement)
	}
	if f.Commune != "" {
		add(`v.commune_code = $?`, f.Commune)
	}
	roundArg := ""
	if f.Round != 0 {
		roundArg = add(`EXISTS (SELECT 1 FROM proxy_volunteer_rounds x WHERE x.volunteer_id = v.id AND x.round = $?)`, f.Round)
	}
	// The counts ignore the situation filter and the page: they are what
	// the other choices of the situation filter would give.
	countWhere, countArgs := strings.Join(conds, " AND "), slices.Clone(args)
	conds = append(conds, situationCond(f.Status, roundArg))
	if f.After > 0 {
		add(`v.id > $?`, f.After)
	}
	// One more row than the page tells whether there is a next page.
	args = append(args, f.Limit+1, f.Offset)
	listWhere := strings.Join(conds, " AND ") + fmt.Sprintf(` ORDER BY v.id LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	out := &VolunteerList{}
	err := volunteerReads(ctx, q, func(q pgdb.Q) error {
		var err error
		if out.Counts, err = countVolunteers(ctx, q, roundArg, countWhere, countArgs...); err != nil {
			return err
		}
		out.Volunteers, err = listVolunteers(ctx, q, situationSQL(roundArg), listWhere, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.Volunteers, out.NextAfter = keysetPage(out.Volunteers, f.Limit, func(v Volunteer) int64 { return v.ID })
	return out, nil
}

// listVolunteers reads volunteers matching where ($1 is always the
// reader's scope); situation is situationSQL's expression.
func listVolunteers(ctx context.Context, q pgdb.Q, situation, where string, args ...any) ([]Volunteer, error) {
	rows, err := q.Query(ctx, `
		SELECT v.id, e.slug, v.status, `+situation+`, v.first_name, v.last_name, v.email, v.phone,
			v.commune_code, c.name, v.bureau_code, v.max_distance_km, v.created_at,
			coalesce((SELECT json_agg(json_build_object('number', vr.round,
				'status', CASE WHEN o.status = 'pending' THEN 'proposed' WHEN o.status = 'accepted' THEN rr.status ELSE 'free' END,
				'request_id', o.request_id, 'request_in_scope', coalesce(in_scope(r.commune_code, $1), false)) ORDER BY vr.round)
				FROM proxy_volunteer_rounds vr
				LEFT JOIN proxy_offers o ON o.volunteer_id = vr.volunteer_id AND o.round = vr.round AND o.status IN ('pending', 'accepted')
				LEFT JOIN proxy_request_rounds rr ON rr.request_id = o.request_id AND rr.round = o.round
				LEFT JOIN proxy_requests r ON r.id = o.request_id
				WHERE vr.volunteer_id = v.id), '[]')
		FROM proxy_volunteers v JOIN elections e ON e.id = v.election_id JOIN communes c ON c.code = v.commune_code
		WHERE in_scope(v.commune_code, $1) AND `+where, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Volunteer, error) {
		var v Volunteer
		err := row.Scan(&v.ID, &v.Election, &v.Status, &v.Situation, &v.FirstName, &v.LastName, &v.Email, &v.Phone,
			&v.CommuneCode, &v.CommuneName, &v.BureauCode, &v.MaxDistanceKm, &v.CreatedAt, &v.Rounds)
		return v, err
	})
}
