package proxies

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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
	Limit       int
	Offset      int
}

// Normalize checks a filter given in a query string.
func (f *Filter) Normalize(forVolunteers bool) error {
	errs := check.Errors{}
	f.Status = strings.TrimSpace(f.Status)
	valid := []string{"", RoundOpen, RoundProposed, RoundAccepted, RoundEstablished, RoundCancelled}
	if forVolunteers {
		valid = []string{"", VolunteerActive, VolunteerWithdrawn}
	}
	if !slices.Contains(valid, f.Status) {
		errs.Add("status", "Statut inconnu.")
	}
	f.Departement = strings.ToUpper(strings.TrimSpace(f.Departement))
	if f.Commune = strings.TrimSpace(f.Commune); f.Commune != "" {
		c, ok := places.NormalizeCommune(f.Commune)
		if !ok {
			errs.Add("commune", "Code de commune invalide.")
		}
		f.Commune = c
	}
	if f.Round != 0 && f.Round != 1 && f.Round != 2 {
		errs.Add("round", "Tour 1 ou 2.")
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	return errs.Err()
}

// QueueEntry is one request round in the staff queue.
type QueueEntry struct {
	RequestID     int64     `json:"request_id"`
	Round         int       `json:"round"`
	RoundDate     time.Time `json:"-"`
	Status        string    `json:"status"`
	StatusAt      time.Time `json:"status_at"`
	CreatedAt     time.Time `json:"created_at"`
	FirstName     string    `json:"first_name"`
	LastName      string    `json:"last_name"`
	CommuneCode   string    `json:"commune_code"`
	CommuneName   string    `json:"commune_name"`
	BureauCode    string    `json:"bureau_code"`
	VolunteerID   *int64    `json:"volunteer_id"`
	VolunteerName string    `json:"volunteer_name,omitempty"`
	Election      string    `json:"election"`
}

// Age is how long the round has been in its status.
func (q QueueEntry) Age(now time.Time) string { return humanAge(now.Sub(q.StatusAt)) }

func humanAge(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d j", int(d.Hours()/24))
}

// Queue lists request rounds for u, oldest in their status first.
func Queue(ctx context.Context, q pgdb.Q, u *staff.User, f Filter) ([]QueueEntry, int, error) {
	where, args := queueWhere(u, f)
	var total int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM proxy_request_rounds rr JOIN proxy_requests r ON r.id = rr.request_id
		JOIN elections e ON e.id = r.election_id WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := q.Query(ctx, `
		SELECT rr.request_id, rr.round, rd.date, rr.status, rr.status_at, r.created_at, r.first_name, r.last_name,
			r.commune_code, c.name, r.bureau_code, rr.volunteer_id, coalesce(v.first_name || ' ' || v.last_name, ''), e.slug
		FROM proxy_request_rounds rr
		JOIN proxy_requests r ON r.id = rr.request_id
		JOIN elections e ON e.id = r.election_id
		JOIN rounds rd ON rd.election_id = r.election_id AND rd.number = rr.round
		JOIN communes c ON c.code = r.commune_code
		LEFT JOIN proxy_volunteers v ON v.id = rr.volunteer_id
		WHERE `+where+fmt.Sprintf(` ORDER BY rr.status_at, rr.request_id, rr.round LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (QueueEntry, error) {
		var e QueueEntry
		var n int16
		err := r.Scan(&e.RequestID, &n, &e.RoundDate, &e.Status, &e.StatusAt, &e.CreatedAt, &e.FirstName, &e.LastName,
			&e.CommuneCode, &e.CommuneName, &e.BureauCode, &e.VolunteerID, &e.VolunteerName, &e.Election)
		e.Round = int(n)
		return e, err
	})
	return out, total, err
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
	UpdatedAt   time.Time      `json:"updated_at"`
	Rounds      []RequestRound `json:"rounds"`
	electionID  int64
}

// RequestRound is a request's round in the staff API: volunteer_id is null
// until a volunteer accepts.
type RequestRound struct {
	Number      int    `json:"number"`
	Status      string `json:"status"`
	VolunteerID *int64 `json:"volunteer_id"`
}

// StatusLabel is the round's status in French (staff pages).
func (r RequestRound) StatusLabel() string { return StatusLabel(r.Status) }

// VolunteerRound is a volunteer's round in the staff API: free, proposed,
// accepted or established, with the request (null when free).
type VolunteerRound struct {
	Number    int    `json:"number"`
	Status    string `json:"status"`
	RequestID *int64 `json:"request_id"`
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

// ListRequests lists requests in u's scope: status matches any round.
func ListRequests(ctx context.Context, q pgdb.Q, u *staff.User, f Filter) ([]Request, error) {
	where, args := queueWhere(u, f)
	args = append(args, f.Limit, f.Offset)
	return listRequests(ctx, q, fmt.Sprintf(`r.id IN (SELECT DISTINCT r.id FROM proxy_request_rounds rr JOIN proxy_requests r ON r.id = rr.request_id
		JOIN elections e ON e.id = r.election_id WHERE %s ORDER BY r.id LIMIT $%d OFFSET $%d)`, where, len(args)-1, len(args)), args...)
}

func listRequests(ctx context.Context, q pgdb.Q, where string, args ...any) ([]Request, error) {
	rows, err := q.Query(ctx, `
		SELECT r.id, e.slug, e.id, r.first_name, r.last_name, r.email, r.phone, r.commune_code, c.name, r.bureau_code, r.created_at, r.updated_at,
			coalesce((SELECT json_agg(json_build_object('number', rr.round, 'status', rr.status, 'volunteer_id', rr.volunteer_id) ORDER BY rr.round)
				FROM proxy_request_rounds rr WHERE rr.request_id = r.id), '[]')
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
		}
		r.Status = OverallStatus(statuses)
		return r, err
	})
}

