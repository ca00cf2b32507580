package proxies

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/check"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
)

// What a person sees on their private page.

// RequestPage is the mandant's page.
type RequestPage struct {
	ID           int64
	ElectionName string
	FirstName    string
	LastName     string
	Email        string
	Phone        string
	CommuneCode  string
	CommuneName  string
	BureauCode   string
	BureauName   string
	Rounds       []RequestRoundView
	Cancelled    bool // every round cancelled
}

// RequestRoundView is one round on the mandant's page.
type RequestRoundView struct {
	Number int
	Date   time.Time
	Status string
	// Mandataire once a volunteer has accepted: name and phone. NNE and
	// birth date only through RevealDetails.
	VolunteerID    int64
	VolunteerName  string
	VolunteerPhone string
	ViewsLeft      int
}

// Accepted reports a round waiting for the mandant's confirmation.
func (r RequestRoundView) Accepted() bool { return r.Status == RoundAccepted }

// HasVolunteer reports a round with a volunteer who said yes.
func (r RequestRoundView) HasVolunteer() bool {
	return r.Status == RoundAccepted || r.Status == RoundEstablished
}

// HasMandataire reports a round with a volunteer who said yes: the one
// told when the request is cancelled.
func (p *RequestPage) HasMandataire() bool {
	for _, r := range p.Rounds {
		if r.HasVolunteer() {
			return true
		}
	}
	return false
}

// awaitsProxy reports a round accepted by a volunteer whose proxy the
// mandant has still to establish: what their NNE and birth date are for.
func (p *RequestPage) awaitsProxy() bool {
	for _, r := range p.Rounds {
		if r.Accepted() {
			return true
		}
	}
	return false
}

// detailViewsLeft reports whether RevealDetails can still show a
// volunteer's NNE and birth date (an accepted offer viewed less than
// MaxDetailViews times).
func (p *RequestPage) detailViewsLeft() bool {
	for _, r := range p.Rounds {
		if r.HasVolunteer() && r.ViewsLeft > 0 {
			return true
		}
	}
	return false
}

// CanRevealDetails reports whether the page offers to show the
// volunteer's NNE and birth date: a proxy to establish, views left.
func (p *RequestPage) CanRevealDetails() bool { return p.awaitsProxy() && p.detailViewsLeft() }

// DetailsUsedUp reports a proxy still to establish whose volunteer's NNE
// and birth date were shown MaxDetailViews times already.
func (p *RequestPage) DetailsUsedUp() bool { return p.awaitsProxy() && !p.detailViewsLeft() }

// MaxDetailViews is how many times the NNE and birth date are shown.
func (p *RequestPage) MaxDetailViews() int { return MaxDetailViews }

// LoadRequestPage reads a mandant's page.
func LoadRequestPage(ctx context.Context, q pgdb.Q, id int64) (*RequestPage, error) {
	p := &RequestPage{ID: id}
	err := q.QueryRow(ctx, `
		SELECT e.name, r.first_name, r.last_name, r.email, r.phone, r.commune_code, c.name, r.bureau_code, coalesce(b.name, '')
		FROM proxy_requests r JOIN elections e ON e.id = r.election_id JOIN communes c ON c.code = r.commune_code
		LEFT JOIN bureaux b ON b.commune_code = r.commune_code AND b.code = r.bureau_code
		WHERE r.id = $1`, id).Scan(&p.ElectionName, &p.FirstName, &p.LastName, &p.Email, &p.Phone, &p.CommuneCode, &p.CommuneName, &p.BureauCode, &p.BureauName)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, check.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `
		SELECT rr.round, rd.date, rr.status, coalesce(v.id, 0), coalesce(v.first_name || ' ' || v.last_name, ''), coalesce(v.phone, ''),
			coalesce((SELECT o.details_views FROM proxy_offers o WHERE o.request_id = rr.request_id AND o.round = rr.round AND o.status = 'accepted'), 0)
		FROM proxy_request_rounds rr
		JOIN proxy_requests r ON r.id = rr.request_id
		JOIN rounds rd ON rd.election_id = r.election_id AND rd.number = rr.round
		LEFT JOIN proxy_volunteers v ON v.id = rr.volunteer_id
		WHERE rr.request_id = $1 ORDER BY rr.round`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p.Cancelled = true
	for rows.Next() {
		var r RequestRoundView
		var n int16
		var views int
		if err := rows.Scan(&n, &r.Date, &r.Status, &r.VolunteerID, &r.VolunteerName, &r.VolunteerPhone, &views); err != nil {
			return nil, err
		}
		r.Number = int(n)
		r.ViewsLeft = max(0, MaxDetailViews-views)
		if r.Status != RoundCancelled {
			p.Cancelled = false
		}
		p.Rounds = append(p.Rounds, r)
	}
	return p, rows.Err()
}

