package proxies

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// What staff read and do, always within their scope: every query binds
// u.ScopeArg() to in_scope(commune_code, $n), and a record outside scope is
// check.ErrNotFound.

// Filter narrows staff lists.
type Filter struct {
	Election    string // slug; empty: every election
	Status      string // a round status (requests) or volunteer status
	Departement string
	Commune     string
	Round       int
	// RoundParam is the round as a query string gives it ("": none):
	// Normalize reads it into Round, refusing what is not a number or not
	// a round of the election, rather than ignoring it.
	RoundParam string
	Limit      int
	Offset     int
	// After is the keyset cursor of the lists of volunteers and requests:
	// rows with an id above it (the previous page's NextAfter). Unlike
	// Offset, a deep page costs what the first one does.
	After int64
}

// Normalize checks a filter given in a query string. An election that
// does not exist is an error, not an empty list.
func (f *Filter) Normalize(ctx context.Context, q pgdb.Q, forVolunteers bool) error {
	errs := check.Errors{}
	var e *elections.Election
	if f.Election = elections.NormalizeSlug(f.Election); f.Election != "" {
		found, err := elections.BySlug(ctx, q, f.Election)
		switch {
		case errors.Is(err, check.ErrNotFound):
			errs.Add("election", "Élection inconnue.")
		case err != nil:
			return err
		default:
			e = found
		}
	}
	f.Status = strings.TrimSpace(f.Status)
	valid := []string{"", RoundOpen, RoundProposed, RoundAccepted, RoundEstablished, RoundCancelled}
	if forVolunteers {
		valid = []string{"", VolunteerActive, VolunteerAvailable, VolunteerOffered, VolunteerCarrying, VolunteerWithdrawn}
	}
	if !slices.Contains(valid, f.Status) {
		errs.Add("status", "Statut inconnu.")
	}
	if err := f.checkPlace(errs); err != nil {
		return err
	}
	f.checkRound(errs, e)
	f.Limit = f.pageSize()
	if f.Offset < 0 {
		f.Offset = 0
	}
	if f.After < 0 {
		f.After = 0
	}
	if f.After > 0 && f.Offset > 0 {
		// Both would skip rows: a page is one or the other.
		errs.Add("offset", "Utilisez after (le next_after de la page précédente) ou offset, pas les deux.")
	}
	return errs.Err()
}

// checkPlace reads the place as every staff view reads it
// (places.CheckArea; the scope is the caller's to check, with the user).
// The département and the commune are checked each on its own first, so
// that both are reported when both are bad (CheckArea stops at the
// commune), then together: a commune must be in the département given.
// It returns only errors that are not the filter's (none today).
func (f *Filter) checkPlace(errs check.Errors) error {
	bad := false
	for _, place := range [][2]string{{f.Departement, ""}, {"", f.Commune}} {
		_, _, err := places.CheckArea(nil, place[0], place[1])
		if inv, ok := check.AsInvalid(err); ok {
			for field, msg := range inv.Fields {
				errs.Add(field, msg)
			}
			bad = true
		} else if err != nil {
			return err
		}
	}
	if bad {
		return nil
	}
	dep, commune, err := places.CheckArea(nil, f.Departement, f.Commune)
	if inv, ok := check.AsInvalid(err); ok {
		for field, msg := range inv.Fields {
			errs.Add(field, msg)
		}
		return nil
	} else if err != nil {
		return err
	}
	f.Departement, f.Commune = dep, commune
	return nil
}

// checkRound reads RoundParam into Round and checks the round: 1 or 2,
// and with an election, one of its rounds (e nil: every election).
func (f *Filter) checkRound(errs check.Errors, e *elections.Election) {
	param := f.RoundParam
	if param == "" && f.Round != 0 {
		param = strconv.Itoa(f.Round) // set by a caller in Go
	}
	f.Round = elections.ListRound(errs, "round", param, e)
}

// pageSize is the filter's page: its Limit, 200 when it gives none, 1,000
// at most.
func (f Filter) pageSize() int {
	if f.Limit <= 0 {
		return 200
	}
	return min(f.Limit, 1000)
}

// keysetPage cuts rows, read one beyond a page of limit, to the page, and
// gives the cursor of the next one (0: the last page).
func keysetPage[T any](rows []T, limit int, id func(T) int64) ([]T, int64) {
	var next int64
	if len(rows) > limit {
		rows = rows[:limit]
		next = id(rows[limit-1])
	}
	if rows == nil {
		rows = []T{}
	}
	return rows, next
}

// QueueEntry is one request round in the staff queue.
type QueueEntry struct {
	RequestID     int64     `json:"request_id"`
	Round         int       `json:"round"`
	RoundDate     time.Time `json:"-"`
	Status        string    `json:"status"`
	StatusAt      time.Time `json:"status_at"`  // when the round took its status
	CreatedAt     time.Time `json:"created_at"` // when the request came
	FirstName     string    `json:"first_name"`
	LastName      string    `json:"last_name"`
	CommuneCode   string    `json:"commune_code"`
	CommuneName   string    `json:"commune_name"`
	BureauCode    string    `json:"bureau_code"`
	VolunteerID   *int64    `json:"volunteer_id"`
	VolunteerName string    `json:"volunteer_name,omitempty"`
	Election      string    `json:"election"`
	// VolunteerInScope: the volunteer's page opens for the reader.
	VolunteerInScope bool `json:"-"`
}

