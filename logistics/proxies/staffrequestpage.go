package proxies

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/elections"
	"scrutin/logistics/staff"
)

// A request's staff page: the request, its offers, its history and, for
// each round still to serve, the ranked candidates (staffcandidates.go).

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
