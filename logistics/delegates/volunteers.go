package delegates

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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

// LinkPath is where a volunteer's private link leads; the secret follows
// "/t/" so that the request log masks it.
const LinkPath = "/assesseurs/t/"

// MaxDistanceKm bounds how far a volunteer may say they travel: a distance
// is 1 to MaxDistanceKm km, to a tenth (distance.go). 0 is not a distance
// but "own bureau only" (SignupInput.MaxDistanceKm), which the form offers
// as a choice of its own.
const MaxDistanceKm = 200

// Desk is the delegates capability bound to its database and clock.
type Desk struct {
	Pool    *pgxpool.Pool
	BaseURL string           // absolute prefix of links in messages
	Now     func() time.Time // nil: time.Now
}

func (d *Desk) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

// SignupInput is "Je veux être assesseur·e ou délégué·e". Field names are
// the JSON names and the form names.
type SignupInput struct {
	Election         string    `json:"election"`
	LastName         string    `json:"last_name"`
	BirthName        string    `json:"birth_name"`
	FirstNames       string    `json:"first_names"`
	BirthDate        string    `json:"birth_date"`
	BirthPlace       string    `json:"birth_place"`
	Address          string    `json:"address"`
	PostalCode       string    `json:"postal_code"`
	City             string    `json:"city"` // the town of the address, as the designation letter prints it
	Email            string    `json:"email"`
	Phone            string    `json:"phone"`
	CommuneCode      string    `json:"commune_code"`
	BureauCode       string    `json:"bureau_code"`
	VoterNumber      string    `json:"voter_number"`
	ListNumber       string    `json:"list_number"` // optional: number on the commune's list (voter card)
	Roles            []string  `json:"roles"`
	Rounds           []int     `json:"rounds"`
	MaxDistanceKm    *Distance `json:"max_distance_km"` // nil: own commune; 0: own bureau; N: own commune and N km around ("7,5" or 7.5)
	PreferredBureaux []string  `json:"preferred_bureaux"`
	// Consent is ticked on the public form; API clients that collected it
	// themselves omit it. When given it must be true.
	Consent *bool `json:"consent,omitempty"`
}

// validSignup is a SignupInput once checked and normalised.
type validSignup struct {
	election   *elections.Election
	last       string
	birthName  string
	first      string
	birth      time.Time
	birthPlace string
	address    string
	postal     string
	city       string
	email      string
	phone      string
	commune    string
	bureau     string
	nne        string
	listNumber string
	roles      []Role
	rounds     []int
	maxKm      *float64
	preferred  []string
	// cityKept: the form was held before it asked for the town (migration
	// 018); the entry keeps its own when the address stays (updateSignup).
	cityKept bool
}

var (
	postalRe     = regexp.MustCompile(`^[0-9]{5}$`)
	listNumberRe = regexp.MustCompile(`^[0-9]{1,6}$`)
)

// checkListNumber checks the optional number on the commune's electoral
// list (the "numéro d'ordre" of the voter card), which R46 asks for with
// the commune. Spaces typed by people are removed; leading zeros are kept,
// as for the NNE: it is a number as printed, not a quantity.
func checkListNumber(errs check.Errors, field, s string) string {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if s != "" && !listNumberRe.MatchString(s) {
		errs.Add(field, "Le numéro d'ordre sur la liste électorale s'écrit avec 1 à 6 chiffres, sans lettres (il figure sur votre carte électorale). Laissez le champ vide si vous ne l'avez pas.")
	}
	return s
}

// maxCity bounds the town of a home address: the longest commune names
// are about 45 characters; 100 leaves room for a lieu-dit or a CEDEX.
const maxCity = 100

// checkCity checks the town of the person's home address, which R46's
// letter to the mairie prints after the postal code: required, one line,
// spaces collapsed.
func checkCity(errs check.Errors, field, s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return contact.Text(errs, field, "La commune de résidence", s, true, maxCity)
}

// validate checks a sign-up, reporting every bad field in French.
func (in *SignupInput) validate(ctx context.Context, q pgdb.Q, now time.Time) (*validSignup, error) {
	return in.validateWith(ctx, q, now, false)
}

