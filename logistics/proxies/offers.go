package proxies

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// pair is an offer with what messages and pages say about both sides.
type pair struct {
	offerID    int64
	status     string
	round      int
	roundDate  time.Time
	electionID int64
	expiresAt  time.Time
	distance   *float64
	views      int

	requestID      int64
	rFirst, rLast  string
	rEmail, rPhone string
	rCommune       string
	rCommuneName   string
	rBureau        string
	rBureauName    string
	rBureauAddress string
	rLat, rLon     *float64

	volunteerID    int64
	vFirst, vLast  string
	vEmail, vPhone string
	vBirth         time.Time
	vNNE           string
	vLat, vLon     *float64
}

func (p pair) requestPoint() *places.Point {
	if p.rLat == nil || p.rLon == nil {
		return nil
	}
	return &places.Point{Lat: *p.rLat, Lon: *p.rLon}
}

func (p pair) volunteerPoint() *places.Point {
	if p.vLat == nil || p.vLon == nil {
		return nil
	}
	return &places.Point{Lat: *p.vLat, Lon: *p.vLon}
}

// anyStatus is true of every offer o. Offers by request or by volunteer
// are in two partial indexes, the live ones and the others (migrations 003
// and 015): a query for all of them says both, so that the planner reads
// both indexes.
const anyStatus = `(o.status IN ('pending', 'accepted') OR o.status NOT IN ('pending', 'accepted'))`

const pairSQL = `
	SELECT o.id, o.status, o.round, rd.date, o.election_id, o.expires_at, o.distance_km, o.details_views,
		r.id, r.first_name, r.last_name, r.email, r.phone, r.commune_code, c.name, r.bureau_code,
		coalesce(b.name, ''), coalesce(b.address, ''), r.latitude, r.longitude,
		v.id, v.first_name, v.last_name, v.email, v.phone, v.birth_date, v.voter_number, v.latitude, v.longitude
	FROM proxy_offers o
	JOIN proxy_requests r ON r.id = o.request_id
	JOIN communes c ON c.code = r.commune_code
	LEFT JOIN bureaux b ON b.commune_code = r.commune_code AND b.code = r.bureau_code
	JOIN proxy_volunteers v ON v.id = o.volunteer_id
	JOIN rounds rd ON rd.election_id = o.election_id AND rd.number = o.round`