// Volunteer is a volunteer as staff and the API see it. BirthDate and
// VoterNumber are filled only by GetVolunteer (audited).
type Volunteer struct {
	ID            int64            `json:"id"`
	Election      string           `json:"election"`
	Status        string           `json:"status"`
	FirstName     string           `json:"first_name"`
	LastName      string           `json:"last_name"`
	Email         string           `json:"email"`
	Phone         string           `json:"phone"`
	BirthDate     string           `json:"birth_date,omitempty"`
	VoterNumber   string           `json:"voter_number,omitempty"`
	CommuneCode   string           `json:"commune_code"`
	CommuneName   string           `json:"commune_name"`
	BureauCode    string           `json:"bureau_code"`
	MaxDistanceKm int              `json:"max_distance_km"`
	CreatedAt     time.Time        `json:"created_at"`
	Rounds        []VolunteerRound `json:"rounds"`
}

// GetVolunteer loads a volunteer in u's scope, with NNE and birth date:
// the view is audited.
func GetVolunteer(ctx context.Context, q pgdb.Q, u *staff.User, id int64) (*Volunteer, error) {
	list, err := listVolunteers(ctx, q, true, `v.id = $2`, u.ScopeArg(), id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, check.ErrNotFound
	}
	if err := staff.Audit(ctx, q, u.Actor(), "proxy_volunteer.details_view", "proxy_volunteer", fmt.Sprint(id), map[string]any{"by": "staff"}); err != nil {
		return nil, err
	}
	return &list[0], nil
}

