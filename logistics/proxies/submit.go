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

	"scrutin/logistics/changes"
	"scrutin/logistics/check"
	"scrutin/logistics/contact"
	"scrutin/logistics/elections"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
	"scrutin/logistics/token"
)

// Person is what both public forms ask: who, where they vote, which rounds.
// Field names are the JSON names and the form names.
type Person struct {
	Election    string `json:"election"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Email       string `json:"email"`
	Phone       string `json:"phone"`
	CommuneCode string `json:"commune_code"`
	BureauCode  string `json:"bureau_code"`
	Rounds      []int  `json:"rounds"`
	Consent     bool   `json:"consent"`
}

// RequestInput is "Je cherche un·e mandataire".
type RequestInput Person

// VolunteerInput is "Je peux porter une procuration": a Person and what
// the mandant will need, plus how far they can go. The fields are spelled
// out (not an embedded Person) so that JSON type errors name the field as
// the person sent it ("rounds", not "Person.rounds").
type VolunteerInput struct {
	Election    string `json:"election"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Email       string `json:"email"`
	Phone       string `json:"phone"`
	CommuneCode string `json:"commune_code"`
	BureauCode  string `json:"bureau_code"`
	Rounds      []int  `json:"rounds"`
	Consent     bool   `json:"consent"`
	BirthDate   string `json:"birth_date"`
	VoterNumber string `json:"voter_number"`
	// Omitted: DefaultMaxDistanceKm; 0 is refused like any distance out
	// of range. Kept in whole km: a decimal is rounded down (15.9 is 15),
	// so that no one is asked to go farther than they said.
	MaxDistanceKm *float64 `json:"max_distance_km"`
}

// DistanceMessage refuses a volunteer's travel limit that is not a
// number of km from 1 to MaxTravelKm, on the form (where what cannot be
// read comes as -1) and in the API alike.
var DistanceMessage = fmt.Sprintf("Indiquez en chiffres une distance de 1 à %d km, par exemple 10.", MaxTravelKm)

// Person is the shared part of a volunteer's input.
func (in *VolunteerInput) Person() Person {
	return Person{Election: in.Election, FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
		CommuneCode: in.CommuneCode, BureauCode: in.BureauCode, Rounds: in.Rounds, Consent: in.Consent}
}

// NewVolunteerInput puts a Person and a volunteer's own fields together;
// a maxDistanceKm of 0 leaves the distance out (the default).
func NewVolunteerInput(p Person, birthDate, voterNumber string, maxDistanceKm int) VolunteerInput {
	in := VolunteerInput{Election: p.Election, FirstName: p.FirstName, LastName: p.LastName, Email: p.Email, Phone: p.Phone,
		CommuneCode: p.CommuneCode, BureauCode: p.BureauCode, Rounds: p.Rounds, Consent: p.Consent,
		BirthDate: birthDate, VoterNumber: voterNumber}
	if maxDistanceKm != 0 {
		km := float64(maxDistanceKm)
		in.MaxDistanceKm = &km
	}
	return in
}

// validPerson is a Person once checked and normalised.
type validPerson struct {
	election *elections.Election
	first    string
	last     string
	email    string
	phone    string
	commune  string
	bureau   string
	rounds   []int
	point    *places.Point
}

// validatePerson checks the shared fields, adding every problem to errs.
func validatePerson(ctx context.Context, q pgdb.Q, p Person, now time.Time, errs check.Errors) (*validPerson, error) {
	v := &validPerson{}
	v.first = contact.Name(errs, "first_name", "Le prénom", p.FirstName, true)
	v.last = contact.Name(errs, "last_name", "Le nom", p.LastName, true)
	v.email = contact.Email(errs, "email", p.Email)
	v.phone = contact.Phone(errs, "phone", p.Phone, true)
	commune, bureau, err := places.CheckPlace(ctx, q, errs, "commune_code", p.CommuneCode, "bureau_code", p.BureauCode, false)
	if err != nil {
		return nil, err
	}
	v.commune, v.bureau = commune, bureau
	contact.Consent(errs, "consent", p.Consent)

	e, err := elections.ResolveSignUp(ctx, q, strings.TrimSpace(p.Election), "election", now)
	if merged, err := errs.Merge(err); err != nil {
		return nil, err
	} else if merged {
		return v, nil
	}
	v.election = e
	// On the round's day it is too late to establish a proxy.
	v.rounds = e.ChosenRounds(errs, p.Rounds, now, func(day, today time.Time) bool { return day.After(today) }, tooLate)
	return v, nil
}