// validateWith is validate; noCity is for a form held before the sign-up
// asked for the town (held): it has none, and is not refused for that.
func (in *SignupInput) validateWith(ctx context.Context, q pgdb.Q, now time.Time, noCity bool) (*validSignup, error) {
	errs := check.Errors{}
	v := &validSignup{}
	v.last = contact.Name(errs, "last_name", "Le nom", in.LastName, true)
	v.birthName = contact.Name(errs, "birth_name", "Le nom de naissance", in.BirthName, false)
	if strings.EqualFold(v.birthName, v.last) {
		v.birthName = ""
	}
	v.first = contact.Name(errs, "first_names", "Les prénoms", in.FirstNames, true)
	v.birthPlace = contact.Text(errs, "birth_place", "Le lieu de naissance", in.BirthPlace, true, 120)
	v.address = contact.Text(errs, "address", "L'adresse", in.Address, true, 300)
	v.postal = strings.TrimSpace(in.PostalCode)
	if v.postal == "" {
		errs.Add("postal_code", "Le code postal est obligatoire.")
	} else if !postalRe.MatchString(v.postal) {
		errs.Add("postal_code", "Le code postal compte 5 chiffres.")
	}
	if noCity {
		v.cityKept = true
	} else {
		v.city = checkCity(errs, "city", in.City)
	}
	v.email = contact.Email(errs, "email", in.Email)
	v.phone = contact.Phone(errs, "phone", in.Phone, true)
	commune, bureau, err := places.CheckPlace(ctx, q, errs, "commune_code", in.CommuneCode, "bureau_code", in.BureauCode, true)
	if err != nil {
		return nil, err
	}
	v.commune, v.bureau = commune, bureau
	v.nne = contact.VoterNumber(errs, "voter_number", in.VoterNumber)
	v.listNumber = checkListNumber(errs, "list_number", in.ListNumber)
	if in.Consent != nil {
		contact.Consent(errs, "consent", *in.Consent)
	}

	for _, r := range in.Roles {
		role := Role(strings.TrimSpace(r))
		if !role.Valid() {
			errs.Add("roles", "Rôle inconnu.")
			continue
		}
		if !slices.Contains(v.roles, role) {
			v.roles = append(v.roles, role)
		}
	}
	if len(in.Roles) == 0 {
		errs.Add("roles", "Choisissez au moins un rôle.")
	}
	slices.SortFunc(v.roles, func(a, b Role) int { return a.index() - b.index() })

	if in.MaxDistanceKm != nil {
		km, problem := ParseDistance(string(*in.MaxDistanceKm)) // 0: own bureau only
		if problem != "" {
			errs.Add("max_distance_km", problem)
		}
		v.maxKm = &km
	}

	e, err := elections.ResolveSignUp(ctx, q, strings.TrimSpace(in.Election), "election", now)
	if _, err := errs.Merge(err); err != nil {
		return nil, err
	}
	v.election = e
	if e != nil {
		// A volunteer may still sign up on the day: the bureau may need them.
		v.rounds = e.ChosenRounds(errs, in.Rounds, now, func(day, today time.Time) bool { return !day.Before(today) },
			"%s (%s) est passé.")
	}
	// 18 on the day of the first round chosen (R44: assesseurs are voters).
	adultOn := elections.Today(now)
	if e != nil && len(v.rounds) > 0 {
		r, _ := e.Round(v.rounds[0])
		adultOn = r.Date
	}
	v.birth = contact.BirthDate(errs, "birth_date", in.BirthDate, adultOn)

	if len(in.PreferredBureaux) > 10 {
		errs.Add("preferred_bureaux", "Indiquez au plus 10 bureaux.")
	}
	for _, p := range in.PreferredBureaux {
		id, err := normalizeBureauID(ctx, q, p)
		if err != nil {
			return nil, err
		}
		switch {
		case id == "":
			errs.Add("preferred_bureaux", fmt.Sprintf("Bureau inconnu : « %s » (forme attendue : 04209_1).", strings.TrimSpace(p)))
		case v.commune != "" && places.Departement(id[:5]) != places.Departement(v.commune):
			errs.Add("preferred_bureaux", "Les bureaux choisis doivent être dans le département où vous votez.")
		case !slices.Contains(v.preferred, id):
			v.preferred = append(v.preferred, id)
		}
	}
	return v, errs.Err()
}