// bureauLine is where a person votes as a page line shows it: "Bureau 3 –
// Gymnase des Arches, Avenue des Arches, 04000 Digne-les-Bains" (name and
// address when known), or "Je ne sais pas" for no bureau.
func bureauLine(ctx context.Context, q pgdb.Q, commune, bureau string) (string, error) {
	if bureau == "" {
		return "Je ne sais pas", nil
	}
	b, err := places.GetBureau(ctx, q, commune, bureau)
	if errors.Is(err, check.ErrNotFound) {
		return "Bureau " + bureau, nil
	}
	if err != nil {
		return "", err
	}
	text := b.Label()
	if b.Address != "" {
		text += ", " + b.Address
	}
	return text, nil
}

// VolunteerPage is the volunteer's page.
type VolunteerPage struct {
	ID            int64
	ElectionName  string
	FirstName     string
	LastName      string
	Email         string
	CommuneName   string
	MaxDistanceKm int
	Status        string
	Rounds        []int
	Offers        []OfferView // live offers and those answered, newest first
}

// Withdrawn reports a volunteer who left.
func (v *VolunteerPage) Withdrawn() bool { return v.Status == VolunteerWithdrawn }

// OfferView is one request proposed to the volunteer (one or two rounds).
type OfferView struct {
	RequestID  int64
	Status     string // of the offers (the same for every round of a group)
	Rounds     []OfferRound
	ExpiresAt  time.Time
	DistanceKm *float64
	// Mandant: first name and place before accepting; full name and
	// phone once accepted.
	MandantFirstName string
	MandantName      string
	MandantPhone     string
	CommuneName      string
	BureauCode       string
	BureauName       string
	BureauAddress    string
}

// Distance is how far the bureau is from the volunteer, in French ("2,4
// km"), or "" when a place had no coordinates.
func (o OfferView) Distance() string { return kmText(o.DistanceKm) }

// OfferRound is one round of an offer.
type OfferRound struct {
	Number      int
	Date        time.Time
	Established bool
}

// Pending reports an offer waiting for the volunteer's answer.
func (o OfferView) Pending() bool { return o.Status == OfferPending }

// Accepted reports an offer the volunteer accepted.
func (o OfferView) Accepted() bool { return o.Status == OfferAccepted }

// Established reports an accepted offer whose every round the mandant
// says is established: only then does the volunteer carry the proxy.
func (o OfferView) Established() bool {
	if !o.Accepted() || len(o.Rounds) == 0 {
		return false
	}
	for _, r := range o.Rounds {
		if !r.Established {
			return false
		}
	}
	return true
}