// ListVolunteers lists volunteers in u's scope (without NNE and birth date).
func ListVolunteers(ctx context.Context, q pgdb.Q, u *staff.User, f Filter) ([]Volunteer, error) {
	args := []any{u.ScopeArg()}
	conds := []string{`TRUE`}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if f.Election != "" {
		add(`e.slug = $%d`, f.Election)
	}
	if f.Status != "" {
		add(`v.status = $%d`, f.Status)
	}
	if f.Departement != "" {
		add(`departement_of(v.commune_code) = $%d`, f.Departement)
	}
	if f.Commune != "" {
		add(`v.commune_code = $%d`, f.Commune)
	}
	if f.Round != 0 {
		add(`EXISTS (SELECT 1 FROM proxy_volunteer_rounds x WHERE x.volunteer_id = v.id AND x.round = $%d)`, f.Round)
	}
	args = append(args, f.Limit, f.Offset)
	return listVolunteers(ctx, q, false, strings.Join(conds, " AND ")+fmt.Sprintf(` ORDER BY v.id LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
}

func listVolunteers(ctx context.Context, q pgdb.Q, details bool, where string, args ...any) ([]Volunteer, error) {
	rows, err := q.Query(ctx, `
		SELECT v.id, e.slug, v.status, v.first_name, v.last_name, v.email, v.phone, v.birth_date, v.voter_number,
			v.commune_code, c.name, v.bureau_code, v.max_distance_km, v.created_at,
			coalesce((SELECT json_agg(json_build_object('number', vr.round,
				'status', CASE WHEN o.status = 'pending' THEN 'proposed' WHEN o.status = 'accepted' THEN rr.status ELSE 'free' END,
				'request_id', o.request_id) ORDER BY vr.round)
				FROM proxy_volunteer_rounds vr
				LEFT JOIN proxy_offers o ON o.volunteer_id = vr.volunteer_id AND o.round = vr.round AND o.status IN ('pending', 'accepted')
				LEFT JOIN proxy_request_rounds rr ON rr.request_id = o.request_id AND rr.round = o.round
				WHERE vr.volunteer_id = v.id), '[]')
		FROM proxy_volunteers v JOIN elections e ON e.id = v.election_id JOIN communes c ON c.code = v.commune_code
		WHERE in_scope(v.commune_code, $1) AND `+where, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Volunteer, error) {
		var v Volunteer
		var birth time.Time
		err := row.Scan(&v.ID, &v.Election, &v.Status, &v.FirstName, &v.LastName, &v.Email, &v.Phone, &birth, &v.VoterNumber,
			&v.CommuneCode, &v.CommuneName, &v.BureauCode, &v.MaxDistanceKm, &v.CreatedAt, &v.Rounds)
		if details {
			v.BirthDate = birth.Format(time.DateOnly)
		} else {
			v.VoterNumber = ""
		}
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

// RequestDetail is a request's staff page: the request, its offers, its
// audit history and, per round still to serve, the ranked candidates.
type RequestDetail struct {
	Request
	Offers     []OfferEntry
	History    []staff.AuditEntry
	Candidates map[int][]RankedCandidate
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
	InScope     bool
}

// LoadRequestDetail loads a request's staff page.
func (d *Desk) LoadRequestDetail(ctx context.Context, u *staff.User, id int64) (*RequestDetail, error) {
	r, err := GetRequest(ctx, d.Pool, u, id)
	if err != nil {
		return nil, err
	}
	out := &RequestDetail{Request: *r, Candidates: map[int][]RankedCandidate{}}
	rows, err := d.Pool.Query(ctx, `
		SELECT o.id, o.round, o.status, o.reason, v.id, v.first_name || ' ' || v.last_name, c.name, v.phone, in_scope(v.commune_code, $2),
			o.distance_km, o.created_by, o.created_at, o.expires_at, o.answered_at, o.details_views
		FROM proxy_offers o JOIN proxy_volunteers v ON v.id = o.volunteer_id JOIN communes c ON c.code = v.commune_code
		WHERE o.request_id = $1 ORDER BY o.id DESC`, id, u.ScopeArg())
	if err != nil {
		return nil, err
	}
	out.Offers, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (OfferEntry, error) {
		var o OfferEntry
		var n int16
		err := row.Scan(&o.ID, &n, &o.Status, &o.Reason, &o.VolunteerID, &o.VolunteerName, &o.VolunteerPlace, &o.VolunteerPhone, &o.VolunteerInScope,
			&o.DistanceKm, &o.CreatedBy, &o.CreatedAt, &o.ExpiresAt, &o.AnsweredAt, &o.DetailViews)
		o.Round = int(n)
		if !o.VolunteerInScope {
			o.VolunteerPhone = ""
		}
		return o, err
	})
	if err != nil {
		return nil, err
	}
	if out.History, err = staff.AuditLog(ctx, d.Pool, staff.AuditFilter{Entity: "proxy_request", EntityID: fmt.Sprint(id), Limit: 200}); err != nil {
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

// rankCandidates scores the volunteers around a request round with the
// solver's Cost (Candidates), best first.
func (d *Desk) rankCandidates(ctx context.Context, u *staff.User, r *Request, round, limit int) ([]RankedCandidate, error) {
	tx, err := d.Pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	p, err := requestPoint(ctx, tx, r.ID)
	if err != nil || p == nil {
		return nil, err
	}
	in, err := d.load(ctx, tx, r.electionID, []places.Point{*p}, d.now())
	if err != nil {
		return nil, err
	}
	var dm *Demand
	for i := range in.demands {
		if in.demands[i].RequestID == r.ID && in.demands[i].Round == round {
			dm = &in.demands[i]
		}
	}
	if dm == nil {
		return nil, nil
	}
	cands := Candidates(*dm, in.supplies, Options{GlobalMaxKm: d.globalMaxKm()}, limit)
	if len(cands) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(cands))
	for i, c := range cands {
		ids[i] = c.VolunteerID
	}
	rows, err := tx.Query(ctx, `SELECT v.id, v.first_name || ' ' || v.last_name, c.name, in_scope(v.commune_code, $2)
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
			Cost: c.Cost, Km: c.Km, Busy: c.Offered != 0 && c.Offered != r.ID, InScope: w.inScope}
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
	return d.inTx(ctx, r.electionID, func(tx pgx.Tx, now time.Time) ([]event, error) {
		var vStatus, vEmail, rEmail, vPhone, rPhone string
		var available bool
		var vLat, vLon, rLat, rLon *float64
		err := tx.QueryRow(ctx, `SELECT v.status, v.email, v.phone, v.latitude, v.longitude,
				EXISTS (SELECT 1 FROM proxy_volunteer_rounds x WHERE x.volunteer_id = v.id AND x.round = $3)
			FROM proxy_volunteers v WHERE v.id = $1 AND v.election_id = $2 FOR SHARE`, volunteerID, r.electionID, round).Scan(&vStatus, &vEmail, &vPhone, &vLat, &vLon, &available)
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
		}
		rounds, err := lockRequestRounds(ctx, tx, requestID)
		if err != nil {
			return nil, err
		}
		var msgs []notify.Message
		switch rounds[round] {
		case RoundOpen:
		case RoundProposed:
			m, err := d.withdrawLiveOffer(ctx, tx, requestID, round, "moved", RoundOpen, now)
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
		var offerID int64
		var km *float64
		if a, b := point(rLat, rLon), point(vLat, vLon); a != nil && b != nil {
			k := math.Round(places.DistanceKm(*a, *b)*10) / 10
			km = &k
		}
		err = tx.QueryRow(ctx, `INSERT INTO proxy_offers (election_id, request_id, round, volunteer_id, slot, expires_at, created_by, created_at, distance_km)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			r.electionID, requestID, round, volunteerID, freeSlot(taken), d.Expiry.Deadline(now, rd.Date), u.Actor(), now, km).Scan(&offerID)
		if pgdb.IsUniqueViolation(err, "") || isCheckViolation(err) {
			return nil, &check.Conflict{Msg: fmt.Sprintf("Ce·tte volontaire n'a plus de place au tour %d (une proposition en attente ou acceptée).", round)}
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
// round is open again and this pair is never proposed again.
func (d *Desk) Unmatch(ctx context.Context, u *staff.User, requestID int64, round int) error {
	if !u.CanAct() {
		return check.ErrForbidden
	}
	r, err := GetRequest(ctx, d.Pool, u, requestID)
	if err != nil {
		return err
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
	Open, Proposed, Accepted, Established int64
	Volunteers                            int64
}

// DashboardCounts counts request rounds by status and active volunteers.
func DashboardCounts(ctx context.Context, q pgdb.Q, u *staff.User, now time.Time) (Counts, error) {
	var c Counts
	today := parisDate(now)
	err := q.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE rr.status = 'open'), count(*) FILTER (WHERE rr.status = 'proposed'),
			count(*) FILTER (WHERE rr.status = 'accepted'), count(*) FILTER (WHERE rr.status = 'established'),
			(SELECT count(*) FROM proxy_volunteers v WHERE v.status = 'active' AND in_scope(v.commune_code, $1)
				AND EXISTS (SELECT 1 FROM rounds x WHERE x.election_id = v.election_id AND x.date >= $2))
		FROM proxy_request_rounds rr JOIN proxy_requests r ON r.id = rr.request_id
		JOIN rounds rd ON rd.election_id = r.election_id AND rd.number = rr.round
		WHERE in_scope(r.commune_code, $1) AND rd.date >= $2`, u.ScopeArg(), today).Scan(&c.Open, &c.Proposed, &c.Accepted, &c.Established, &c.Volunteers)
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