// loadPairs reads offers with both sides; lock adds FOR UPDATE OF o.
func loadPairs(ctx context.Context, q pgdb.Q, lock bool, where string, args ...any) ([]pair, error) {
	sql := pairSQL + " WHERE " + where + " ORDER BY o.id"
	if lock {
		sql += " FOR UPDATE OF o"
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pair
	for rows.Next() {
		var p pair
		var round int16
		if err := rows.Scan(&p.offerID, &p.status, &round, &p.roundDate, &p.electionID, &p.expiresAt, &p.distance, &p.views,
			&p.requestID, &p.rFirst, &p.rLast, &p.rEmail, &p.rPhone, &p.rCommune, &p.rCommuneName, &p.rBureau,
			&p.rBureauName, &p.rBureauAddress, &p.rLat, &p.rLon,
			&p.volunteerID, &p.vFirst, &p.vLast, &p.vEmail, &p.vPhone, &p.vBirth, &p.vNNE, &p.vLat, &p.vLon); err != nil {
			return nil, err
		}
		p.round = int(round)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Lock order of every change, so that concurrent changes wait for each
// other instead of deadlocking: the election lock (shared, or exclusive for
// matching), then person rows, then request rounds by (request, round),
// then offers.

// lockRounds locks request rounds in (request, round) order.
func lockRounds(ctx context.Context, tx pgx.Tx, requestIDs []int64, rounds []int16) error {
	_, err := tx.Exec(ctx, `SELECT 1 FROM proxy_request_rounds rr
		JOIN unnest($1::bigint[], $2::smallint[]) AS k(r, n) ON rr.request_id = k.r AND rr.round = k.n
		ORDER BY rr.request_id, rr.round FOR UPDATE OF rr`, requestIDs, rounds)
	return err
}

// lockRequestRounds locks a request's rounds and returns their statuses.
func lockRequestRounds(ctx context.Context, tx pgx.Tx, requestID int64) (map[int]string, error) {
	rows, err := tx.Query(ctx, `SELECT round, status FROM proxy_request_rounds WHERE request_id = $1 ORDER BY round FOR UPDATE`, requestID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var r int16
		var s string
		if err := rows.Scan(&r, &s); err != nil {
			return nil, err
		}
		out[int(r)] = s
	}
	return out, rows.Err()
}

func setRoundStatus(ctx context.Context, q pgdb.Q, requestID int64, round int, status string, volunteerID *int64, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE proxy_request_rounds SET status = $3, volunteer_id = $4, status_at = $5 WHERE request_id = $1 AND round = $2`,
		requestID, round, status, volunteerID, now)
	return err
}

type liveOffer struct {
	id        int64
	requestID int64
	round     int
	status    string
}

// volunteerOffers lists a volunteer's live offers. Callers hold the
// volunteer's row lock, so no offer can be added meanwhile; each offer is
// then locked by withdrawLiveOffer in the usual order.
func volunteerOffers(ctx context.Context, tx pgx.Tx, volunteerID int64) ([]liveOffer, error) {
	rows, err := tx.Query(ctx, `SELECT id, request_id, round, status FROM proxy_offers
		WHERE volunteer_id = $1 AND status IN ('pending', 'accepted') ORDER BY request_id, round`, volunteerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []liveOffer
	for rows.Next() {
		var o liveOffer
		var r int16
		if err := rows.Scan(&o.id, &o.requestID, &r, &o.status); err != nil {
			return nil, err
		}
		o.round = int(r)
		out = append(out, o)
	}
	return out, rows.Err()
}

// withdrawLiveOffer ends the live offer (pending or accepted) of a request
// round, if any, and puts the round in roundStatus (open: look for someone
// else; cancelled). It returns the messages for whoever must know
// (withdrawalMessages). A change that ends several rounds at once calls
// withdrawLive for each and withdrawalMessages once, so that a person
// concerned by both rounds gets one message naming both.
func (d *Desk) withdrawLiveOffer(ctx context.Context, tx pgx.Tx, requestID int64, round int, reason, roundStatus string, now time.Time) ([]notify.Message, error) {
	ws, err := d.withdrawLive(ctx, tx, requestID, round, reason, roundStatus, now)
	if err != nil {
		return nil, err
	}
	return d.withdrawalMessages(ctx, tx, ws)
}

// key is the pair's volunteer and request (byPair).
func (p pair) key() [2]int64 { return [2]int64{p.volunteerID, p.requestID} }

// withdrawal is a live offer withdrawLive ended (with its status before)
// and why.
type withdrawal struct {
	pair
	reason string
}

// withdrawLive ends the live offer (pending or accepted) of a request
// round, if any, and puts the round in roundStatus. It returns the offer
// ended, for withdrawalMessages.
func (d *Desk) withdrawLive(ctx context.Context, tx pgx.Tx, requestID int64, round int, reason, roundStatus string, now time.Time) ([]withdrawal, error) {
	if err := lockRounds(ctx, tx, []int64{requestID}, []int16{int16(round)}); err != nil {
		return nil, err
	}
	ps, err := loadPairs(ctx, tx, true, `o.request_id = $1 AND o.round = $2 AND o.status IN ('pending', 'accepted')`, requestID, round)
	if err != nil {
		return nil, err
	}
	if err := setRoundStatus(ctx, tx, requestID, round, roundStatus, nil, now); err != nil {
		return nil, err
	}
	var out []withdrawal
	for _, p := range ps {
		if _, err := tx.Exec(ctx, `UPDATE proxy_offers SET status = 'withdrawn', reason = $2, answered_at = $3 WHERE id = $1`, p.offerID, reason, now); err != nil {
			return nil, err
		}
		out = append(out, withdrawal{pair: p, reason: reason})
	}
	return out, nil
}

// withdrawalMessages tells whoever must know of the offers ws ended, by
// reason: a volunteer loses an offer (request_changed, cancelled, moved,
// reassigned, unmatched); a mandant loses an accepted volunteer
// (volunteer_changed, volunteer_withdrew, unmatched). One message per
// person and pair (volunteer, request), naming all its rounds: a
// two-round request cancelled is one message to its volunteer, not two
// alike.
func (d *Desk) withdrawalMessages(ctx context.Context, tx pgx.Tx, ws []withdrawal) ([]notify.Message, error) {
	var toVolunteers, toMandants []withdrawal
	for _, w := range ws {
		switch w.reason {
		case "request_changed", "cancelled", "moved", "reassigned", "unmatched":
			toVolunteers = append(toVolunteers, w)
		}
		if w.status == OfferAccepted {
			switch w.reason {
			case "volunteer_changed", "volunteer_withdrew", "unmatched":
				toMandants = append(toMandants, w)
			}
		}
	}
	var msgs []notify.Message
	for _, g := range byPair(toVolunteers) {
		link, err := d.linkFor(ctx, tx, "volunteer", g[0].volunteerID)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, notify.Message{Channel: notify.Email, Recipient: g[0].vEmail, Kind: "proxy.withdrawn",
			Subject: withdrawnVolunteerNoteSubject(g), Body: withdrawnVolunteerNote(g, link)})
	}
	for _, g := range byPair(toMandants) {
		link, err := d.linkFor(ctx, tx, "request", g[0].requestID)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, notify.Message{Channel: notify.Email, Recipient: g[0].rEmail, Kind: "proxy.withdrawn",
			Subject: "Procuration : votre mandataire se désiste", Body: withdrawnMandantBody(g, link)})
	}
	return msgs, nil
}

// electionOfRequest and electionOfVolunteer: the election is immutable, so
// it can be read before taking the election lock.
func electionOf(ctx context.Context, q pgdb.Q, table string, id int64) (int64, error) {
	var e int64
	err := q.QueryRow(ctx, `SELECT election_id FROM `+table+` WHERE id = $1`, id).Scan(&e)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, check.ErrNotFound
	}
	return e, err
}

// inTx runs a state change of one election: shared election lock, then fn;
// after commit, the instant matching looks at what fn freed.
func (d *Desk) inTx(ctx context.Context, electionID int64, fn func(tx pgx.Tx, now time.Time) ([]event, error)) error {
	var events []event
	err := pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		if err := shareElection(ctx, tx, electionID); err != nil {
			return err
		}
		var err error
		events, err = fn(tx, d.now())
		return err
	})
	if err != nil {
		return err
	}
	d.trigger(events...)
	return nil
}

// CancelRequest is the mandant cancelling their whole request from their
// page: every round is cancelled and volunteers holding it are told.
func (d *Desk) CancelRequest(ctx context.Context, requestID int64) error {
	eid, err := electionOf(ctx, d.Pool, "proxy_requests", requestID)
	if err != nil {
		return err
	}
	return d.inTx(ctx, eid, func(tx pgx.Tx, now time.Time) ([]event, error) {
		var first, email string
		var lat, lon *float64
		if err := tx.QueryRow(ctx, `SELECT first_name, email, latitude, longitude FROM proxy_requests WHERE id = $1 FOR UPDATE`, requestID).Scan(&first, &email, &lat, &lon); err != nil {
			return nil, err
		}
		rounds, err := lockRequestRounds(ctx, tx, requestID)
		if err != nil {
			return nil, err
		}
		live := 0
		for _, st := range rounds {
			if st != RoundCancelled {
				live++
			}
		}
		if live == 0 {
			// Cancelled already (a second click, a reload): nothing to
			// change, nobody to tell again.
			return nil, &check.Conflict{Msg: "Votre demande est déjà annulée."}
		}
		var ended []withdrawal
		freed := false
		for n, st := range rounds {
			if st == RoundCancelled {
				continue
			}
			if st != RoundOpen {
				freed = true
			}
			w, err := d.withdrawLive(ctx, tx, requestID, n, "cancelled", RoundCancelled, now)
			if err != nil {
				return nil, err
			}
			ended = append(ended, w...)
		}
		msgs, err := d.withdrawalMessages(ctx, tx, ended)
		if err != nil {
			return nil, err
		}
		link, err := d.linkFor(ctx, tx, "request", requestID)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, notify.Message{Channel: notify.Email, Recipient: email, Kind: "proxy.cancelled",
			Subject: "Votre demande de procuration est annulée", Body: cancelledMandantBody(first, link)})
		if err := notify.Enqueue(ctx, tx, msgs...); err != nil {
			return nil, err
		}
		if err := staff.Audit(ctx, tx, staff.ActorPublic, "proxy_request.cancel", "proxy_request", fmt.Sprint(requestID), nil); err != nil {
			return nil, err
		}
		if !freed {
			return nil, nil
		}
		return []event{{electionID: eid, point: point(lat, lon)}}, nil
	})
}

// WithdrawVolunteer is a volunteer leaving from their page: their offers
// are withdrawn and the requests they held are planned again.
func (d *Desk) WithdrawVolunteer(ctx context.Context, volunteerID int64, actor string) error {
	return d.withdrawVolunteer(ctx, volunteerID, actor, nil, false)
}

// withdrawVolunteer checks the staff member's scope (nil: every commune)
// on the locked row, in the transaction that withdraws: a re-submission
// moving the volunteer out of scope cannot slip in between. again: what
// withdrawing a withdrawn volunteer is, nothing (their own page) or a
// conflict (staff, who should hear that nothing changed).
func (d *Desk) withdrawVolunteer(ctx context.Context, volunteerID int64, actor string, scope []string, again bool) error {
	eid, err := electionOf(ctx, d.Pool, "proxy_volunteers", volunteerID)
	if err != nil {
		return err
	}
	return d.inTx(ctx, eid, func(tx pgx.Tx, now time.Time) ([]event, error) {
		var first, email, status string
		err := tx.QueryRow(ctx, `SELECT first_name, email, status FROM proxy_volunteers
			WHERE id = $1 AND in_scope(commune_code, $2) FOR UPDATE`, volunteerID, scope).Scan(&first, &email, &status)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, check.ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		if status == VolunteerWithdrawn {
			if again {
				return nil, &check.Conflict{Msg: "Ce·tte volontaire est déjà retiré·e."}
			}
			return nil, nil
		}
		if _, err := tx.Exec(ctx, `UPDATE proxy_volunteers SET status = 'withdrawn', updated_at = $2 WHERE id = $1`, volunteerID, now); err != nil {
			return nil, err
		}
		offers, err := volunteerOffers(ctx, tx, volunteerID)
		if err != nil {
			return nil, err
		}
		var ended []withdrawal
		var events []event
		for _, o := range offers {
			w, err := d.withdrawLive(ctx, tx, o.requestID, o.round, "volunteer_withdrew", RoundOpen, now)
			if err != nil {
				return nil, err
			}
			ended = append(ended, w...)
			p, err := requestPoint(ctx, tx, o.requestID)
			if err != nil {
				return nil, err
			}
			events = append(events, event{electionID: eid, point: p})
		}
		msgs, err := d.withdrawalMessages(ctx, tx, ended)
		if err != nil {
			return nil, err
		}
		link, err := d.linkFor(ctx, tx, "volunteer", volunteerID)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, notify.Message{Channel: notify.Email, Recipient: email, Kind: "proxy.volunteer_withdrawn",
			Subject: "Vous êtes retiré·e de la liste des volontaires", Body: withdrawnSelfBody(first, link)})
		if err := notify.Enqueue(ctx, tx, msgs...); err != nil {
			return nil, err
		}
		if err := staff.Audit(ctx, tx, actor, "proxy_volunteer.withdraw", "proxy_volunteer", fmt.Sprint(volunteerID),
			map[string]any{"offers": len(offers)}); err != nil {
			return nil, err
		}
		return events, nil
	})
}

func requestPoint(ctx context.Context, q pgdb.Q, requestID int64) (*places.Point, error) {
	var lat, lon *float64
	if err := q.QueryRow(ctx, `SELECT latitude, longitude FROM proxy_requests WHERE id = $1`, requestID).Scan(&lat, &lon); err != nil {
		return nil, err
	}
	return point(lat, lon), nil
}

func point(lat, lon *float64) *places.Point {
	if lat == nil || lon == nil {
		return nil
	}
	return &places.Point{Lat: *lat, Lon: *lon}
}

// Conflicts shown as is to people acting on an offer.
var (
	errOfferGone    = &check.Conflict{Msg: "Cette proposition n'est plus d'actualité : elle a expiré, a été retirée ou a déjà reçu une réponse."}
	errNotAccepted  = &check.Conflict{Msg: "Aucune procuration acceptée n'attend de confirmation pour ce tour."}
	errViewsUsedUp  = &check.Conflict{Msg: fmt.Sprintf("Vous avez déjà affiché ces informations %d fois. Pour les obtenir à nouveau, demandez-les à votre mandataire (l'équipe procurations ne les voit pas).", MaxDetailViews)}
	errNothingShown = &check.Conflict{Msg: "Aucun·e mandataire n'a encore accepté votre demande."}
	errCancelled    = &check.Conflict{Msg: "Votre demande est annulée : les informations de votre mandataire ne sont plus affichées."}
)

// nothingToShow says why a request has no accepted offer to reveal: not
// yet, or no more (cancelled).
func nothingToShow(ctx context.Context, tx pgx.Tx, requestID int64) error {
	var cancelled bool
	if err := tx.QueryRow(ctx, `SELECT coalesce(bool_and(status = $2), false) FROM proxy_request_rounds WHERE request_id = $1`,
		requestID, RoundCancelled).Scan(&cancelled); err != nil {
		return err
	}
	if cancelled {
		return errCancelled
	}
	return errNothingShown
}

// pendingForVolunteer locks the pending offers between a volunteer and a
// request (one per round) and checks that they can still be answered.
func pendingForVolunteer(ctx context.Context, tx pgx.Tx, volunteerID, requestID int64, now time.Time) ([]pair, error) {
	// Request rounds first, then offers: the order every change uses.
	if _, err := lockRequestRounds(ctx, tx, requestID); err != nil {
		return nil, err
	}
	ps, err := loadPairs(ctx, tx, true, `o.volunteer_id = $1 AND o.request_id = $2 AND o.status = 'pending'`, volunteerID, requestID)
	if err != nil {
		return nil, err
	}
	var live []pair
	for _, p := range ps {
		if p.expiresAt.After(now) {
			live = append(live, p)
		}
	}
	if len(live) == 0 {
		return nil, errOfferGone
	}
	return live, nil
}

// answerPending records a volunteer's answer to their pending offers for
// one request: every offer gets offerStatus and each round goes to
// roundStatus (held by volunteer, or by nobody when nil).
func answerPending(ctx context.Context, tx pgx.Tx, volunteerID, requestID int64, now time.Time,
	offerStatus, roundStatus string, volunteer *int64) ([]pair, []int64, error) {
	ps, err := pendingForVolunteer(ctx, tx, volunteerID, requestID, now)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.offerID)
		if err := setRoundStatus(ctx, tx, requestID, p.round, roundStatus, volunteer, now); err != nil {
			return nil, nil, err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE proxy_offers SET status = $3, answered_at = $2 WHERE id = ANY ($1)`, ids, now, offerStatus); err != nil {
		return nil, nil, err
	}
	return ps, ids, nil
}

// Accept is a volunteer accepting the offers of one request (every round
// proposed to them). The mandant is told who their mandataire is.
func (d *Desk) Accept(ctx context.Context, volunteerID, requestID int64) error {
	eid, err := electionOf(ctx, d.Pool, "proxy_volunteers", volunteerID)
	if err != nil {
		return err
	}
	return d.inTx(ctx, eid, func(tx pgx.Tx, now time.Time) ([]event, error) {
		ps, ids, err := answerPending(ctx, tx, volunteerID, requestID, now, "accepted", RoundAccepted, &volunteerID)
		if err != nil {
			return nil, err
		}
		rlink, err := d.linkFor(ctx, tx, "request", requestID)
		if err != nil {
			return nil, err
		}
		vlink, err := d.linkFor(ctx, tx, "volunteer", volunteerID)
		if err != nil {
			return nil, err
		}
		msgs := d.withSMS([]notify.Message{
			{Channel: notify.Email, Recipient: ps[0].rEmail, Kind: "proxy.accepted",
				Subject: "Votre mandataire a accepté : établissez la procuration", Body: acceptedMandantBody(ps, rlink)},
			{Channel: notify.Email, Recipient: ps[0].vEmail, Kind: "proxy.accepted",
				Subject: "Merci : vous avez accepté de porter une procuration", Body: acceptedVolunteerBody(ps, vlink)},
		}, ps[0].rPhone, "proxy.accepted", acceptedMandantSMS(ps, rlink))
		if err := notify.Enqueue(ctx, tx, msgs...); err != nil {
			return nil, err
		}
		return nil, staff.Audit(ctx, tx, staff.ActorPublic, "proxy_offer.accept", "proxy_request", fmt.Sprint(requestID),
			map[string]any{"volunteer_id": volunteerID, "offers": ids})
	})
}

// Decline is a volunteer refusing the offers of one request: the pair is
// never proposed again and the request goes to the next candidate.
func (d *Desk) Decline(ctx context.Context, volunteerID, requestID int64) error {
	eid, err := electionOf(ctx, d.Pool, "proxy_volunteers", volunteerID)
	if err != nil {
		return err
	}
	return d.inTx(ctx, eid, func(tx pgx.Tx, now time.Time) ([]event, error) {
		ps, ids, err := answerPending(ctx, tx, volunteerID, requestID, now, "declined", RoundOpen, nil)
		if err != nil {
			return nil, err
		}
		if err := staff.Audit(ctx, tx, staff.ActorPublic, "proxy_offer.decline", "proxy_request", fmt.Sprint(requestID),
			map[string]any{"volunteer_id": volunteerID, "offers": ids}); err != nil {
			return nil, err
		}
		return []event{{electionID: eid, point: ps[0].requestPoint()}, {electionID: eid, point: ps[0].volunteerPoint()}}, nil
	})
}

// ConfirmEstablished is the mandant saying the proxy for round is made on
// maprocuration.gouv.fr; the volunteer is told they will vote.
func (d *Desk) ConfirmEstablished(ctx context.Context, requestID int64, round int) error {
	eid, err := electionOf(ctx, d.Pool, "proxy_requests", requestID)
	if err != nil {
		return err
	}
	return d.inTx(ctx, eid, func(tx pgx.Tx, now time.Time) ([]event, error) {
		rounds, err := lockRequestRounds(ctx, tx, requestID)
		if err != nil {
			return nil, err
		}
		if rounds[round] != RoundAccepted {
			return nil, errNotAccepted
		}
		ps, err := loadPairs(ctx, tx, true, `o.request_id = $1 AND o.round = $2 AND o.status = 'accepted'`, requestID, round)
		if err != nil {
			return nil, err
		}
		if len(ps) != 1 {
			return nil, errNotAccepted
		}
		p := ps[0]
		if err := setRoundStatus(ctx, tx, requestID, round, RoundEstablished, &p.volunteerID, now); err != nil {
			return nil, err
		}
		link, err := d.linkFor(ctx, tx, "volunteer", p.volunteerID)
		if err != nil {
			return nil, err
		}
		if err := notify.Enqueue(ctx, tx, notify.Message{Channel: notify.Email, Recipient: p.vEmail, Kind: "proxy.established",
			Subject: "La procuration est établie", Body: establishedVolunteerBody(p, link)}); err != nil {
			return nil, err
		}
		return nil, staff.Audit(ctx, tx, staff.ActorPublic, "proxy_request.established", "proxy_request", fmt.Sprint(requestID),
			map[string]any{"round": round, "volunteer_id": p.volunteerID})
	})
}

// VolunteerDetails is what the mandant needs on maprocuration.gouv.fr.
type VolunteerDetails struct {
	VolunteerID int64
	FirstName   string
	LastName    string
	BirthDate   time.Time
	VoterNumber string
	Rounds      []int
	ViewsLeft   int
}

// RevealDetails shows the mandant of an accepted offer their volunteer's
// NNE and birth date. Each display counts (at most MaxDetailViews per
// offer) and is audited: a stolen link cannot harvest them.
func (d *Desk) RevealDetails(ctx context.Context, requestID int64) ([]VolunteerDetails, error) {
	eid, err := electionOf(ctx, d.Pool, "proxy_requests", requestID)
	if err != nil {
		return nil, err
	}
	var out []VolunteerDetails
	err = d.inTx(ctx, eid, func(tx pgx.Tx, now time.Time) ([]event, error) {
		out = nil
		ps, err := loadPairs(ctx, tx, true, `o.request_id = $1 AND o.status = 'accepted'`, requestID)
		if err != nil {
			return nil, err
		}
		if len(ps) == 0 {
			return nil, nothingToShow(ctx, tx, requestID)
		}
		var ids []int64
		byVolunteer := map[int64]int{}
		for _, p := range ps {
			if p.views >= MaxDetailViews {
				continue
			}
			ids = append(ids, p.offerID)
			i, ok := byVolunteer[p.volunteerID]
			if !ok {
				i = len(out)
				byVolunteer[p.volunteerID] = i
				out = append(out, VolunteerDetails{VolunteerID: p.volunteerID, FirstName: p.vFirst, LastName: p.vLast,
					BirthDate: p.vBirth, VoterNumber: p.vNNE, ViewsLeft: MaxDetailViews})
			}
			out[i].Rounds = append(out[i].Rounds, p.round)
			out[i].ViewsLeft = min(out[i].ViewsLeft, MaxDetailViews-p.views-1)
		}
		if len(ids) == 0 {
			return nil, errViewsUsedUp
		}
		if _, err := tx.Exec(ctx, `UPDATE proxy_offers SET details_views = details_views + 1 WHERE id = ANY ($1)`, ids); err != nil {
			return nil, err
		}
		for _, v := range out {
			if err := staff.Audit(ctx, tx, staff.ActorPublic, "proxy_volunteer.details_view", "proxy_volunteer", fmt.Sprint(v.VolunteerID),
				map[string]any{"request_id": requestID, "views_left": v.ViewsLeft, "by": "mandant"}); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	return out, err
}

// ExpireOffers ends the offers left unanswered past their deadline and
// plans their requests again (next candidate; the pair is not proposed
// again). It returns how many offers expired.
func (d *Desk) ExpireOffers(ctx context.Context) (int, error) {
	now := d.now()
	rows, err := d.Pool.Query(ctx, `SELECT DISTINCT election_id FROM proxy_offers WHERE status = 'pending' AND expires_at <= $1`, now)
	if err != nil {
		return 0, err
	}
	eids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, err
	}
	total := 0
	for _, eid := range eids {
		for {
			n := 0
			err := d.inTx(ctx, eid, func(tx pgx.Tx, now time.Time) ([]event, error) {
				n = 0
				rows, err := tx.Query(ctx, `SELECT request_id, round FROM proxy_offers WHERE election_id = $1 AND status = 'pending' AND expires_at <= $2
					ORDER BY id LIMIT 500`, eid, now)
				if err != nil {
					return nil, err
				}
				var rids []int64
				var rounds []int16
				for rows.Next() {
					var r int64
					var n int16
					if err := rows.Scan(&r, &n); err != nil {
						return nil, err
					}
					rids, rounds = append(rids, r), append(rounds, n)
				}
				if err := rows.Err(); err != nil || len(rids) == 0 {
					return nil, err
				}
				if err := lockRounds(ctx, tx, rids, rounds); err != nil {
					return nil, err
				}
				// Re-read under the locks: an offer answered meanwhile is
				// no longer pending and is left alone.
				rows, err = tx.Query(ctx, `SELECT o.id FROM proxy_offers o
					JOIN unnest($1::bigint[], $2::smallint[]) AS k(r, n) ON o.request_id = k.r AND o.round = k.n
					WHERE o.status = 'pending' AND o.expires_at <= $3 ORDER BY o.id FOR UPDATE OF o`, rids, rounds, now)
				if err != nil {
					return nil, err
				}
				ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
				if err != nil || len(ids) == 0 {
					return nil, err
				}
				ps, err := loadPairs(ctx, tx, false, `o.id = ANY ($1)`, ids)
				if err != nil {
					return nil, err
				}
				if _, err := tx.Exec(ctx, `UPDATE proxy_offers SET status = 'expired', answered_at = $2 WHERE id = ANY ($1)`, ids, now); err != nil {
					return nil, err
				}
				if _, err := tx.Exec(ctx, `UPDATE proxy_request_rounds rr SET status = 'open', volunteer_id = NULL, status_at = $2
					FROM proxy_offers o WHERE o.id = ANY ($1) AND rr.request_id = o.request_id AND rr.round = o.round AND rr.status = 'proposed'`, ids, now); err != nil {
					return nil, err
				}
				var events []event
				var msgs []notify.Message
				for _, group := range byPair(ps) {
					link, err := d.linkFor(ctx, tx, "volunteer", group[0].volunteerID)
					if err != nil {
						return nil, err
					}
					msgs = append(msgs, notify.Message{Channel: notify.Email, Recipient: group[0].vEmail, Kind: "proxy.expired",
						Subject: "Procuration : proposition expirée", Body: expiredVolunteerBody(group, link)})
					events = append(events, event{electionID: eid, point: group[0].requestPoint()})
				}
				if err := notify.Enqueue(ctx, tx, msgs...); err != nil {
					return nil, err
				}
				if err := staff.Audit(ctx, tx, staff.ActorSystem, "proxy_offer.expire", "election", fmt.Sprint(eid),
					map[string]any{"offers": ids}); err != nil {
					return nil, err
				}
				n = len(ids)
				return events, nil
			})
			if err != nil {
				return total, err
			}
			total += n
			if n == 0 {
				break
			}
		}
	}
	return total, nil
}

// byPair groups offers, or their withdrawals, by (volunteer, request),
// keeping order: one message per person and request, whatever the number
// of rounds.
func byPair[T interface{ key() [2]int64 }](xs []T) [][]T {
	idx := map[[2]int64]int{}
	var out [][]T
	for _, x := range xs {
		k := x.key()
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], x)
	}
	return out
}

// SendReminders writes, 3 days before each round, one reminder per
// accepted pair whose mandant has not confirmed the proxy. It returns how
// many were sent.
func (d *Desk) SendReminders(ctx context.Context) (int, error) {
	total := 0
	now := d.now()
	today := elections.Today(now)
	for {
		n := 0
		err := pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
			n = 0
			ps, err := loadPairs(ctx, tx, false, `o.id IN (
				SELECT o.id FROM proxy_offers o
				JOIN proxy_request_rounds rr ON rr.request_id = o.request_id AND rr.round = o.round
				JOIN rounds rd ON rd.election_id = o.election_id AND rd.number = o.round
				WHERE o.status = 'accepted' AND o.reminded_at IS NULL AND rr.status = 'accepted'
					AND rd.date > $1 AND rd.date <= $1::date + 3
				ORDER BY o.id LIMIT 500 FOR UPDATE OF o SKIP LOCKED)`, today)
			if err != nil {
				return err
			}
			var ids []int64
			var msgs []notify.Message
			for _, p := range ps {
				link, err := d.linkFor(ctx, tx, "request", p.requestID)
				if err != nil {
					return err
				}
				ids = append(ids, p.offerID)
				msgs = append(msgs, notify.Message{Channel: notify.Email, Recipient: p.rEmail, Kind: "proxy.reminder",
					Subject: "Rappel : procuration " + fr.TheRound("pour", p.round), Body: reminderMandantBody(p, link)})
				msgs = d.withSMS(msgs, p.rPhone, "proxy.reminder", reminderMandantSMS(p, link))
			}
			if len(ids) == 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, `UPDATE proxy_offers SET reminded_at = $2 WHERE id = ANY ($1)`, ids, now); err != nil {
				return err
			}
			if err := notify.Enqueue(ctx, tx, msgs...); err != nil {
				return err
			}
			n = len(ids)
			return staff.Audit(ctx, tx, staff.ActorSystem, "proxy_offer.remind", "", "", map[string]any{"offers": ids})
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < 500 {
			return total, nil
		}
	}
}

func isCheckViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23514"
}
