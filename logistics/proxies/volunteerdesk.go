package proxies

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/check"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
)

// A volunteer's staff page. It shows how to reach the volunteer, never
// their NNE or birth date: DOMAIN.md §2 gives those to the mandant of an
// accepted offer only (nor does the staff API show them).

// VolunteerOffer is one offer in a volunteer's history, seen from the
// request side. The mandant's name is given only when the request is in the
// reader's scope.
type VolunteerOffer struct {
	ID             int64
	Round          int
	Status         string
	Reason         string
	RequestID      int64
	RequestInScope bool
	MandantName    string
	CommuneName    string // where the mandant votes
	BureauCode     string
	DistanceKm     *float64
	CreatedBy      string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	AnsweredAt     *time.Time // answer, expiry or withdrawal
}

// Distance is the distance between the volunteer and the bureau, in
// French ("2,4 km"), or "" when a place had no coordinates.
func (o VolunteerOffer) Distance() string { return kmText(o.DistanceKm) }

// kmText writes a distance in French ("2,4 km"), "" when unknown.
func kmText(km *float64) string {
	if km == nil {
		return ""
	}
	return strings.Replace(fmt.Sprintf("%.1f km", *km), ".", ",", 1)
}

// StatusLabel is the offer's status, and why it was withdrawn, in French.
func (o VolunteerOffer) StatusLabel() string {
	return OfferEntry{Status: o.Status, Reason: o.Reason}.StatusLabel()
}

// VolunteerDetail is a volunteer's staff page: the volunteer (without NNE
// and birth date), their offers newest first, and the audit history.
type VolunteerDetail struct {
	Volunteer
	Offers  []VolunteerOffer
	History []HistoryEvent
}

// HistoryEvent is an entry of a request's or a volunteer's history: an
// audit entry, or an event of one of their offers that no audit entry of
// theirs tells (offerHistory).
type HistoryEvent struct {
	staff.AuditEntry
	text string // the offer event in French
}

// Label is the action in French.
func (e HistoryEvent) Label() string {
	if e.text != "" {
		return e.text
	}
	return staff.ActionLabel(e.Action)
}

// historyOf loads the history of one request or volunteer: its audit
// entries, each by whom as far as it tells (staff.AuditEntry.Who), and
// the events of its offers, newest first.
func historyOf(ctx context.Context, q pgdb.Q, entity string, id int64, offers []HistoryEvent) ([]HistoryEvent, error) {
	log, err := staff.AuditLog(ctx, q, staff.AuditFilter{Entity: entity, EntityID: fmt.Sprint(id), Limit: 200})
	out := make([]HistoryEvent, len(log), len(log)+len(offers))
	for i, e := range log {
		e.Actor = e.Who()
		out[i] = HistoryEvent{AuditEntry: e}
	}
	out = append(out, offers...)
	slices.SortStableFunc(out, func(a, b HistoryEvent) int { return b.At.Compare(a.At) })
	return out, err
}

// LoadVolunteerDetail loads a volunteer's staff page in u's scope, the
// history told by who did each thing (historyOf).
func LoadVolunteerDetail(ctx context.Context, q pgdb.Q, u *staff.User, id int64) (*VolunteerDetail, error) {
	list, err := listVolunteers(ctx, q, situationSQL(""), `v.id = $2`, u.ScopeArg(), id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, check.ErrNotFound
	}
	out := &VolunteerDetail{Volunteer: list[0]}
	rows, err := q.Query(ctx, `
		SELECT o.id, o.round, o.status, o.reason, o.request_id, coalesce(in_scope(r.commune_code, $2), false),
			coalesce(r.first_name || ' ' || r.last_name, ''), coalesce(c.name, ''), coalesce(r.bureau_code, ''),
			o.distance_km, o.created_by, o.created_at, o.expires_at, o.answered_at
		FROM proxy_offers o LEFT JOIN proxy_requests r ON r.id = o.request_id LEFT JOIN communes c ON c.code = r.commune_code
		WHERE o.volunteer_id = $1 AND `+anyStatus+` ORDER BY o.id DESC`, id, u.ScopeArg())
	if err != nil {
		return nil, err
	}
	var stories []offerStory
	out.Offers, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (VolunteerOffer, error) {
		var o VolunteerOffer
		var n int16
		err := row.Scan(&o.ID, &n, &o.Status, &o.Reason, &o.RequestID, &o.RequestInScope, &o.MandantName, &o.CommuneName, &o.BureauCode,
			&o.DistanceKm, &o.CreatedBy, &o.CreatedAt, &o.ExpiresAt, &o.AnsweredAt)
		o.Round = int(n)
		who := o.MandantName
		if !o.RequestInScope {
			// Personal data of a mandant outside the reader's scope.
			o.MandantName, o.BureauCode = "", ""
			who = fmt.Sprintf("la demande n° %d", o.RequestID)
		}
		stories = append(stories, offerStory{id: o.ID, requestID: o.RequestID, volunteerID: id, round: o.Round, status: o.Status,
			reason: o.Reason, who: "pour " + who, by: o.CreatedBy, created: o.CreatedAt, answered: o.AnsweredAt})
		return o, err
	})
	if err != nil {
		return nil, err
	}
	// The volunteer's own entries tell their withdrawal and changes.
	// Every proposal is news on the volunteer's page (staff's are audited
	// under the request).
	events, err := offerHistory(ctx, q, stories, func(string) bool { return true },
		func(_, reason string) bool { return reason == "volunteer_withdrew" || reason == "volunteer_changed" })
	if err != nil {
		return nil, err
	}
	out.History, err = historyOf(ctx, q, "proxy_volunteer", id, events)
	return out, err
}

// StaffWithdrawVolunteer is an organizer taking a volunteer off the list
// (they called to say they can no longer help...): the very change the
// volunteer's own "Me retirer" makes (offers withdrawn, mandants told,
// requests planned again), audited under the staff member's name.
func (d *Desk) StaffWithdrawVolunteer(ctx context.Context, u *staff.User, id int64) error {
	if !u.CanAct() {
		return check.ErrForbidden
	}
	return d.withdrawVolunteer(ctx, id, u.Actor(), u.ScopeArg(), true)
}
