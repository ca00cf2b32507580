package delegates

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/changes"
	"scrutin/logistics/check"
	"scrutin/logistics/contact"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// A volunteer who sends the form again (the same e-mail address for the
// same election) asks to change their entry. Anyone can send the form with
// anyone's address, and the entry ends up on the designation letter sent
// to the mairie: the change is held until it is confirmed from that
// address (logistics/changes), then applied by updateSignup.

// ChangePrefix is where the confirmation links of the sign-up form lead,
// before changes.LinkPath.
const ChangePrefix = "/assesseurs"

// changeWhat is what a held change modifies, as the confirmation page says.
const changeWhat = "votre inscription comme assesseur·e ou délégué·e"

// holdChange keeps the form as sent (in) and e-mails the link to confirm
// it to the entry's address, within tx. It changes nothing else and says
// nothing of the entry.
func (d *Desk) holdChange(ctx context.Context, tx pgx.Tx, in SignupInput, v *validSignup, now time.Time) (*Signed, error) {
	plain, err := changes.Hold(ctx, tx, changes.DelegateVolunteer, v.election.ID, v.email, in, now)
	if err != nil {
		return nil, err
	}
	// Staff see in the journal that a change waits (or was attempted by
	// someone else).
	var id int64
	if err := tx.QueryRow(ctx, `SELECT id FROM delegate_volunteers WHERE election_id = $1 AND email = $2`, v.election.ID, v.email).Scan(&id); err != nil {
		return nil, err
	}
	if err := staff.Audit(ctx, tx, staff.ActorPublic, "delegate_volunteer.change_held", "delegate_volunteer", fmt.Sprint(id), nil); err != nil {
		return nil, err
	}
	link := notify.Link(d.BaseURL, ChangePrefix+changes.LinkPath+plain)
	if err := notify.Enqueue(ctx, tx, notify.Message{Channel: notify.Email, Recipient: v.email, Kind: "delegate.change",
		Subject: "Confirmez la modification de votre inscription", Body: changeBody(v.election.Name, link)}); err != nil {
		return nil, err
	}
	return &Signed{Status: changes.StatusHeld, Held: true}, nil
}

// held decodes a held form and validates it again on q at now, for the
// entry's election whichever election the form named (or, naming none,
// the one open then). err is the validation's; in and e are set with it.
//
// A form held before the sign-up asked for the town (migration 018) has
// no "city": the person could not give one, and is not asked to send the
// form again for that. The change applies without it (validSignup.cityKept:
// the entry keeps its town, or stays without one, see updateSignup). A
// form held since has one, checked when it was sent.
func held(ctx context.Context, q pgdb.Q, c *changes.Change, now time.Time) (in *SignupInput, e *elections.Election, v *validSignup, err error) {
	in = &SignupInput{}
	if err := json.Unmarshal(c.Payload, in); err != nil {
		return nil, nil, nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(c.Payload, &fields); err != nil {
		return nil, nil, nil, err
	}
	_, hasCity := fields["city"]
	if e, err = elections.ByID(ctx, q, c.ElectionID); err != nil {
		return nil, nil, nil, err
	}
	in.Election = e.Slug
	v, err = in.validateWith(ctx, q, now, !hasCity)
	return in, e, v, err
}

// PendingChange describes the change a confirmation link would apply,
// without applying it: check.ErrNotFound when the link is unknown, used or
// expired. Neither the voter number nor the birth date is shown: whoever
// holds the link sees the page.
func (d *Desk) PendingChange(ctx context.Context, plain string) (*changes.Summary, error) {
	c, err := changes.Find(ctx, d.Pool, plain, d.now(), changes.DelegateVolunteer)
	if err != nil {
		return nil, err
	}
	// Validated again as ConfirmChange will, to say now why it would fail.
	in, e, _, err := held(ctx, d.Pool, c, d.now())
	problems, err := changes.Problems(err)
	if err != nil {
		return nil, err
	}
	commune := strings.TrimSpace(in.CommuneCode)
	if code, ok := places.NormalizeCommune(commune); ok {
		if commune, err = places.CommuneLabel(ctx, d.Pool, code); err != nil {
			return nil, err
		}
	}
	bureau := strings.TrimSpace(in.BureauCode)
	if b, ok := places.NormalizeBureau(bureau); ok {
		bureau = b
	}
	roles := make([]string, len(in.Roles))
	for i, r := range in.Roles {
		roles[i] = Role(strings.TrimSpace(r)).Label()
	}
	rounds := make([]string, len(in.Rounds))
	for i, n := range in.Rounds {
		rounds[i] = fmt.Sprint(n)
		if r, ok := e.Round(n); ok {
			rounds[i] = fr.Round(n) + " (" + frDate(r.Date) + ")"
		}
	}
	return &changes.Summary{What: changeWhat, CreatedAt: c.CreatedAt, Problems: problems, Lines: []changes.Line{
		{Label: "Nom", Value: strings.TrimSpace(in.LastName)},
		{Label: "Prénoms", Value: strings.TrimSpace(in.FirstNames)},
		{Label: "Téléphone", Value: strings.TrimSpace(in.Phone)},
		{Label: "Commune", Value: commune},
		{Label: "Bureau", Value: bureau},
		{Label: "Rôles", Value: strings.Join(roles, ", ")},
		{Label: "Tours", Value: strings.Join(rounds, " et ")},
		{Label: "Distance", Value: heldReach(in.MaxDistanceKm)},
	}}, nil
}

// heldReach is a held form's travel limit as the confirmation page says
// it, or as written when it is not one (the page then says why).
func heldReach(d *Distance) string {
	if d == nil {
		return reachYours(nil)
	}
	km, problem := ParseDistance(string(*d))
	if problem != "" {
		return strings.TrimSpace(string(*d))
	}
	return reachYours(&km)
}

// ConfirmChange applies the change of a confirmation link, in one
// transaction: the form held is validated again today, then applied as a
// second sending was before changes were held (updateSignup). The link
// works once; an entry gone meanwhile is check.ErrNotFound.
func (d *Desk) ConfirmChange(ctx context.Context, plain string) error {
	now := d.now()
	err := pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		c, err := changes.Take(ctx, tx, plain, now, changes.DelegateVolunteer)
		if err != nil {
			return err
		}
		_, _, v, err := held(ctx, tx, c, now)
		if err != nil {
			return err
		}
		if v.email != c.Email {
			return check.ErrNotFound
		}
		return d.updateSignup(ctx, tx, v, now)
	})
	if pgdb.IsUniqueViolation(err, "delegate_volunteers_voter_number_key") {
		return contact.VoterNumberTaken("voter_number")
	}
	return err
}