// normalizeBureauID turns "04209_0001" or "4209_1" into "04209_1" when that
// bureau exists, else "".
func normalizeBureauID(ctx context.Context, q pgdb.Q, s string) (string, error) {
	c, b, ok := strings.Cut(strings.TrimSpace(s), "_")
	if !ok {
		return "", nil
	}
	commune, ok1 := places.NormalizeCommune(c)
	bureau, ok2 := places.NormalizeBureau(b)
	if !ok1 || !ok2 {
		return "", nil
	}
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM bureaux WHERE commune_code = $1 AND code = $2)`, commune, bureau).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		return "", nil
	}
	return commune + "_" + bureau, nil
}

// Volunteer statuses.
const (
	StatusActive    = "active"
	StatusWithdrawn = "withdrawn"
)

// Signed is the answer to a sign-up.
type Signed struct {
	ID     int64  `json:"id,omitempty"`
	Status string `json:"status"`
	// Held: the same e-mail had signed up for the election already. Nothing
	// changed: the form waits until the person confirms it from that
	// address (ConfirmChange). The answer then carries no id.
	Held bool `json:"-"`
}

// linkExpiry: links work until the day after the last round.
func linkExpiry(e *elections.Election) time.Time {
	d := e.LastRound().Date
	return time.Date(d.Year(), d.Month(), d.Day()+1, 23, 59, 0, 0, elections.Paris)
}

// Signup stores a new volunteer. It is the one path behind the form and
// the API; the volunteer receives a private link by e-mail. When the same
// e-mail already signed up for the election, nothing changes: anyone may
// send the form with anyone's address, so the form is held and a link to
// confirm it is sent to that address (changes.go).
func (d *Desk) Signup(ctx context.Context, in SignupInput) (*Signed, error) {
	now := d.now()
	v, err := in.validate(ctx, d.Pool, now)
	if err != nil {
		return nil, err
	}
	var out *Signed
	for attempt := 1; ; attempt++ {
		err = pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
			var err error
			out, err = d.insertSignup(ctx, tx, v, now)
			if err == nil && out == nil {
				out, err = d.holdChange(ctx, tx, in, v, now)
			}
			return err
		})
		// A sign-up with the same voter number committed while this one
		// was written: sent again, this one sees it (insertSignup).
		if !pgdb.IsUniqueViolation(err, "delegate_volunteers_voter_number_key") || attempt == 3 {
			return out, err
		}
	}
}

// columns returns the roles and preferred bureaux as stored.
func (v *validSignup) columns() (roles, preferred []string) {
	roles = make([]string, len(v.roles))
	for i, r := range v.roles {
		roles[i] = string(r)
	}
	preferred = v.preferred
	if preferred == nil {
		preferred = []string{}
	}
	return roles, preferred
}

// voterNumberOwners lists the addresses other than v's that v's voter
// number is signed up with for the election. The unique index of 009
// allows one at most (Signup and ConfirmChange answer for a clash), but
// not on a database that held duplicates before it, hence this look-up.
func voterNumberOwners(ctx context.Context, tx pgx.Tx, v *validSignup) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT email FROM delegate_volunteers WHERE election_id = $1 AND voter_number = $2 AND email <> $3 ORDER BY id`,
		v.election.ID, v.nne, v.email)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// checkVoterNumber refuses a voter number signed up with another e-mail
// when a change is confirmed from the link of one's own mailbox
// (updateSignup): that person may be told plainly.
func checkVoterNumber(ctx context.Context, tx pgx.Tx, v *validSignup) error {
	owners, err := voterNumberOwners(ctx, tx, v)
	if err != nil {
		return err
	}
	if len(owners) > 0 {
		return contact.VoterNumberTaken("voter_number")
	}
	return nil
}