// tooLate refuses a round on or after its day (its name starting a
// sentence, fr.TheRound("Le", n), and its date).
const tooLate = "%s (%s) est passé ou a lieu aujourd'hui : il est trop tard pour une procuration."

// locate sets where the person votes (bureau, else commune). New entries
// get it in their INSERT instead, to save a round trip.
func (v *validPerson) locate(ctx context.Context, q pgdb.Q) error {
	p, err := places.Location(ctx, q, v.commune, v.bureau)
	if err != nil && !errors.Is(err, check.ErrNotFound) {
		return err
	}
	v.point = p
	return nil
}

// firstRound is the earliest chosen round's date (zero if none).
func (v *validPerson) firstRoundDate() time.Time {
	if v.election == nil || len(v.rounds) == 0 {
		return time.Time{}
	}
	r, _ := v.election.Round(v.rounds[0])
	return r.Date
}

// Validate checks a request without storing it.
func (in *RequestInput) validate(ctx context.Context, q pgdb.Q, now time.Time) (*validPerson, error) {
	errs := check.Errors{}
	v, err := validatePerson(ctx, q, Person(*in), now, errs)
	if err != nil {
		return nil, err
	}
	return v, errs.Err()
}

type validVolunteer struct {
	*validPerson
	birth    time.Time
	nne      string
	distance int
}

func (in *VolunteerInput) validate(ctx context.Context, q pgdb.Q, now time.Time) (*validVolunteer, error) {
	errs := check.Errors{}
	v, err := validatePerson(ctx, q, in.Person(), now, errs)
	if err != nil {
		return nil, err
	}
	out := &validVolunteer{validPerson: v}
	// 18 on the day of the first round chosen (then also on the second).
	adultOn := v.firstRoundDate()
	if adultOn.IsZero() {
		adultOn = elections.Today(now)
	}
	out.birth = contact.BirthDate(errs, "birth_date", in.BirthDate, adultOn)
	out.nne = contact.VoterNumber(errs, "voter_number", in.VoterNumber)
	out.distance = DefaultMaxDistanceKm
	if in.MaxDistanceKm != nil {
		if km := math.Floor(*in.MaxDistanceKm); km >= 1 && km <= MaxTravelKm {
			out.distance = int(km)
		} else {
			errs.Add("max_distance_km", DistanceMessage)
		}
	}
	return out, errs.Err()
}

// RoundState is one round of an entry in the answer to a submission: its
// number and status, never the other side's id (anyone who knows an
// e-mail address can submit again).
type RoundState struct {
	Number int    `json:"number"`
	Status string `json:"status"`
}

// Submitted is the answer to a public submission: the new entry, or only
// changes.StatusHeld when the person had an entry already (the change waits for
// its confirmation; nothing tells who or what the entry is).
type Submitted struct {
	ID     int64        `json:"id,omitempty"`
	Status string       `json:"status"`
	Rounds []RoundState `json:"rounds,omitempty"`
	Held   bool         `json:"-"`
}

// linkTTL: private links work until a few days after the last round, so
// that a mandant can still read what they need on the day, then die with
// the data (purged after the election).
// confirmUpdate ends a person's resubmission: a fresh private link in the
// confirmation e-mail (built by confirmation), the messages the update
// caused, and the audit row "proxy_<kind>.update".
func (d *Desk) confirmUpdate(ctx context.Context, tx pgx.Tx, kind string, id int64, e *elections.Election,
	msgs []notify.Message, confirmation func(link string) notify.Message, details map[string]any) error {
	link, err := d.newLink(ctx, tx, kind, id, linkExpiry(e))
	if err != nil {
		return err
	}
	if err := notify.Enqueue(ctx, tx, append(msgs, confirmation(link))...); err != nil {
		return err
	}
	return staff.Audit(ctx, tx, staff.ActorPublic, "proxy_"+kind+".update", "proxy_"+kind, fmt.Sprint(id), details)
}

