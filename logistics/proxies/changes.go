package proxies

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/changes"
	"scrutin/logistics/check"
	"scrutin/logistics/contact"
	"scrutin/logistics/elections"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
)

// A person who sends a form again (the same e-mail address for the same
// election) asks to change their entry: the change is held until they
// confirm it from that address (logistics/changes), then applied by
// updateRequest or updateVolunteer as if just sent.

// ChangePrefix is where the confirmation links of the proxy forms lead,
// before changes.LinkPath.
const ChangePrefix = "/procuration"

// StatusHeld is the status answered for a form sent again: the change
// waits for its confirmation.
const StatusHeld = "confirmation_pending"

// holdChange keeps the form sent again and e-mails its confirmation link
// to the entry's address.
func (d *Desk) holdChange(ctx context.Context, kind string, e *elections.Election, email string, form any, now time.Time) (*Submitted, error) {
	what := "votre demande de procuration"
	if kind == changes.ProxyVolunteer {
		what = "votre inscription pour porter une procuration"
	}
	err := pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		plain, err := changes.Hold(ctx, tx, kind, e.ID, email, form, now)
		if err != nil {
			return err
		}
		return notify.Enqueue(ctx, tx, notify.Message{Channel: notify.Email, Recipient: email, Kind: "proxy.change",
			Subject: "Confirmez la modification de " + what,
			Body:    changeBody(e, what, notify.Link(d.BaseURL, ChangePrefix+changes.LinkPath+plain))})
	})
	if err != nil {
		return nil, err
	}
	return &Submitted{Status: StatusHeld, Held: true}, nil
}

func changeBody(e *elections.Election, what, link string) string {
	return fmt.Sprintf(`Bonjour,

Le formulaire de %s (%s) vient d'être envoyé de nouveau avec votre adresse e-mail.
Rien ne change tant que vous ne confirmez pas ces modifications, ici (lien valable %d heures) :
%s

Si vous n'êtes pas à l'origine de cet envoi, ignorez ce message : %s reste telle qu'elle est.`,
		what, e.Name, int(changes.TTL.Hours()), link, what) + signature
}

// PendingChange describes the change a confirmation link would apply,
// without applying it.
func (d *Desk) PendingChange(ctx context.Context, plain string) (*changes.Summary, error) {
	c, err := changes.Find(ctx, d.Pool, plain, d.now(), changes.ProxyRequest, changes.ProxyVolunteer)
	if err != nil {
		return nil, err
	}
	sum := &changes.Summary{CreatedAt: c.CreatedAt}
	var p Person
	var km *int
	switch c.Kind {
	case changes.ProxyRequest:
		var in RequestInput
		if err := json.Unmarshal(c.Payload, &in); err != nil {
			return nil, err
		}
		p, sum.What = Person(in), "votre demande de procuration"
	default:
		var in VolunteerInput
		if err := json.Unmarshal(c.Payload, &in); err != nil {
			return nil, err
		}
		p, km, sum.What = in.Person(), in.MaxDistanceKm, "votre inscription pour porter une procuration"
	}
	rounds := make([]string, len(p.Rounds))
	for i, r := range p.Rounds {
		rounds[i] = fmt.Sprint(r)
	}
	for _, l := range [][2]string{{"Prénom", p.FirstName}, {"Nom", p.LastName}, {"Téléphone", p.Phone},
		{"Commune (code INSEE)", p.CommuneCode}, {"Bureau de vote", p.BureauCode}, {"Tours", strings.Join(rounds, " et ")}} {
		sum.Lines = append(sum.Lines, changes.Line{Label: l[0], Value: l[1]})
	}
	if km != nil {
		sum.Lines = append(sum.Lines, changes.Line{Label: "Distance maximale", Value: fmt.Sprintf("%d km", *km)})
	}
	return sum, nil
}

// ConfirmChange applies the change of a confirmation link: the form is
// validated again today, then applied as a second sending was before
// changes were held, in one transaction.
func (d *Desk) ConfirmChange(ctx context.Context, plain string) error {
	now := d.now()
	var events []event
	err := pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		c, err := changes.Take(ctx, tx, plain, now, changes.ProxyRequest, changes.ProxyVolunteer)
		if err != nil {
			return err
		}
		var who *validPerson
		var update func() ([]event, error)
		if c.Kind == changes.ProxyRequest {
			var in RequestInput
			if err := json.Unmarshal(c.Payload, &in); err != nil {
				return err
			}
			v, err := in.validate(ctx, tx, now)
			if err != nil {
				return err
			}
			who, update = v, func() ([]event, error) { return d.updateRequest(ctx, tx, v, now) }
		} else {
			var in VolunteerInput
			if err := json.Unmarshal(c.Payload, &in); err != nil {
				return err
			}
			v, err := in.validate(ctx, tx, now)
			if err != nil {
				return err
			}
			who, update = v.validPerson, func() ([]event, error) { return d.updateVolunteer(ctx, tx, v, now) }
		}
		if !c.Of(who.election.ID, who.email) {
			return check.ErrNotFound
		}
		events, err = update()
		return err
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows): // the entry is gone (purged)
		return check.ErrNotFound
	case pgdb.IsUniqueViolation(err, "proxy_volunteers_voter_number_key"):
		return contact.VoterNumberTaken("voter_number")
	case err != nil:
		return err
	}
	d.trigger(events...)
	return nil
}
