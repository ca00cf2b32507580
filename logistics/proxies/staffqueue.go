package proxies

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/check"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
)

// The request lists of the staff desk: the queue of request rounds, longest
// waiting first, and the API's list of requests, which share their filter
// (queueWhere), and a request as staff and the API see it.

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

// QueueList is one page of the staff queue and what the whole filter
// matches: request rounds (the queue's rows) and the requests they belong
// to (people: a request for both rounds has two rows).
type QueueList struct {
	Entries  []QueueEntry
	Rounds   int
	Requests int
	// The elections of the rows the filter matches, all pages included:
	// how many, and the slug of the one when there is one (the export
	// link of the list is that election's workbook).
	Elections int
	Election  string
}

// ListQueue lists request rounds for u, the longest waiting first (the
// request's arrival, not the round's last change: a round that changed
// status keeps its place), with how many rounds and requests the filter
// matches.
func ListQueue(ctx context.Context, q pgdb.Q, u *staff.User, f Filter) (*QueueList, error) {
	out := &QueueList{}
	where, args := queueWhere(u, f)
	if err := q.QueryRow(ctx, `SELECT count(*), count(DISTINCT r.id), count(DISTINCT e.id), coalesce(min(e.slug), '')
		FROM proxy_request_rounds rr JOIN proxy_requests r ON r.id = rr.request_id
		JOIN elections e ON e.id = r.election_id WHERE `+where, args...).Scan(&out.Rounds, &out.Requests, &out.Elections, &out.Election); err != nil {
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