// Age is how long the person has been waiting, in French ("il y a 3 h",
// "à l'instant"): since the request came, whatever happened to the round
// since (the queue's order).
func (q QueueEntry) Age(now time.Time) string { return agoText(now.Sub(q.CreatedAt)) }

// StatusSince is how long the round has been in its status, in French
// ("proposée il y a 2 h"); "" for a round searched since the request
// came, which Age already tells.
func (q QueueEntry) StatusSince(now time.Time) string {
	d := now.Sub(q.StatusAt)
	ago := agoText(d)
	switch q.Status {
	case RoundOpen:
		if q.StatusAt.Sub(q.CreatedAt) < time.Minute {
			return ""
		}
		if d < time.Minute {
			return "en recherche depuis un instant"
		}
		return "en recherche depuis " + humanAge(d)
	case RoundProposed:
		return "proposée " + ago
	case RoundAccepted:
		return "acceptée " + ago
	case RoundEstablished:
		return "établie " + ago
	case RoundCancelled:
		return "annulée " + ago
	}
	return ""
}

// agoText is how long ago, in French: "il y a 3 min", "à l'instant"
// under a minute.
func agoText(d time.Duration) string {
	if d < time.Minute {
		return "à l'instant"
	}
	return "il y a " + humanAge(d)
}

func humanAge(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d j", int(d.Hours()/24))
}

// QueueList is one page of the staff queue and what the whole filter
// matches: request rounds (the queue's rows) and the requests they belong
// to (people: a request for both rounds has two rows).
type QueueList struct {
	Entries  []QueueEntry
	Rounds   int
	Requests int
}

