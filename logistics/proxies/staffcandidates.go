package proxies

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/elections"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// The candidates of a request round, as the solver would rank them, for the
// request's staff page and for the check of a manual match: by distance
// and cost when the request has coordinates, by commune and département
// when it has none.

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