func linkExpiry(e *elections.Election) time.Time {
	return e.LastRound().Date.AddDate(0, 0, 3)
}

// SubmitRequest stores a request ("Je cherche un·e mandataire"), or holds
// the change of the person's entry when the same e-mail already asked for
// this election (changes.go).
// It is the one path behind the form and the API.
func (d *Desk) SubmitRequest(ctx context.Context, in RequestInput) (*Submitted, error) {
	now := d.now()
	v, err := in.validate(ctx, d.Pool, now)
	if err != nil {
		return nil, err
	}
	out, events, err := d.saveRequest(ctx, d.Pool, v, now)
	if errors.Is(err, errExists) {
		id, err := sameRequest(ctx, d.Pool, v)
		if err != nil {
			return nil, err
		}
		if id != 0 { // sent again as it was: nothing to confirm
			return d.resendLink(ctx, "request", id, v.election, v.email, v.first)
		}
		return d.holdChange(ctx, changes.ProxyRequest, v.election, v.email, in, now)
	}
	if err != nil {
		return nil, err
	}
	d.trigger(events...)
	return out, nil
}

// errExists: the person already has an entry for this election.
var errExists = errors.New("entry exists")

// saveRequest creates a new request, its rounds, its private link, its
// message and its audit row in one statement: atomic without a
// transaction block, and one round trip for the form that must take a
// thousand sign-ups a second. New entries take no lock: they change
// nothing a matching run is working on. errExists when the e-mail already
// has an entry.
func (d *Desk) saveRequest(ctx context.Context, q pgdb.Q, v *validPerson, now time.Time) (*Submitted, []event, error) {
	plain, hash := token.New()
	link := d.url(plain)
	var id int64
	var lat, lon *float64
	err := q.QueryRow(ctx, `
		WITH r AS (
			INSERT INTO proxy_requests (election_id, email, first_name, last_name, phone, commune_code, bureau_code, latitude, longitude, created_at, updated_at)
			SELECT $1, $2, $3, $4, $5, c.code, $7::text, coalesce(b.latitude, c.latitude), coalesce(b.longitude, c.longitude), $8, $8
			FROM communes c LEFT JOIN bureaux b ON b.commune_code = c.code AND b.code = $7::text
			WHERE c.code = $6
			ON CONFLICT (election_id, email) DO NOTHING RETURNING id, latitude, longitude
		), rounds AS (
			INSERT INTO proxy_request_rounds (request_id, round, status_at) SELECT r.id, x, $8 FROM r, unnest($9::smallint[]) x
		), link AS (
			INSERT INTO proxy_links (token_hash, request_id, expires_at) SELECT $10, r.id, $11 FROM r
		), audit AS (
			INSERT INTO audit_log (actor, action, entity, entity_id, details)
			SELECT $12, 'proxy_request.create', 'proxy_request', r.id::text, $13 FROM r
		), message AS (
			INSERT INTO outbox (channel, recipient, subject, body, kind) SELECT 'email', $2, $14, $15, 'proxy.request' FROM r
		)
		SELECT id, latitude, longitude FROM r`,
		v.election.ID, v.email, v.first, v.last, v.phone, v.commune, v.bureau, now,
		v.rounds, hash, linkExpiry(v.election),
		staff.ActorPublic, map[string]any{"election": v.election.Slug, "commune_code": v.commune, "rounds": v.rounds},
		"Votre demande de procuration", requestCreatedBody(v, link)).Scan(&id, &lat, &lon)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, errExists
	}
	if err != nil {
		return nil, nil, err
	}
	out := &Submitted{ID: id, Status: RoundOpen}
	for _, r := range v.rounds {
		out.Rounds = append(out.Rounds, RoundState{Number: r, Status: RoundOpen})
	}
	return out, []event{{electionID: v.election.ID, point: point(lat, lon)}}, nil
}

