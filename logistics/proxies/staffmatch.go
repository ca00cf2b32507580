package proxies

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// Pairing by hand: staff proposing a request round to a volunteer they
// chose (ManualMatch) and undoing a pair (Unmatch).

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
		return check.Field("round", fmt.Sprintf(tooLate, fr.TheRound("Le", round), frDate(rd.Date)))
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
			return nil, &check.Conflict{Msg: fmt.Sprintf("Ce·tte volontaire n'est pas disponible %s.", fr.TheRound("à", round))}
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
		full := &check.Conflict{Msg: fmt.Sprintf("Ce·tte volontaire n'a plus de place %s (une proposition en attente ou acceptée).", fr.TheRound("à", round))}
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