// LoadVolunteerPage reads a volunteer's page at now (expired offers that
// the worker has not processed yet are not offered for an answer).
func LoadVolunteerPage(ctx context.Context, q pgdb.Q, id int64, now time.Time) (*VolunteerPage, error) {
	v := &VolunteerPage{ID: id}
	err := q.QueryRow(ctx, `
		SELECT e.name, p.first_name, p.last_name, p.email, c.name, p.max_distance_km, p.status,
			coalesce((SELECT array_agg(round::int ORDER BY round) FROM proxy_volunteer_rounds WHERE volunteer_id = p.id), '{}')
		FROM proxy_volunteers p JOIN elections e ON e.id = p.election_id JOIN communes c ON c.code = p.commune_code
		WHERE p.id = $1`, id).Scan(&v.ElectionName, &v.FirstName, &v.LastName, &v.Email, &v.CommuneName, &v.MaxDistanceKm, &v.Status, &v.Rounds)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, check.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	// Live offers, and those answered lately: each from its index.
	ps, err := loadPairs(ctx, q, false, `o.volunteer_id = $1 AND (o.status IN ('pending', 'accepted') OR (o.status NOT IN ('pending', 'accepted') AND o.answered_at > $2::timestamptz - interval '14 days'))`, id, now)
	if err != nil {
		return nil, err
	}
	established := map[[2]int64]bool{}
	rows, err := q.Query(ctx, `SELECT request_id, round FROM proxy_request_rounds WHERE volunteer_id = $1 AND status = 'established'`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var r int64
		var n int16
		if err := rows.Scan(&r, &n); err != nil {
			rows.Close()
			return nil, err
		}
		established[[2]int64{r, int64(n)}] = true
	}
	rows.Close()
	// Group by request and status so that a request proposed for both
	// rounds reads as one proposal.
	idx := map[[2]any]int{}
	for _, p := range ps {
		status := p.status
		if status == OfferPending && !p.expiresAt.After(now) {
			status = OfferExpired
		}
		k := [2]any{p.requestID, status}
		i, ok := idx[k]
		if !ok {
			i = len(v.Offers)
			idx[k] = i
			o := OfferView{RequestID: p.requestID, Status: status, ExpiresAt: p.expiresAt, DistanceKm: p.distance,
				MandantFirstName: p.rFirst, CommuneName: p.rCommuneName, BureauCode: p.rBureau,
				BureauName: p.rBureauName, BureauAddress: p.rBureauAddress}
			if status == OfferAccepted {
				o.MandantName = p.rFirst + " " + p.rLast
				o.MandantPhone = p.rPhone
			}
			v.Offers = append(v.Offers, o)
		}
		v.Offers[i].Rounds = append(v.Offers[i].Rounds, OfferRound{Number: p.round, Date: p.roundDate,
			Established: established[[2]int64{p.requestID, int64(p.round)}]})
	}
	// Live offers first (what needs an answer), then the rest, but for
	// the past of a request that is live again: "withdrawn" or "declined"
	// beside "you carry it" would contradict it.
	live := make([]OfferView, 0, len(v.Offers))
	isLive := map[int64]bool{}
	for _, o := range v.Offers {
		if o.Pending() || o.Accepted() {
			live = append(live, o)
			isLive[o.RequestID] = true
		}
	}
	for _, o := range v.Offers {
		if !(o.Pending() || o.Accepted()) && !isLive[o.RequestID] {
			live = append(live, o)
		}
	}
	v.Offers = live
	return v, nil
}

// OverallStatus sums up a request's rounds: the least advanced of the
// rounds still needed, or cancelled when none is.
func OverallStatus(statuses []string) string {
	order := map[string]int{RoundOpen: 0, RoundProposed: 1, RoundAccepted: 2, RoundEstablished: 3}
	best, found := RoundCancelled, false
	for _, s := range statuses {
		o, ok := order[s]
		if !ok {
			continue
		}
		if !found || o < order[best] {
			best, found = s, true
		}
	}
	return best
}

// StatusLabel is a request round's status in French.
func StatusLabel(status string) string {
	switch status {
	case RoundOpen:
		return "En recherche d'un·e volontaire"
	case RoundProposed:
		return "Proposée à un·e volontaire, en attente de sa réponse"
	case RoundAccepted:
		return "Acceptée : procuration à établir"
	case RoundEstablished:
		return "Procuration établie"
	case RoundCancelled:
		return "Annulée"
	}
	return status
}

// StatusLabel is the round's status in French.
func (r RequestRoundView) StatusLabel() string { return StatusLabel(r.Status) }

// StatusLabel is the queue entry's status in French.
func (q QueueEntry) StatusLabel() string { return StatusLabel(q.Status) }

// StatusLabel is an offer's status, and why it was withdrawn, in French.
func (o OfferEntry) StatusLabel() string {
	s := map[string]string{OfferPending: "en attente de réponse", OfferAccepted: "acceptée", OfferDeclined: "refusée",
		OfferExpired: "expirée sans réponse", OfferWithdrawn: "retirée"}[o.Status]
	// "changed": what a resubmission of either side wrote before it said
	// which (until December 2026).
	if why, ok := map[string]string{"moved": "réattribuée par l'appariement", "cancelled": "demande annulée",
		"request_changed": "demande modifiée", "volunteer_changed": "inscription modifiée",
		"changed": "demande ou inscription modifiée", "volunteer_withdrew": "volontaire retiré·e",
		"unmatched": "désappariée par l'équipe", "reassigned": "confiée à un·e autre volontaire par l'équipe"}[o.Reason]; ok {
		s += " (" + why + ")"
	}
	return s
}

// AnswerStands reports whether the volunteer's latest offer of each round
// of the request is in status (accepted, declined): a second click finds
// its answer given. A round offered later and gone meanwhile is not.
func AnswerStands(ctx context.Context, q pgdb.Q, volunteerID, requestID int64, status string) (bool, error) {
	var n, as int
	err := q.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE status = $3) FROM (
			SELECT DISTINCT ON (round) status FROM proxy_offers
			WHERE volunteer_id = $1 AND request_id = $2 ORDER BY round, id DESC) latest`,
		volunteerID, requestID, status).Scan(&n, &as)
	return n > 0 && n == as, err
}