// insertSignup stores a new volunteer; it answers nil (and changes
// nothing) when the e-mail has an entry for the election already, one
// committed before, or while it waited for a concurrent sign-up. A new
// e-mail with a voter number signed up under another one stores nothing
// either (voterNumberTaken).
func (d *Desk) insertSignup(ctx context.Context, tx pgx.Tx, v *validSignup, now time.Time) (*Signed, error) {
	owners, err := voterNumberOwners(ctx, tx, v)
	if err != nil {
		return nil, err
	}
	if len(owners) > 0 {
		var own bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM delegate_volunteers WHERE election_id = $1 AND email = $2)`,
			v.election.ID, v.email).Scan(&own); err != nil {
			return nil, err
		}
		if own {
			// A change of the sender's own entry: held like any other;
			// confirmed from that mailbox, it is refused plainly there.
			return nil, nil
		}
		return d.voterNumberTaken(ctx, tx, v, owners)
	}
	roles, preferred := v.columns()
	var id int64
	err = tx.QueryRow(ctx, `
		INSERT INTO delegate_volunteers (election_id, last_name, birth_name, first_names, birth_date, birth_place, address,
			postal_code, email, phone, commune_code, bureau_code, voter_number, roles, rounds, max_distance_km,
			preferred_bureaux, list_number, city, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $19, $20, 'active', $18, $18)
		ON CONFLICT (election_id, email) DO NOTHING
		RETURNING id`,
		v.election.ID, v.last, v.birthName, v.first, v.birth, v.birthPlace, v.address, v.postal, v.email, v.phone,
		v.commune, v.bureau, v.nne, roles, v.rounds, v.maxKm, preferred, now, v.listNumber, v.city).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	link, err := d.newLink(ctx, tx, id, v.election)
	if err != nil {
		return nil, err
	}
	if err := notify.Enqueue(ctx, tx, notify.Message{Channel: notify.Email, Recipient: v.email, Subject: "Merci pour votre inscription",
		Body: signupBody(v, link, false), Kind: "delegate.signup"}); err != nil {
		return nil, err
	}
	if err := staff.Audit(ctx, tx, staff.ActorPublic, "delegate_volunteer.create", "delegate_volunteer", fmt.Sprint(id),
		map[string]any{"election": v.election.Slug, "commune_code": v.commune, "rounds": v.rounds, "roles": roles, "seats_dropped": 0,
			"list_number_given": v.listNumber != ""}); err != nil {
		return nil, err
	}
	return &Signed{ID: id, Status: StatusActive}, nil
}

// voterNumberTaken answers a new e-mail sent with a voter number that the
// owners' addresses are signed up with: exactly as a change held (the HTTP
// answer must not tell whether a voter number is signed up), with nothing
// stored; the owners and the sender learn more by e-mail, within tx
// (contact.TakenVoterNumber; an owner once every ten minutes at most:
// TakenVoterNumber.Enqueue).
func (d *Desk) voterNumberTaken(ctx context.Context, tx pgx.Tx, v *validSignup, owners []string) (*Signed, error) {
	taken := contact.TakenVoterNumber{Election: v.election.Name, Form: "le formulaire d'inscription des assesseurs et délégués",
		Team: "L'équipe assesseurs et délégués", Kind: KindVoterNumberTaken, Sender: v.email, Owners: owners,
		Table: "delegate_volunteers", Entity: "delegate_volunteer", ElectionID: v.election.ID}
	if err := taken.Enqueue(ctx, tx); err != nil {
		return nil, err
	}
	return &Signed{Status: changes.StatusHeld, Held: true}, nil
}

// KindVoterNumberTaken is the outbox kind of the messages of
// voterNumberTaken.
const KindVoterNumberTaken = "delegate.voter_number"

// updateSignup replaces the entry of v's e-mail with v, once the person
// confirmed the change from that address (ConfirmChange): seats that no
// longer fit go, and a fresh private link is sent. An entry gone meanwhile
// is check.ErrNotFound. A form held before the sign-up asked for the town
// (v.cityKept) keeps the town on record if the address and postal code
// stay as they were; a new address leaves the town empty (NULL) rather
// than pair it with another town's: staff see it missing, and the letter
// prints the address as typed, as for the sign-ups made before the town
// was asked.
func (d *Desk) updateSignup(ctx context.Context, tx pgx.Tx, v *validSignup, now time.Time) error {
	if err := checkVoterNumber(ctx, tx, v); err != nil {
		return err
	}
	roles, preferred := v.columns()
	var id int64
	err := tx.QueryRow(ctx, `
		UPDATE delegate_volunteers SET
			last_name = $3, birth_name = $4, first_names = $5, birth_date = $6, birth_place = $7, address = $8,
			postal_code = $9, phone = $10, commune_code = $11, bureau_code = $12, voter_number = $13, list_number = $14,
			roles = $15, rounds = $16, max_distance_km = $17, preferred_bureaux = $18, status = 'active', updated_at = $19,
			city = CASE WHEN NOT $21 THEN $20 WHEN address = $8 AND postal_code = $9 THEN city END
		WHERE election_id = $1 AND email = $2
		RETURNING id`,
		v.election.ID, v.email, v.last, v.birthName, v.first, v.birth, v.birthPlace, v.address, v.postal, v.phone,
		v.commune, v.bureau, v.nne, v.listNumber, roles, v.rounds, v.maxKm, preferred, now, v.city, v.cityKept).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return check.ErrNotFound
	}
	if err != nil {
		return err
	}
	// Seats that no longer fit what the person now accepts are given back
	// (the département check covers a move to another one), under the
	// election's lock: a run writing meanwhile has committed by then, and
	// its seats are seen here.
	if err := lockElection(ctx, tx, v.election.ID); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `
		DELETE FROM delegate_assignments a USING delegate_volunteers v
		WHERE a.volunteer_id = $1 AND v.id = a.volunteer_id
		  AND (NOT (a.role = ANY (v.roles)) OR NOT (a.round = ANY (v.rounds))
		       OR departement_of(v.commune_code) <> departement_of(a.commune_code))`, id)
	if err != nil {
		return err
	}
	link, err := d.newLink(ctx, tx, id, v.election)
	if err != nil {
		return err
	}
	if err := notify.Enqueue(ctx, tx, notify.Message{Channel: notify.Email, Recipient: v.email, Subject: "Votre inscription a été mise à jour",
		Body: signupBody(v, link, true), Kind: "delegate.signup"}); err != nil {
		return err
	}
	return staff.Audit(ctx, tx, staff.ActorPublic, "delegate_volunteer.update", "delegate_volunteer", fmt.Sprint(id),
		map[string]any{"election": v.election.Slug, "commune_code": v.commune, "rounds": v.rounds, "roles": roles, "seats_dropped": tag.RowsAffected(),
			"list_number_given": v.listNumber != "", "confirmed_by_email": true, "city_given": !v.cityKept})
}

// lockElection takes the election's advisory lock for the transaction:
// runs, manual seats and the database trigger on delegate_assignments take
// it too (see the migration).
func lockElection(ctx context.Context, q pgdb.Q, electionID int64) error {
	_, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockKey, int32(electionID))
	return err
}

// newLink stores a fresh private link and returns its absolute URL.
func (d *Desk) newLink(ctx context.Context, q pgdb.Q, volunteerID int64, e *elections.Election) (string, error) {
	plain, hash := token.New()
	if _, err := q.Exec(ctx, `INSERT INTO delegate_links (token_hash, volunteer_id, expires_at) VALUES ($1, $2, $3)`,
		hash, volunteerID, linkExpiry(e)); err != nil {
		return "", err
	}
	return d.BaseURL + LinkPath + plain, nil
}

// ResolveLink finds the volunteer behind a private link; an unknown or
// expired link is check.ErrNotFound.
func ResolveLink(ctx context.Context, q pgdb.Q, plain string, now time.Time) (int64, error) {
	if plain == "" || len(plain) > 100 {
		return 0, check.ErrNotFound
	}
	var id int64
	err := q.QueryRow(ctx, `SELECT volunteer_id FROM delegate_links WHERE token_hash = $1 AND expires_at > $2`, token.Hash(plain), now).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, check.ErrNotFound
	}
	return id, err
}

// Seat is a seat held, as the volunteer and staff see it.
type Seat struct {
	ID          int64      `json:"-"`
	Round       int        `json:"round"`
	RoundDate   time.Time  `json:"-"`
	CommuneCode string     `json:"commune_code"`
	CommuneName string     `json:"-"`
	BureauCode  string     `json:"bureau_code"`
	BureauName  string     `json:"-"`
	Address     string     `json:"-"`
	Role        Role       `json:"role"`
	Source      string     `json:"-"`
	Confirmed   bool       `json:"confirmed"`
	ConfirmedAt *time.Time `json:"-"`
}

// Volunteer is one volunteer with their seats.
type Volunteer struct {
	ID               int64     `json:"id"`
	ElectionID       int64     `json:"-"`
	Status           string    `json:"status"`
	LastName         string    `json:"-"`
	BirthName        string    `json:"-"`
	FirstNames       string    `json:"-"`
	BirthDate        time.Time `json:"-"`
	BirthPlace       string    `json:"-"`
	Address          string    `json:"-"`
	PostalCode       string    `json:"-"`
	City             string    `json:"-"` // '' for a sign-up made before the form asked for it
	Email            string    `json:"-"`
	Phone            string    `json:"-"`
	CommuneCode      string    `json:"-"`
	CommuneName      string    `json:"-"`
	BureauCode       string    `json:"-"`
	VoterNumber      string    `json:"-"`
	ListNumber       string    `json:"-"` // '' when not given
	Roles            []Role    `json:"-"`
	Rounds           []int     `json:"-"`
	MaxDistanceKm    *float64  `json:"-"` // to a tenth of a km
	PreferredBureaux []string  `json:"-"`
	CreatedAt        time.Time `json:"-"`
	Seats            []Seat    `json:"assignments"`
}

// Name is "Prénoms NOM".
func (v *Volunteer) Name() string { return v.FirstNames + " " + strings.ToUpper(v.LastName) }

// Reach describes the travel limit in French.
func (v *Volunteer) Reach() string { return ReachText(v.MaxDistanceKm) }

// ReachText describes a travel limit in French ("sa commune d'inscription
// et 7,5 km autour").
func ReachText(km *float64) string {
	switch {
	case km == nil:
		return "sa commune d'inscription"
	case *km == 0:
		return "son bureau d'inscription seulement"
	default:
		return "sa commune d'inscription et " + KmText(*km) + " autour"
	}
}

const volunteerColumns = `v.id, v.election_id, v.status, v.last_name, v.birth_name, v.first_names, v.birth_date, v.birth_place,
	v.address, v.postal_code, v.email, v.phone, v.commune_code, coalesce(c.name, v.commune_code), v.bureau_code, v.voter_number,
	v.list_number, v.roles, v.rounds, v.max_distance_km, v.preferred_bureaux, v.created_at, coalesce(v.city, '')`

func scanVolunteer(row pgx.Row) (*Volunteer, error) {
	v := &Volunteer{}
	var roles []string
	var rounds []int16
	err := row.Scan(&v.ID, &v.ElectionID, &v.Status, &v.LastName, &v.BirthName, &v.FirstNames, &v.BirthDate, &v.BirthPlace,
		&v.Address, &v.PostalCode, &v.Email, &v.Phone, &v.CommuneCode, &v.CommuneName, &v.BureauCode, &v.VoterNumber,
		&v.ListNumber, &roles, &rounds, &v.MaxDistanceKm, &v.PreferredBureaux, &v.CreatedAt, &v.City)
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		v.Roles = append(v.Roles, Role(r))
	}
	for _, r := range rounds {
		v.Rounds = append(v.Rounds, int(r))
	}
	return v, nil
}

// loadVolunteer reads one volunteer and their seats; scope nil = national
// (the volunteer's own link), else the staff scope.
func loadVolunteer(ctx context.Context, q pgdb.Q, id int64, scoped bool, scope []string) (*Volunteer, error) {
	v, err := scanVolunteer(q.QueryRow(ctx, `SELECT `+volunteerColumns+`
		FROM delegate_volunteers v LEFT JOIN communes c ON c.code = v.commune_code
		WHERE v.id = $1 AND (NOT $2 OR in_scope(v.commune_code, $3))`, id, scoped, scope))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, check.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	v.Seats, err = seatsOf(ctx, q, []int64{id})
	return v, err
}

// seatsOf lists the seats of some volunteers, by round and bureau.
func seatsOf(ctx context.Context, q pgdb.Q, ids []int64) ([]Seat, error) {
	rows, err := q.Query(ctx, `
		SELECT a.id, a.round, r.date, a.commune_code, coalesce(c.name, a.commune_code), a.bureau_code,
			coalesce(b.name, ''), coalesce(b.address, ''), a.role, a.source, a.confirmed_at
		FROM delegate_assignments a
		JOIN rounds r ON r.election_id = a.election_id AND r.number = a.round
		LEFT JOIN communes c ON c.code = a.commune_code
		LEFT JOIN bureaux b ON b.commune_code = a.commune_code AND b.code = a.bureau_code
		WHERE a.volunteer_id = ANY ($1)
		ORDER BY a.round, a.commune_code, (CASE WHEN a.bureau_code ~ '^[0-9]+$' THEN a.bureau_code::bigint END), a.bureau_code`, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Seat, error) {
		var s Seat
		var role string
		err := row.Scan(&s.ID, &s.Round, &s.RoundDate, &s.CommuneCode, &s.CommuneName, &s.BureauCode, &s.BureauName, &s.Address, &role, &s.Source, &s.ConfirmedAt)
		s.Role, s.Confirmed = Role(role), s.ConfirmedAt != nil
		return s, err
	})
}

// ForStaff reads a volunteer within a staff member's scope.
func ForStaff(ctx context.Context, q pgdb.Q, u *staff.User, id int64) (*Volunteer, error) {
	return loadVolunteer(ctx, q, id, true, u.ScopeArg())
}

// ForLink reads the volunteer behind a private link.
func ForLink(ctx context.Context, q pgdb.Q, plain string, now time.Time) (*Volunteer, error) {
	id, err := ResolveLink(ctx, q, plain, now)
	if err != nil {
		return nil, err
	}
	return loadVolunteer(ctx, q, id, false, nil)
}

// Confirm records, through the private link, that the volunteer will sit
// where they are assigned. It reports how many seats were confirmed.
func (d *Desk) Confirm(ctx context.Context, plain string) (int64, error) {
	now := d.now()
	var n int64
	err := pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		id, err := ResolveLink(ctx, tx, plain, now)
		if err != nil {
			return err
		}
		// The election's lock before the seats' rows, in the order a run
		// takes them: the update's check trigger takes that lock too, and
		// after the rows it would deadlock with a run deleting them.
		var electionID int64
		if err := tx.QueryRow(ctx, `SELECT election_id FROM delegate_volunteers WHERE id = $1`, id).Scan(&electionID); err != nil {
			return err
		}
		if err := lockElection(ctx, tx, electionID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE delegate_assignments SET confirmed_at = $2 WHERE volunteer_id = $1 AND confirmed_at IS NULL`, id, now)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		if n == 0 {
			var seats int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM delegate_assignments WHERE volunteer_id = $1`, id).Scan(&seats); err != nil {
				return err
			}
			if seats > 0 {
				return &check.Conflict{Msg: "Votre présence est déjà confirmée."}
			}
			return &check.Conflict{Msg: "Vous n'avez pas d'affectation à confirmer."}
		}
		return staff.Audit(ctx, tx, staff.ActorPublic, "delegate_volunteer.confirm", "delegate_volunteer", fmt.Sprint(id), map[string]any{"seats": n})
	})
	return n, err
}

// Withdraw takes the volunteer out, through their private link: their
// seats become empty and later runs skip them. Sending the form again with
// the same e-mail brings them back, once confirmed from that address.
func (d *Desk) Withdraw(ctx context.Context, plain string) error {
	now := d.now()
	return pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		id, err := ResolveLink(ctx, tx, plain, now)
		if err != nil {
			return err
		}
		var email, first string
		var electionID int64
		err = tx.QueryRow(ctx, `UPDATE delegate_volunteers SET status = 'withdrawn', updated_at = $2 WHERE id = $1 AND status <> 'withdrawn'
			RETURNING email, first_names, election_id`, id, now).Scan(&email, &first, &electionID)
		if errors.Is(err, pgx.ErrNoRows) {
			// Withdrawn already (a second click, a reload): nobody to tell again.
			return &check.Conflict{Msg: "Votre retrait est déjà enregistré."}
		}
		if err != nil {
			return err
		}
		// See updateSignup: seats a run wrote meanwhile go too.
		if err := lockElection(ctx, tx, electionID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM delegate_assignments WHERE volunteer_id = $1`, id)
		if err != nil {
			return err
		}
		if err := notify.Enqueue(ctx, tx, notify.Message{Channel: notify.Email, Recipient: email, Subject: "Votre retrait est enregistré",
			Body: withdrawnBody(first), Kind: "delegate.withdrawn"}); err != nil {
			return err
		}
		return staff.Audit(ctx, tx, staff.ActorPublic, "delegate_volunteer.withdraw", "delegate_volunteer", fmt.Sprint(id), map[string]any{"seats_freed": tag.RowsAffected()})
	})
}