// ListQueue lists request rounds for u, the longest waiting first (the
// request's arrival, not the round's last change: a round that changed
// status keeps its place), with how many rounds and requests the filter
// matches.
func ListQueue(ctx context.Context, q pgdb.Q, u *staff.User, f Filter) (*QueueList, error) {
	out := &QueueList{}
	where, args := queueWhere(u, f)
	if err := q.QueryRow(ctx, `SELECT count(*), count(DISTINCT r.id) FROM proxy_request_rounds rr JOIN proxy_requests r ON r.id = rr.request_id
		JOIN elections e ON e.id = r.election_id WHERE `+where, args...).Scan(&out.Rounds, &out.Requests); err != nil {
		return nil, err
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := q.Query(ctx, `
		SELECT rr.request_id, rr.round, rd.date, rr.status, rr.status_at, r.created_at, r.first_name, r.last_name,
			r.commune_code, c.name, r.bureau_code, o.volunteer_id, coalesce(v.first_name || ' ' || v.last_name, ''), e.slug,
			coalesce(v.id IS NOT NULL AND in_scope(v.commune_code, $1), false)
		FROM proxy_request_rounds rr
		JOIN proxy_requests r ON r.id = rr.request_id
		JOIN elections e ON e.id = r.election_id
		JOIN rounds rd ON rd.election_id = r.election_id AND rd.number = rr.round
		JOIN communes c ON c.code = r.commune_code
		LEFT JOIN proxy_offers o ON o.request_id = rr.request_id AND o.round = rr.round AND o.status IN ('pending', 'accepted')
		LEFT JOIN proxy_volunteers v ON v.id = o.volunteer_id
		WHERE `+where+fmt.Sprintf(` ORDER BY r.created_at, rr.request_id, rr.round LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, err
	}
	out.Entries, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (QueueEntry, error) {
		var e QueueEntry
		var n int16
		err := r.Scan(&e.RequestID, &n, &e.RoundDate, &e.Status, &e.StatusAt, &e.CreatedAt, &e.FirstName, &e.LastName,
			&e.CommuneCode, &e.CommuneName, &e.BureauCode, &e.VolunteerID, &e.VolunteerName, &e.Election, &e.VolunteerInScope)
		e.Round = int(n)
		return e, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func queueWhere(u *staff.User, f Filter) (string, []any) {
	args := []any{u.ScopeArg()}
	conds := []string{`in_scope(r.commune_code, $1)`}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if f.Election != "" {
		add(`e.slug = $%d`, f.Election)
	}
	if f.Status != "" {
		add(`rr.status = $%d`, f.Status)
	}
	if f.Departement != "" {
		add(`departement_of(r.commune_code) = $%d`, f.Departement)
	}
	if f.Commune != "" {
		add(`r.commune_code = $%d`, f.Commune)
	}
	if f.Round != 0 {
		add(`rr.round = $%d`, f.Round)
	}
	return strings.Join(conds, " AND "), args
}

// Request is a request as staff and the API see it.
type Request struct {
	ID          int64          `json:"id"`
	Election    string         `json:"election"`
	Status      string         `json:"status"`
	FirstName   string         `json:"first_name"`
	LastName    string         `json:"last_name"`
	Email       string         `json:"email"`
	Phone       string         `json:"phone"`
	CommuneCode string         `json:"commune_code"`
	CommuneName string         `json:"commune_name"`
	BureauCode  string         `json:"bureau_code"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"` // the last change of the request or of a round's status
	Rounds      []RequestRound `json:"rounds"`
	electionID  int64
}

// RequestRound is a request's round in the staff API: volunteer_id is the
// volunteer of the round's live offer (awaiting their answer when the
// round is proposed, accepted beyond), null when there is none; status_at
// is when the round took its status (the request's created_at tells how
// long the person has been waiting).
type RequestRound struct {
	Number      int       `json:"number"`
	Status      string    `json:"status"`
	StatusAt    time.Time `json:"status_at"`
	VolunteerID *int64    `json:"volunteer_id"`
}

// StatusLabel is the round's status in French (staff pages).
func (r RequestRound) StatusLabel() string { return StatusLabel(r.Status) }

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

// GetRequest loads a request in u's scope.
func GetRequest(ctx context.Context, q pgdb.Q, u *staff.User, id int64) (*Request, error) {
	list, err := listRequests(ctx, q, `r.id = $2`, u.ScopeArg(), id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, check.ErrNotFound
	}
	return &list[0], nil
}

// RequestList is one page of the staff API's list of requests, and the
// cursor of the next page (0: last page).
type RequestList struct {
	Requests  []Request `json:"requests"`
	NextAfter int64     `json:"next_after,omitempty"`
}

// ListRequests lists requests in u's scope, one page of f.Limit after
// f.After in id order: status matches any round.
func ListRequests(ctx context.Context, q pgdb.Q, u *staff.User, f Filter) (*RequestList, error) {
	f.Limit = f.pageSize() // the cursor needs a page, even unnormalized
	where, args := queueWhere(u, f)
	if f.After > 0 {
		args = append(args, f.After)
		where += fmt.Sprintf(` AND r.id > $%d`, len(args))
	}
	// One more row than the page tells whether there is a next page.
	args = append(args, f.Limit+1, f.Offset)
	list, err := listRequests(ctx, q, fmt.Sprintf(`r.id IN (SELECT DISTINCT r.id FROM proxy_request_rounds rr JOIN proxy_requests r ON r.id = rr.request_id
		JOIN elections e ON e.id = r.election_id WHERE %s ORDER BY r.id LIMIT $%d OFFSET $%d)`, where, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, err
	}
	out := &RequestList{}
	out.Requests, out.NextAfter = keysetPage(list, f.Limit, func(r Request) int64 { return r.ID })
	return out, nil
}

func listRequests(ctx context.Context, q pgdb.Q, where string, args ...any) ([]Request, error) {
	rows, err := q.Query(ctx, `
		SELECT r.id, e.slug, e.id, r.first_name, r.last_name, r.email, r.phone, r.commune_code, c.name, r.bureau_code, r.created_at,
			greatest(r.updated_at, (SELECT max(rr.status_at) FROM proxy_request_rounds rr WHERE rr.request_id = r.id)),
			coalesce((SELECT json_agg(json_build_object('number', rr.round, 'status', rr.status, 'status_at', rr.status_at, 'volunteer_id', o.volunteer_id) ORDER BY rr.round)
				FROM proxy_request_rounds rr LEFT JOIN proxy_offers o ON o.request_id = rr.request_id AND o.round = rr.round
					AND o.status IN ('pending', 'accepted')
				WHERE rr.request_id = r.id), '[]')
		FROM proxy_requests r JOIN elections e ON e.id = r.election_id JOIN communes c ON c.code = r.commune_code
		WHERE in_scope(r.commune_code, $1) AND `+where+` ORDER BY r.id`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Request, error) {
		var r Request
		err := row.Scan(&r.ID, &r.Election, &r.electionID, &r.FirstName, &r.LastName, &r.Email, &r.Phone, &r.CommuneCode, &r.CommuneName,
			&r.BureauCode, &r.CreatedAt, &r.UpdatedAt, &r.Rounds)
		statuses := make([]string, len(r.Rounds))
		for i, x := range r.Rounds {
			statuses[i] = x.Status
			// JSON from PostgreSQL carries the session's offset: written
			// as created_at is.
			r.Rounds[i].StatusAt = x.StatusAt.In(r.CreatedAt.Location())
		}
		r.Status = OverallStatus(statuses)
		return r, err
	})
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

// OfferEntry is one offer in a request's history.
type OfferEntry struct {
	ID               int64
	Round            int
	Status           string
	Reason           string
	VolunteerID      int64
	VolunteerName    string
	VolunteerPlace   string
	VolunteerPhone   string // only when the volunteer is in the staff member's scope
	DistanceKm       *float64
	CreatedBy        string
	CreatedAt        time.Time
	ExpiresAt        time.Time
	AnsweredAt       *time.Time
	DetailViews      int
	VolunteerInScope bool
}

// Distance is the offer's distance in French ("2,4 km"), "" when unknown.
func (o OfferEntry) Distance() string { return kmText(o.DistanceKm) }

// RequestDetail is a request's staff page: the request, its offers, its
// audit history and, per round still to serve, the ranked candidates.
type RequestDetail struct {
	Request
	Offers     []OfferEntry
	History    []HistoryEvent
	Candidates map[int][]RankedCandidate
	// Located: the request has coordinates, so that the solver pairs it;
	// without, staff pair it by hand among the volunteers of its commune
	// and département.
	Located bool
	// ElectionName is the election's name (the page shows it, not the
	// slug).
	ElectionName string
}

// RankedCandidate is a volunteer the solver would consider, with its score.
type RankedCandidate struct {
	VolunteerID int64
	Name        string
	CommuneName string
	BureauCode  string
	Cost        int64
	Km          float64
	Busy        bool // holds an unanswered offer for another request
	Holds       bool // holds this request round's unanswered offer
	InScope     bool
	// Unlocated: the request has no coordinates, the distance is unknown
	// (unlocatedCandidates).
	Unlocated bool
}

// Distance is the candidate's distance in French ("2,4 km"), "distance
// inconnue" for a request without coordinates.
func (c RankedCandidate) Distance() string {
	if c.Unlocated {
		return "distance inconnue"
	}
	return kmText(&c.Km)
}

// Score is the candidate's score as the solver gives it; beyond the
// request's commune, without coordinates, it is unknown ("—").
func (c RankedCandidate) Score() string {
	if c.Unlocated && c.Cost > 1 {
		return "—"
	}
	return fmt.Sprint(c.Cost)
}

// LoadRequestDetail loads a request's staff page.
func (d *Desk) LoadRequestDetail(ctx context.Context, u *staff.User, id int64) (*RequestDetail, error) {
	r, err := GetRequest(ctx, d.Pool, u, id)
	if err != nil {
		return nil, err
	}
	out := &RequestDetail{Request: *r, Candidates: map[int][]RankedCandidate{}}
	p, err := requestPoint(ctx, d.Pool, id)
	if err != nil {
		return nil, err
	}
	out.Located = p != nil
	e, err := elections.ByID(ctx, d.Pool, r.electionID)
	if err != nil {
		return nil, err
	}
	out.ElectionName = e.Name
	rows, err := d.Pool.Query(ctx, `
		SELECT o.id, o.round, o.status, o.reason, v.id, v.first_name || ' ' || v.last_name, c.name, v.phone, in_scope(v.commune_code, $2),
			o.distance_km, o.created_by, o.created_at, o.expires_at, o.answered_at, o.details_views, o.reminded_at
		FROM proxy_offers o JOIN proxy_volunteers v ON v.id = o.volunteer_id JOIN communes c ON c.code = v.commune_code
		WHERE o.request_id = $1 AND `+anyStatus+` ORDER BY o.id DESC`, id, u.ScopeArg())
	if err != nil {
		return nil, err
	}
	var stories []offerStory
	out.Offers, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (OfferEntry, error) {
		var o OfferEntry
		var n int16
		var reminded *time.Time
		err := row.Scan(&o.ID, &n, &o.Status, &o.Reason, &o.VolunteerID, &o.VolunteerName, &o.VolunteerPlace, &o.VolunteerPhone, &o.VolunteerInScope,
			&o.DistanceKm, &o.CreatedBy, &o.CreatedAt, &o.ExpiresAt, &o.AnsweredAt, &o.DetailViews, &reminded)
		o.Round = int(n)
		if !o.VolunteerInScope {
			o.VolunteerPhone = ""
		}
		stories = append(stories, offerStory{id: o.ID, requestID: id, volunteerID: o.VolunteerID, round: o.Round, status: o.Status, reason: o.Reason,
			who: "à " + o.VolunteerName, by: o.CreatedBy, created: o.CreatedAt, answered: o.AnsweredAt, reminded: reminded})
		return o, err
	})
	if err != nil {
		return nil, err
	}
	// The request's own entries tell its answers, its cancellation and the
	// staff's unmatching.
	// Staff's proposals are audited as manual matches.
	events, err := offerHistory(ctx, d.Pool, stories, func(by string) bool { return by == staff.ActorSystem }, func(status, reason string) bool {
		return status == OfferAccepted || status == OfferDeclined || slices.Contains([]string{"cancelled", "unmatched", "reassigned"}, reason)
	})
	if err != nil {
		return nil, err
	}
	if out.History, err = historyOf(ctx, d.Pool, "proxy_request", id, events); err != nil {
		return nil, err
	}
	for _, rs := range r.Rounds {
		if rs.Status != RoundOpen && rs.Status != RoundProposed {
			continue
		}
		cs, err := d.rankCandidates(ctx, u, r, rs.Number, 10)
		if err != nil {
			return nil, err
		}
		out.Candidates[rs.Number] = cs
	}
	return out, nil
}

// The histories of the staff pages name who did each thing as the audit
// log knows it. The log records "public" for whoever used a private link
// or a public form: the entry tells the mandant from the volunteer
// (staff.AuditEntry.Who, in historyOf). An offer's end is told by the offer, whose reason says
// what ended it; who did it is the author of that change's audit entry,
// wherever the log files it (offerEnders): a volunteer's withdrawal under
// the volunteer, an unmatching under the request.

// offerStory is what a history needs of one offer; who names the other
// side ("à Paul Petit" on a request's page, "pour Jeanne Moreau" on a
// volunteer's).
type offerStory struct {
	id, requestID, volunteerID int64
	round                      int
	status, reason, who, by    string
	created                    time.Time
	answered, reminded         *time.Time
}

// offerHistory tells the events of offers that the audit log files under
// the election, the matching run or the other side rather than under the
// page's request or volunteer: proposals, answers, expiries, withdrawals,
// reminders. proposed says which proposals (by whom) and audited which
// ends (status, reason) have an entry of the page's own.
func offerHistory(ctx context.Context, q pgdb.Q, stories []offerStory, proposed func(by string) bool,
	audited func(status, reason string) bool) ([]HistoryEvent, error) {
	var told []offerStory
	for _, s := range stories {
		if s.answered != nil && !audited(s.status, s.reason) {
			told = append(told, s)
		}
	}
	enders, err := offerEnders(ctx, q, told)
	if err != nil {
		return nil, err
	}
	var out []HistoryEvent
	add := func(at time.Time, actor, text string) {
		out = append(out, HistoryEvent{AuditEntry: staff.AuditEntry{At: at, Actor: actor}, text: text})
	}
	// Newest first, as historyOf sorts (stable: events at the same time
	// keep this order).
	for _, s := range stories {
		if s.reminded != nil {
			add(*s.reminded, staff.ActorSystem, fmt.Sprintf("Rappel au mandant : procuration à faire établir (tour %d)", s.round))
		}
		if by, ok := enders[s.id]; ok {
			add(*s.answered, by, fmt.Sprintf("Proposition %s %s (tour %d)", s.who,
				OfferEntry{Status: s.status, Reason: s.reason}.StatusLabel(), s.round))
		}
		if proposed(s.by) {
			what := "Proposition"
			if s.by == staff.ActorSystem {
				what = "Proposition automatique"
			}
			add(s.created, s.by, fmt.Sprintf("%s %s (tour %d)", what, s.who, s.round))
		}
	}
	return out, nil
}

// endedBy is who ended an offer, as far as the offer tells.
func endedBy(status, reason string) string {
	switch {
	case status == OfferAccepted || status == OfferDeclined:
		return staff.ActorVolunteer // answered from their link
	case status == OfferExpired || reason == "moved":
		return staff.ActorSystem
	case reason == "cancelled" || reason == "request_changed":
		return staff.ActorMandant
	case reason == "volunteer_changed" || reason == "volunteer_withdrew":
		return staff.ActorVolunteer // unless staff withdrew them: offerEnders
	case reason == "unmatched" || reason == "reassigned":
		return staff.ActorTeam // offerEnders names them
	}
	// "changed": a change of either side (until December 2026).
	return staff.ActorPublic
}

// offerEnders is who ended each of the offers: endedBy, and for the ends
// staff may have made, the author of the change's audit entry.
//   - volunteer_withdrew: a volunteer's withdrawal (their link, or staff's
//     "Retirer") ends every live offer of theirs and records how many in
//     its entry, so that their withdrawn offers in id order are those of
//     their withdrawals in turn;
//   - unmatched: each unmatching of a request round ends its one live
//     offer, so that the round's nth unmatched offer is its nth entry;
//   - reassigned: staff's proposal to another volunteer ends the live
//     offer and makes the round's next one, created by them.
func offerEnders(ctx context.Context, q pgdb.Q, stories []offerStory) (map[int64]string, error) {
	out := map[int64]string{}
	var withdrew, unmatched, reassigned []int64
	var volunteers, requests []int64
	for _, s := range stories {
		out[s.id] = endedBy(s.status, s.reason)
		switch s.reason {
		case "volunteer_withdrew":
			withdrew, volunteers = append(withdrew, s.id), append(volunteers, s.volunteerID)
		case "unmatched":
			unmatched, requests = append(unmatched, s.id), append(requests, s.requestID)
		case "reassigned":
			reassigned = append(reassigned, s.id)
		}
	}
	lookup := func(ids []int64, sql string, args ...any) error {
		if len(ids) == 0 {
			return nil
		}
		rows, err := q.Query(ctx, sql, append([]any{ids}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var actor *string
			if err := rows.Scan(&id, &actor); err != nil {
				return err
			}
			// "public" is the person endedBy names.
			if actor != nil && *actor != staff.ActorPublic {
				out[id] = *actor
			}
		}
		return rows.Err()
	}
	// (status NOT IN ('pending', 'accepted') repeats the predicate of the
	// partial index of ended offers, for the planner to use it.)
	err := lookup(withdrew, `
		WITH w AS (
			SELECT id, entity_id, actor, sum(coalesce((details->>'offers')::int, 0)) OVER (PARTITION BY entity_id ORDER BY id) AS upto
			FROM audit_log WHERE entity = 'proxy_volunteer' AND action = 'proxy_volunteer.withdraw' AND entity_id = ANY ($2::text[])
		), o AS (
			SELECT id, volunteer_id, row_number() OVER (PARTITION BY volunteer_id ORDER BY id) AS n FROM proxy_offers
			WHERE volunteer_id = ANY ($3) AND status = 'withdrawn' AND reason = 'volunteer_withdrew'
		)
		SELECT o.id, (SELECT w.actor FROM w WHERE w.entity_id = o.volunteer_id::text AND w.upto >= o.n ORDER BY w.upto, w.id LIMIT 1)
		FROM o WHERE o.id = ANY ($1)`, idTexts(volunteers), volunteers)
	if err != nil {
		return nil, err
	}
	err = lookup(unmatched, `
		WITH u AS (
			SELECT entity_id, details->>'round' AS round, actor, row_number() OVER (PARTITION BY entity_id, details->>'round' ORDER BY id) AS n
			FROM audit_log WHERE entity = 'proxy_request' AND action = 'proxy_request.unmatch' AND entity_id = ANY ($2::text[])
		), o AS (
			SELECT id, request_id, round, row_number() OVER (PARTITION BY request_id, round ORDER BY id) AS n FROM proxy_offers
			WHERE request_id = ANY ($3) AND status = 'withdrawn' AND reason = 'unmatched'
		)
		SELECT o.id, u.actor FROM o JOIN u ON u.entity_id = o.request_id::text AND u.round = o.round::text AND u.n = o.n
		WHERE o.id = ANY ($1)`, idTexts(requests), requests)
	if err != nil {
		return nil, err
	}
	err = lookup(reassigned, `
		SELECT DISTINCT ON (x.id) x.id, o.created_by FROM proxy_offers x
		JOIN proxy_offers o ON o.request_id = x.request_id AND o.round = x.round AND o.id > x.id AND `+anyStatus+`
		WHERE x.id = ANY ($1) ORDER BY x.id, o.id`)
	return out, err
}

// idTexts is ids as the audit log's entity_id.
func idTexts(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprint(id)
	}
	return out
}

// candidatesFor ranks the volunteers who may carry a request round, with
// the solver's rules and Cost (Candidates), best first: available that
// round with a place left, within both travel limits, not the person
// themselves, never one who declined it. located is false when the
// request has no coordinates (its commune has none): the solver never
// sees it, and the candidates are unlocatedCandidates'.
func (d *Desk) candidatesFor(ctx context.Context, r *Request, round, limit int) (cands []Candidate, located bool, err error) {
	tx, err := d.Pool.Begin(ctx)
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback(ctx)
	p, err := requestPoint(ctx, tx, r.ID)
	if err != nil {
		return nil, false, err
	}
	if p == nil {
		cands, err := unlocatedCandidates(ctx, tx, r, round, limit, d.now())
		return cands, false, err
	}
	in, err := d.load(ctx, tx, r.electionID, []places.Point{*p}, d.now(), false)
	if err != nil {
		return nil, true, err
	}
	for i := range in.demands {
		if in.demands[i].RequestID == r.ID && in.demands[i].Round == round {
			return Candidates(in.demands[i], in.supplies, Options{GlobalMaxKm: d.globalMaxKm()}, limit), true, nil
		}
	}
	return nil, true, nil
}

// unlocatedCandidates are the candidates of a request round without
// coordinates, which staff pair by hand: the volunteers available that
// round with a place left (as the solver's loadSupplies and loadNever
// tell: not the person themselves, never one who declined it, let it
// expire or was unmatched from it) of the request's commune, then of its
// département, by commune and name. Their distance is unknown; the score
// is the solver's where it needs none (0 same bureau, 1 same commune),
// and 2 beyond (the least the solver gives another commune).
func unlocatedCandidates(ctx context.Context, q pgdb.Q, r *Request, round, limit int, now time.Time) ([]Candidate, error) {
	if limit <= 0 {
		limit = math.MaxInt32
	}
	rows, err := q.Query(ctx, `
		SELECT v.id, v.commune_code, v.bureau_code,
			CASE WHEN v.commune_code = r.commune_code AND r.bureau_code <> '' AND v.bureau_code = r.bureau_code THEN 0
				WHEN v.commune_code = r.commune_code THEN 1 ELSE 2 END AS cost,
			coalesce((SELECT o.request_id FROM proxy_offers o WHERE o.volunteer_id = v.id AND o.round = vr.round AND o.status = 'pending'
				ORDER BY o.id LIMIT 1), 0)
		FROM proxy_requests r
		JOIN rounds rd ON rd.election_id = r.election_id AND rd.number = $2 AND rd.date > $4
		JOIN proxy_volunteers v ON v.election_id = r.election_id AND v.status = 'active'
			AND (v.commune_code = r.commune_code OR departement_of(v.commune_code) = departement_of(r.commune_code))
		JOIN proxy_volunteer_rounds vr ON vr.volunteer_id = v.id AND vr.round = $2
		JOIN communes c ON c.code = v.commune_code
		WHERE r.id = $1 AND v.email <> r.email AND (r.phone = '' OR v.phone <> r.phone)
			AND (SELECT count(*) FROM proxy_offers a WHERE a.volunteer_id = v.id AND a.round = vr.round AND a.status = 'accepted') < $5
			AND NOT EXISTS (SELECT 1 FROM proxy_offers x WHERE x.request_id = r.id AND x.volunteer_id = v.id
				AND (x.status IN ('declined', 'expired') OR (x.status = 'withdrawn' AND x.reason = 'unmatched')))
		ORDER BY cost, c.name, v.commune_code, v.last_name, v.first_name, v.id LIMIT $3`,
		r.ID, round, limit, elections.Today(now), MaxProxiesPerRound)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Candidate, error) {
		c := Candidate{Supply: Supply{Round: round, MaxKm: -1}}
		err := row.Scan(&c.VolunteerID, &c.Commune, &c.Bureau, &c.Cost, &c.Offered)
		return c, err
	})
}

// rankCandidates is candidatesFor with the volunteers' names, for the
// request's staff page.
func (d *Desk) rankCandidates(ctx context.Context, u *staff.User, r *Request, round, limit int) ([]RankedCandidate, error) {
	cands, located, err := d.candidatesFor(ctx, r, round, limit)
	if err != nil || len(cands) == 0 {
		return nil, err
	}
	ids := make([]int64, len(cands))
	for i, c := range cands {
		ids[i] = c.VolunteerID
	}
	rows, err := d.Pool.Query(ctx, `SELECT v.id, v.first_name || ' ' || v.last_name, c.name, in_scope(v.commune_code, $2)
		FROM proxy_volunteers v JOIN communes c ON c.code = v.commune_code WHERE v.id = ANY ($1)`, ids, u.ScopeArg())
	if err != nil {
		return nil, err
	}
	type who struct {
		name, place string
		inScope     bool
	}
	names := map[int64]who{}
	for rows.Next() {
		var id int64
		var w who
		if err := rows.Scan(&id, &w.name, &w.place, &w.inScope); err != nil {
			rows.Close()
			return nil, err
		}
		names[id] = w
	}
	rows.Close()
	out := make([]RankedCandidate, len(cands))
	for i, c := range cands {
		w := names[c.VolunteerID]
		out[i] = RankedCandidate{VolunteerID: c.VolunteerID, Name: w.name, CommuneName: w.place, BureauCode: c.Bureau,
			Cost: c.Cost, Km: c.Km, Unlocated: !located, Busy: c.Offered != 0 && c.Offered != r.ID, Holds: c.Offered == r.ID, InScope: w.inScope}
	}
	return out, nil
}

// ManualMatch is staff proposing a request round to a chosen volunteer
// (organizers and admins, request in scope). An unanswered offer to
// someone else is withdrawn; capacity is still the database's to enforce.
func (d *Desk) ManualMatch(ctx context.Context, u *staff.User, requestID int64, round int, volunteerID int64) error {
	if !u.CanAct() {
		return check.ErrForbidden
	}
	r, err := GetRequest(ctx, d.Pool, u, requestID)
	if err != nil {
		return err
	}
	e, err := elections.ByID(ctx, d.Pool, r.electionID)
	if err != nil {
		return err
	}
	rd, ok := e.Round(round)
	if !ok {
		return check.Field("round", "Tour inconnu.")
	}
	if !rd.Date.After(elections.Today(d.now())) {
		return check.Field("round", fmt.Sprintf(tooLate, round, frDate(rd.Date)))
	}
	// Staff may go beyond a volunteer's travel limit (after a call), but
	// an organizer reaches only the volunteers of their scope and the
	// request's candidates (nearby, across a border): others are unknown
	// to them, whatever their state, so that none can be probed.
	var inScope bool
	err = d.Pool.QueryRow(ctx, `SELECT in_scope(commune_code, $3) FROM proxy_volunteers WHERE id = $1 AND election_id = $2`,
		volunteerID, r.electionID, u.ScopeArg()).Scan(&inScope)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	if !inScope {
		cands, _, err := d.candidatesFor(ctx, r, round, 0)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(cands, func(c Candidate) bool { return c.VolunteerID == volunteerID }) {
			return check.Field("volunteer_id", "Volontaire inconnu·e pour cette élection.")
		}
	}
	return d.inTx(ctx, r.electionID, func(tx pgx.Tx, now time.Time) ([]event, error) {
		var vStatus, vEmail, rEmail, vPhone, rPhone string
		var available, declined bool
		var vLat, vLon, rLat, rLon *float64
		// A volunteer's refusal is final; a pair whose offer expired, or
		// that staff undid, staff may propose again (after a call), though
		// the matching never does.
		err := tx.QueryRow(ctx, `SELECT v.status, v.email, v.phone, v.latitude, v.longitude,
				EXISTS (SELECT 1 FROM proxy_volunteer_rounds x WHERE x.volunteer_id = v.id AND x.round = $3),
				EXISTS (SELECT 1 FROM proxy_offers o WHERE o.request_id = $4 AND o.volunteer_id = v.id AND o.status = 'declined')
			FROM proxy_volunteers v WHERE v.id = $1 AND v.election_id = $2 FOR SHARE`, volunteerID, r.electionID, round, requestID).Scan(
			&vStatus, &vEmail, &vPhone, &vLat, &vLon, &available, &declined)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, check.Field("volunteer_id", "Volontaire inconnu·e pour cette élection.")
		}
		if err != nil {
			return nil, err
		}
		if err := tx.QueryRow(ctx, `SELECT email, phone, latitude, longitude FROM proxy_requests WHERE id = $1`, requestID).Scan(&rEmail, &rPhone, &rLat, &rLon); err != nil {
			return nil, err
		}
		switch {
		case vStatus != VolunteerActive:
			return nil, &check.Conflict{Msg: "Ce·tte volontaire s'est retiré·e."}
		case !available:
			return nil, &check.Conflict{Msg: fmt.Sprintf("Ce·tte volontaire n'est pas disponible au tour %d.", round)}
		case vEmail == rEmail || (vPhone != "" && vPhone == rPhone):
			return nil, &check.Conflict{Msg: "Une personne ne peut pas porter sa propre procuration."}
		case declined:
			return nil, &check.Conflict{Msg: "Ce·tte volontaire a refusé cette demande : elle ne lui est plus proposée."}
		}
		rounds, err := lockRequestRounds(ctx, tx, requestID)
		if err != nil {
			return nil, err
		}
		var msgs []notify.Message
		switch rounds[round] {
		case RoundOpen:
		case RoundProposed:
			var holder int64
			if err := tx.QueryRow(ctx, `SELECT volunteer_id FROM proxy_offers WHERE request_id = $1 AND round = $2 AND status = 'pending'`,
				requestID, round).Scan(&holder); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return nil, err
			}
			if holder == volunteerID {
				return nil, &check.Conflict{Msg: "Cette demande est déjà proposée à ce·tte volontaire."}
			}
			m, err := d.withdrawLiveOffer(ctx, tx, requestID, round, "reassigned", RoundOpen, now)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, m...)
		default:
			return nil, &check.Conflict{Msg: "Ce tour n'attend pas de volontaire (déjà accepté, établi ou annulé)."}
		}
		var taken []int
		rows, err := tx.Query(ctx, `SELECT slot FROM proxy_offers WHERE volunteer_id = $1 AND round = $2 AND status IN ('pending', 'accepted')`, volunteerID, round)
		if err != nil {
			return nil, err
		}
		if taken, err = pgx.CollectRows(rows, pgx.RowTo[int]); err != nil {
			return nil, err
		}
		full := &check.Conflict{Msg: fmt.Sprintf("Ce·tte volontaire n'a plus de place au tour %d (une proposition en attente ou acceptée).", round)}
		slot, ok := freeSlot(taken)
		if !ok {
			return nil, full
		}
		var offerID int64
		var km *float64
		if a, b := point(rLat, rLon), point(vLat, vLon); a != nil && b != nil {
			k := math.Round(places.DistanceKm(*a, *b)*10) / 10
			km = &k
		}
		err = tx.QueryRow(ctx, `INSERT INTO proxy_offers (election_id, request_id, round, volunteer_id, slot, expires_at, created_by, created_at, distance_km)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			r.electionID, requestID, round, volunteerID, slot, d.Expiry.Deadline(now, rd.Date), u.Actor(), now, km).Scan(&offerID)
		if pgdb.IsUniqueViolation(err, "") || isCheckViolation(err) {
			return nil, full
		}
		if err != nil {
			return nil, err
		}
		if err := setRoundStatus(ctx, tx, requestID, round, RoundProposed, nil, now); err != nil {
			return nil, err
		}
		if err := notify.Enqueue(ctx, tx, msgs...); err != nil {
			return nil, err
		}
		dates := map[int]time.Time{round: rd.Date}
		note := offerNote{volunteerID: volunteerID, requestID: requestID, rounds: []int{round}, km: km, expires: d.Expiry.Deadline(now, rd.Date)}
		if err := d.offerMessages(ctx, tx, now, linkExpiry(e), dates, []offerNote{note}); err != nil {
			return nil, err
		}
		return nil, staff.Audit(ctx, tx, u.Actor(), "proxy_request.manual_match", "proxy_request", fmt.Sprint(requestID),
			map[string]any{"round": round, "volunteer_id": volunteerID, "offer_id": offerID})
	})
}

// Unmatch is staff undoing a pair (pending, accepted or established): the
// round is open again and the matching never proposes this pair again
// (staff may, ManualMatch).
func (d *Desk) Unmatch(ctx context.Context, u *staff.User, requestID int64, round int) error {
	if !u.CanAct() {
		return check.ErrForbidden
	}
	r, err := GetRequest(ctx, d.Pool, u, requestID)
	if err != nil {
		return err
	}
	e, err := elections.ByID(ctx, d.Pool, r.electionID)
	if err != nil {
		return err
	}
	if _, ok := e.Round(round); !ok {
		return check.Field("round", "Tour inconnu.")
	}
	return d.inTx(ctx, r.electionID, func(tx pgx.Tx, now time.Time) ([]event, error) {
		rounds, err := lockRequestRounds(ctx, tx, requestID)
		if err != nil {
			return nil, err
		}
		switch rounds[round] {
		case RoundProposed, RoundAccepted, RoundEstablished:
		default:
			return nil, &check.Conflict{Msg: "Aucun·e volontaire n'est associé·e à ce tour."}
		}
		msgs, err := d.withdrawLiveOffer(ctx, tx, requestID, round, "unmatched", RoundOpen, now)
		if err != nil {
			return nil, err
		}
		if err := notify.Enqueue(ctx, tx, msgs...); err != nil {
			return nil, err
		}
		if err := staff.Audit(ctx, tx, u.Actor(), "proxy_request.unmatch", "proxy_request", fmt.Sprint(requestID),
			map[string]any{"round": round}); err != nil {
			return nil, err
		}
		p, err := requestPoint(ctx, tx, requestID)
		return []event{{electionID: r.electionID, point: p}}, err
	})
}

// Counts are the dashboard figures for u's scope, over rounds still ahead.
type Counts struct {
	// Open is the requests (people) with a round still without a
	// volunteer, however many of their rounds are: the dashboard's
	// "Demandes sans volontaire", the queue's requests when filtered on
	// open rounds.
	Open int64
	// Proposed, Accepted and Established count request rounds: an offer,
	// a proxy each.
	Proposed, Accepted, Established int64
	Volunteers                      int64 // active (not withdrawn)
	// VolunteerSituations splits them as the volunteer list does.
	VolunteerSituations VolunteerCounts
}

// DashboardCounts counts requests waiting for a volunteer, request rounds
// by status beyond and volunteers by situation, for the elections with a
// round ahead.
func DashboardCounts(ctx context.Context, q pgdb.Q, u *staff.User, now time.Time) (Counts, error) {
	var c Counts
	today := elections.Today(now)
	err := q.QueryRow(ctx, `
		SELECT count(DISTINCT r.id) FILTER (WHERE rr.status = 'open'), count(*) FILTER (WHERE rr.status = 'proposed'),
			count(*) FILTER (WHERE rr.status = 'accepted'), count(*) FILTER (WHERE rr.status = 'established')
		FROM proxy_request_rounds rr JOIN proxy_requests r ON r.id = rr.request_id
		JOIN rounds rd ON rd.election_id = r.election_id AND rd.number = rr.round
		WHERE in_scope(r.commune_code, $1) AND rd.date >= $2`, u.ScopeArg(), today).Scan(&c.Open, &c.Proposed, &c.Accepted, &c.Established)
	if err != nil {
		return c, err
	}
	err = volunteerReads(ctx, q, func(q pgdb.Q) error {
		var err error
		c.VolunteerSituations, err = countVolunteers(ctx, q, "", `EXISTS (SELECT 1 FROM rounds x WHERE x.election_id = v.election_id AND x.date >= $2)`,
			u.ScopeArg(), today)
		return err
	})
	c.Volunteers = c.VolunteerSituations.Active()
	return c, err
}

// ElectionID resolves an election slug (or the only open one) for staff
// commands and pages.
func ElectionID(ctx context.Context, q pgdb.Q, slug string, now time.Time) (int64, string, error) {
	e, err := elections.Resolve(ctx, q, slug, "election", now)
	if err != nil {
		return 0, "", err
	}
	return e.ID, e.Slug, nil
}
