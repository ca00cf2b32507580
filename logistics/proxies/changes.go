package proxies

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// A person who sends a form again (the same e-mail address for the same
// election) asks to change their entry: the change is held until they
// confirm it from that address (logistics/changes), then applied by
// updateRequest or updateVolunteer as if just sent.

// ChangePrefix is where the confirmation links of the proxy forms lead,
// before changes.LinkPath.
const ChangePrefix = "/procuration"

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
		// Staff see in the entry's history that a change waits (or was
		// attempted by someone else).
		table := map[string]string{changes.ProxyRequest: "proxy_requests", changes.ProxyVolunteer: "proxy_volunteers"}[kind]
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM `+table+` WHERE election_id = $1 AND email = $2`, e.ID, email).Scan(&id); err != nil {
			return err
		}
		if err := staff.Audit(ctx, tx, staff.ActorPublic, kind+".change_held", kind, fmt.Sprint(id), nil); err != nil {
			return err
		}
		return notify.Enqueue(ctx, tx, notify.Message{Channel: notify.Email, Recipient: email, Kind: "proxy.change",
			Subject: "Confirmez la modification de " + what,
			Body:    changeBody(e, what, notify.Link(d.BaseURL, ChangePrefix+changes.LinkPath+plain))})
	})
	if err != nil {
		return nil, err
	}
	return &Submitted{Status: changes.StatusHeld, Held: true}, nil
}

func changeBody(e *elections.Election, what, link string) string {
	return fmt.Sprintf(`Bonjour,

Le formulaire de %s pour l'élection « %s » vient d'être envoyé de nouveau avec votre adresse e-mail.
Rien ne change tant que vous ne confirmez pas ces modifications, ici (lien valable %d heures) :
%s

Si vous n'êtes pas à l'origine de cet envoi, ignorez ce message : %s reste telle qu'elle est.`,
		what, e.Name, int(changes.TTL.Hours()), link, what) + signature
}

// held decodes a held form and validates it again on q today, for the
// entry's election whichever the form named: a request gives req, a
// volunteer vol and req (their person). err is the validation's; the
// values are then as far as it got.
func held(ctx context.Context, q pgdb.Q, c *changes.Change, now time.Time) (req *validPerson, vol *validVolunteer, err error) {
	e, err := elections.ByID(ctx, q, c.ElectionID)
	if err != nil {
		return nil, nil, err
	}
	if c.Kind == changes.ProxyRequest {
		var in RequestInput
		if err := json.Unmarshal(c.Payload, &in); err != nil {
			return nil, nil, err
		}
		in.Election = e.Slug
		req, err = in.validate(ctx, q, now)
		return req, nil, err
	}
	var in VolunteerInput
	if err := json.Unmarshal(c.Payload, &in); err != nil {
		return nil, nil, err
	}
	in.Election = e.Slug
	vol, err = in.validate(ctx, q, now)
	if vol != nil {
		req = vol.validPerson
	}
	return req, vol, err
}

// PendingChange describes the change a confirmation link would apply,
// without applying it: the values as they would be stored and, if the
// form no longer passes the checks, why.
func (d *Desk) PendingChange(ctx context.Context, plain string) (*changes.Summary, error) {
	now := d.now()
	c, err := changes.Find(ctx, d.Pool, plain, now, changes.ProxyRequest, changes.ProxyVolunteer)
	if err != nil {
		return nil, err
	}
	v, vol, err := held(ctx, d.Pool, c, now)
	problems, err := changes.Problems(err)
	if err != nil {
		return nil, err
	}
	sum := &changes.Summary{What: "votre demande de procuration", CreatedAt: c.CreatedAt, Problems: problems}
	if vol != nil {
		sum.What = "votre inscription pour porter une procuration"
	}
	commune, err := places.CommuneLabel(ctx, d.Pool, v.commune)
	if err != nil {
		return nil, err
	}
	bureau, err := bureauLine(ctx, d.Pool, v.commune, v.bureau)
	if err != nil {
		return nil, err
	}
	rounds := ""
	if v.election != nil {
		rounds = roundsText(v, v.rounds)
	}
	for _, l := range [][2]string{{"Prénom", v.first}, {"Nom", v.last}, {"Téléphone", fr.Phone(v.phone)},
		{"Commune", commune}, {"Bureau de vote", bureau}, {"Tours", rounds}} {
		sum.Lines = append(sum.Lines, changes.Line{Label: l[0], Value: l[1]})
	}
	if vol != nil {
		sum.Lines = append(sum.Lines, changes.Line{Label: "Distance maximale", Value: fmt.Sprintf("%d km", vol.distance)})
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
		v, vol, err := held(ctx, tx, c, now)
		if err != nil {
			return err
		}
		if v.email != c.Email {
			return check.ErrNotFound
		}
		if vol != nil {
			events, err = d.updateVolunteer(ctx, tx, vol, now)
		} else {
			events, err = d.updateRequest(ctx, tx, v, now)
		}
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