// VolunteerFilter narrows the staff list of volunteers.
type VolunteerFilter struct {
	ElectionID  int64
	Departement string
	Commune     string
	Role        Role
	Round       int
	Status      string // "active", "withdrawn", "free" (active, no seat), "assigned", "unconfirmed"
	Search      string // name or e-mail
	Limit       int    // volunteers a page, 500 by default, at most 2,000
	Page        int    // from 1
}

// VolunteerPage is one page of the staff list of volunteers.
type VolunteerPage struct {
	Volunteers []Volunteer
	Page       int
	PerPage    int
	More       bool // a next page exists
}

// First is the rank of the page's first volunteer in the list (from 1).
func (p *VolunteerPage) First() int { return (p.Page-1)*p.PerPage + 1 }

// Last is the rank of its last one.
func (p *VolunteerPage) Last() int { return p.First() + len(p.Volunteers) - 1 }

// ListVolunteers lists the volunteers within a staff member's scope, one
// page of f.Limit at a time (by commune, then name).
func ListVolunteers(ctx context.Context, q pgdb.Q, u *staff.User, f VolunteerFilter) (*VolunteerPage, error) {
	if f.Limit <= 0 || f.Limit > 2000 {
		f.Limit = 500
	}
	if f.Page < 1 {
		f.Page = 1
	}
	page := &VolunteerPage{Page: f.Page, PerPage: f.Limit, Volunteers: []Volunteer{}}
	search := "%" + strings.NewReplacer("%", "", "_", "").Replace(strings.ToLower(strings.TrimSpace(f.Search))) + "%"
	rows, err := q.Query(ctx, `SELECT `+volunteerColumns+`
		FROM delegate_volunteers v LEFT JOIN communes c ON c.code = v.commune_code
		WHERE v.election_id = $1 AND in_scope(v.commune_code, $2)
		  AND ($3 = '' OR departement_of(v.commune_code) = $3)
		  AND ($4 = '' OR v.commune_code = $4)
		  AND ($5 = '' OR $5 = ANY (v.roles))
		  AND ($6 = 0 OR $6 = ANY (v.rounds))
		  AND (CASE $7
		        WHEN 'active' THEN v.status = 'active'
		        WHEN 'withdrawn' THEN v.status = 'withdrawn'
		        WHEN 'free' THEN v.status = 'active' AND NOT EXISTS (SELECT 1 FROM delegate_assignments a WHERE a.volunteer_id = v.id AND ($6 = 0 OR a.round = $6))
		        WHEN 'assigned' THEN EXISTS (SELECT 1 FROM delegate_assignments a WHERE a.volunteer_id = v.id AND ($6 = 0 OR a.round = $6))
		        WHEN 'unconfirmed' THEN EXISTS (SELECT 1 FROM delegate_assignments a WHERE a.volunteer_id = v.id AND a.confirmed_at IS NULL AND ($6 = 0 OR a.round = $6))
		        ELSE true END)
		  AND ($8 = '%%' OR lower(v.last_name || ' ' || v.first_names || ' ' || v.email) LIKE $8)
		ORDER BY v.commune_code, v.last_name, v.first_names, v.id
		LIMIT $9 OFFSET $10`, f.ElectionID, u.ScopeArg(), f.Departement, f.Commune, string(f.Role), f.Round, f.Status, search,
		f.Limit+1, int64(f.Page-1)*int64(f.Limit))
	if err != nil {
		return nil, err
	}
	var out []Volunteer
	for rows.Next() {
		v, err := scanVolunteer(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, *v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) > f.Limit { // the row that tells a next page exists
		out, page.More = out[:f.Limit], true
	}
	if len(out) == 0 {
		return page, nil
	}
	page.Volunteers = out
	ids := make([]int64, len(out))
	at := map[int64]int{}
	for i, v := range out {
		ids[i] = v.ID
		at[v.ID] = i
	}
	seats, err := seatsOfWithOwner(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	for _, s := range seats {
		out[at[s.owner]].Seats = append(out[at[s.owner]].Seats, s.Seat)
	}
	return page, nil
}

type ownedSeat struct {
	Seat
	owner int64
}

func seatsOfWithOwner(ctx context.Context, q pgdb.Q, ids []int64) ([]ownedSeat, error) {
	rows, err := q.Query(ctx, `
		SELECT a.volunteer_id, a.id, a.round, a.commune_code, a.bureau_code, a.role, a.source, a.confirmed_at
		FROM delegate_assignments a WHERE a.volunteer_id = ANY ($1)
		ORDER BY a.round, a.commune_code, a.bureau_code`, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ownedSeat, error) {
		var s ownedSeat
		var role string
		err := row.Scan(&s.owner, &s.ID, &s.Round, &s.CommuneCode, &s.BureauCode, &role, &s.Source, &s.ConfirmedAt)
		s.Role, s.Confirmed = Role(role), s.ConfirmedAt != nil
		return s, err
	})
}