// updateRequest applies a second submission by the same person: new
// details, rounds added or dropped; a new place withdraws the offers made
// for the old one.
func (d *Desk) updateRequest(ctx context.Context, tx pgx.Tx, v *validPerson, now time.Time) ([]event, error) {
	if err := shareElection(ctx, tx, v.election.ID); err != nil {
		return nil, err
	}
	if err := v.locate(ctx, tx); err != nil {
		return nil, err
	}
	var id int64
	var oldCommune, oldBureau string
	err := tx.QueryRow(ctx, `SELECT id, commune_code, bureau_code FROM proxy_requests WHERE election_id = $1 AND email = $2 FOR UPDATE`,
		v.election.ID, v.email).Scan(&id, &oldCommune, &oldBureau)
	if err != nil {
		return nil, err
	}
	moved := oldCommune != v.commune || oldBureau != v.bureau
	if _, err := tx.Exec(ctx, `
		UPDATE proxy_requests SET first_name = $2, last_name = $3, phone = $4, commune_code = $5, bureau_code = $6,
			latitude = $7, longitude = $8, updated_at = $9 WHERE id = $1`,
		id, v.first, v.last, v.phone, v.commune, v.bureau, lat(v.point), lon(v.point), now); err != nil {
		return nil, err
	}
	rounds, err := lockRequestRounds(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	var ended []withdrawal
	for _, n := range []int{1, 2} {
		st, exists := rounds[n]
		wanted := slices.Contains(v.rounds, n)
		switch {
		case wanted && !exists:
			if _, err := tx.Exec(ctx, `INSERT INTO proxy_request_rounds (request_id, round, status_at) VALUES ($1, $2, $3)`, id, n, now); err != nil {
				return nil, err
			}
		case wanted && st == RoundCancelled:
			if err := setRoundStatus(ctx, tx, id, n, RoundOpen, nil, now); err != nil {
				return nil, err
			}
		case wanted && moved && (st == RoundProposed || st == RoundAccepted):
			w, err := d.withdrawLive(ctx, tx, id, n, "request_changed", RoundOpen, now)
			if err != nil {
				return nil, err
			}
			ended = append(ended, w...)
		case !wanted && exists && st != RoundCancelled:
			w, err := d.withdrawLive(ctx, tx, id, n, "cancelled", RoundCancelled, now)
			if err != nil {
				return nil, err
			}
			ended = append(ended, w...)
		}
	}
	// One message per person: a volunteer who held both rounds hears of
	// both at once.
	msgs, err := d.withdrawalMessages(ctx, tx, ended)
	if err != nil {
		return nil, err
	}
	if err := d.confirmUpdate(ctx, tx, "request", id, v.election, msgs, func(link string) notify.Message {
		return notify.Message{Channel: notify.Email, Recipient: v.email, Subject: "Votre demande de procuration a été mise à jour",
			Body: requestUpdatedBody(v, link), Kind: "proxy.request"}
	}, map[string]any{"commune_code": v.commune, "rounds": v.rounds, "place_changed": moved, "confirmed_by_email": true}); err != nil {
		return nil, err
	}
	return []event{{electionID: v.election.ID, point: v.point}}, nil
}

// SubmitVolunteer stores a volunteer ("Je peux porter une procuration"), or
// holds the change of their entry when the same e-mail already signed up.
func (d *Desk) SubmitVolunteer(ctx context.Context, in VolunteerInput) (*Submitted, error) {
	now := d.now()
	v, err := in.validate(ctx, d.Pool, now)
	if err != nil {
		return nil, err
	}
	out, events, err := d.saveVolunteer(ctx, d.Pool, v, now)
	// The voter number is signed up already: under another address, the
	// answer is a change held's (voterNumberTaken); under this one (two
	// sendings at once) or by an entry gone since, the form goes again.
	for retry := 0; pgdb.IsUniqueViolation(err, "proxy_volunteers_voter_number_key") && retry < 3; retry++ {
		if held, err := d.voterNumberTaken(ctx, v); held != nil || err != nil {
			return held, err
		}
		out, events, err = d.saveVolunteer(ctx, d.Pool, v, now)
	}
	if errors.Is(err, errExists) {
		id, err := sameVolunteer(ctx, d.Pool, v)
		if err != nil {
			return nil, err
		}
		if id != 0 { // sent again as it was: nothing to confirm
			return d.resendLink(ctx, "volunteer", id, v.election, v.email, v.first)
		}
		return d.holdChange(ctx, changes.ProxyVolunteer, v.election, v.email, in, now)
	}
	if err != nil {
		return nil, err
	}
	d.trigger(events...)
	return out, nil
}

// voterNumberTaken answers a new address sent with a voter number that
// other addresses are signed up with: exactly as a change held, so that
// the answer does not tell whether a voter number is signed up. Nothing
// is stored; the owners and the sender learn more by e-mail, in one
// transaction (contact.TakenVoterNumber; an owner once every ten minutes
// at most: TakenVoterNumber.Enqueue). nil when no other address holds
// the number (any more).
func (d *Desk) voterNumberTaken(ctx context.Context, v *validVolunteer) (*Submitted, error) {
	told := false
	err := pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT email FROM proxy_volunteers WHERE election_id = $1 AND voter_number = $2 AND email <> $3 ORDER BY id`,
			v.election.ID, v.nne, v.email)
		if err != nil {
			return err
		}
		owners, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(owners) == 0 {
			return err
		}
		told = true
		return contact.TakenVoterNumber{Election: v.election.Name,
			Form: "le formulaire « Je peux porter une procuration »", Team: "L'équipe procurations",
			Kind: KindVoterNumberTaken, Sender: v.email, Owners: owners,
			Table: "proxy_volunteers", Entity: "proxy_volunteer", ElectionID: v.election.ID}.Enqueue(ctx, tx)
	})
	if err != nil || !told {
		return nil, err
	}
	return &Submitted{Status: changes.StatusHeld, Held: true}, nil
}

// KindVoterNumberTaken is the outbox kind of the messages of
// voterNumberTaken.
const KindVoterNumberTaken = "proxy.voter_number"

// saveVolunteer is saveRequest for a volunteer: one statement.
func (d *Desk) saveVolunteer(ctx context.Context, q pgdb.Q, v *validVolunteer, now time.Time) (*Submitted, []event, error) {
	plain, hash := token.New()
	link := d.url(plain)
	var id int64
	var lat, lon *float64
	err := q.QueryRow(ctx, `
		WITH v AS (
			INSERT INTO proxy_volunteers (election_id, email, first_name, last_name, phone, birth_date, voter_number,
				commune_code, bureau_code, latitude, longitude, max_distance_km, created_at, updated_at)
			SELECT $1, $2, $3, $4, $5, $6, $7, c.code, $9::text, coalesce(b.latitude, c.latitude), coalesce(b.longitude, c.longitude), $10, $11, $11
			FROM communes c LEFT JOIN bureaux b ON b.commune_code = c.code AND b.code = $9::text
			WHERE c.code = $8
			ON CONFLICT (election_id, email) DO NOTHING RETURNING id, latitude, longitude
		), rounds AS (
			INSERT INTO proxy_volunteer_rounds (volunteer_id, round) SELECT v.id, x FROM v, unnest($12::smallint[]) x
		), link AS (
			INSERT INTO proxy_links (token_hash, volunteer_id, expires_at) SELECT $13, v.id, $14 FROM v
		), audit AS (
			INSERT INTO audit_log (actor, action, entity, entity_id, details)
			SELECT $15, 'proxy_volunteer.create', 'proxy_volunteer', v.id::text, $16 FROM v
		), message AS (
			INSERT INTO outbox (channel, recipient, subject, body, kind) SELECT 'email', $2, $17, $18, 'proxy.volunteer' FROM v
		)
		SELECT id, latitude, longitude FROM v`,
		v.election.ID, v.email, v.first, v.last, v.phone, v.birth, v.nne, v.commune, v.bureau, v.distance, now,
		v.rounds, hash, linkExpiry(v.election),
		staff.ActorPublic, map[string]any{"election": v.election.Slug, "commune_code": v.commune, "rounds": v.rounds},
		"Merci pour votre engagement", volunteerCreatedBody(v, link)).Scan(&id, &lat, &lon)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, errExists
	}
	if err != nil {
		return nil, nil, err
	}
	out := &Submitted{ID: id, Status: VolunteerActive}
	for _, r := range v.rounds {
		out.Rounds = append(out.Rounds, RoundState{Number: r, Status: "free"})
	}
	return out, []event{{electionID: v.election.ID, point: point(lat, lon)}}, nil
}

func (d *Desk) updateVolunteer(ctx context.Context, tx pgx.Tx, v *validVolunteer, now time.Time) ([]event, error) {
	if err := shareElection(ctx, tx, v.election.ID); err != nil {
		return nil, err
	}
	if err := v.locate(ctx, tx); err != nil {
		return nil, err
	}
	var id int64
	var oldCommune, oldBureau string
	var oldDistance int
	err := tx.QueryRow(ctx, `SELECT id, commune_code, bureau_code, max_distance_km FROM proxy_volunteers
		WHERE election_id = $1 AND email = $2 FOR UPDATE`, v.election.ID, v.email).Scan(&id, &oldCommune, &oldBureau, &oldDistance)
	if err != nil {
		return nil, err
	}
	// Offers still unanswered were made for the old place and distance:
	// they are withdrawn and the volunteer is planned again. Accepted ones
	// stand (the volunteer committed to them) unless their round is dropped.
	replan := oldCommune != v.commune || oldBureau != v.bureau || v.distance < oldDistance
	if _, err := tx.Exec(ctx, `
		UPDATE proxy_volunteers SET first_name = $2, last_name = $3, phone = $4, birth_date = $5, voter_number = $6,
			commune_code = $7, bureau_code = $8, latitude = $9, longitude = $10, max_distance_km = $11,
			status = 'active', updated_at = $12 WHERE id = $1`,
		id, v.first, v.last, v.phone, v.birth, v.nne, v.commune, v.bureau, lat(v.point), lon(v.point), v.distance, now); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM proxy_volunteer_rounds WHERE volunteer_id = $1 AND NOT (round = ANY ($2::smallint[]))`, id, v.rounds); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO proxy_volunteer_rounds (volunteer_id, round) SELECT $1, r FROM unnest($2::smallint[]) r ON CONFLICT DO NOTHING`, id, v.rounds); err != nil {
		return nil, err
	}
	offers, err := volunteerOffers(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	var ended []withdrawal
	for _, o := range offers {
		dropped := !slices.Contains(v.rounds, o.round)
		if dropped || (replan && o.status == OfferPending) {
			w, err := d.withdrawLive(ctx, tx, o.requestID, o.round, "volunteer_changed", RoundOpen, now)
			if err != nil {
				return nil, err
			}
			ended = append(ended, w...)
		}
	}
	msgs, err := d.withdrawalMessages(ctx, tx, ended)
	if err != nil {
		return nil, err
	}
	if err := d.confirmUpdate(ctx, tx, "volunteer", id, v.election, msgs, func(link string) notify.Message {
		return notify.Message{Channel: notify.Email, Recipient: v.email, Subject: "Votre inscription a été mise à jour",
			Body: volunteerUpdatedBody(v, link), Kind: "proxy.volunteer"}
	}, map[string]any{"commune_code": v.commune, "rounds": v.rounds, "replanned": replan, "confirmed_by_email": true}); err != nil {
		return nil, err
	}
	return []event{{electionID: v.election.ID, point: v.point}}, nil
}

func lat(p *places.Point) *float64 {
	if p == nil {
		return nil
	}
	return &p.Lat
}

func lon(p *places.Point) *float64 {
	if p == nil {
		return nil
	}
	return &p.Lon
}
