package proxies

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/changes"
	"scrutin/logistics/elections"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
)

// sameRequest is the id of the person's request when it holds exactly v
// (its rounds not cancelled included), else 0.
func sameRequest(ctx context.Context, q pgdb.Q, v *validPerson) (int64, error) {
	return sameEntry(q.QueryRow(ctx, `
		SELECT r.id FROM proxy_requests r
		WHERE r.election_id = $1 AND r.email = $2 AND r.first_name = $3 AND r.last_name = $4 AND r.phone = $5
			AND r.commune_code = $6 AND r.bureau_code = $7
			AND ARRAY(SELECT rr.round FROM proxy_request_rounds rr WHERE rr.request_id = r.id AND rr.status <> 'cancelled'
				ORDER BY rr.round) = $8::smallint[]`,
		v.election.ID, v.email, v.first, v.last, v.phone, v.commune, v.bureau, sortedRounds(v.rounds)))
}

// sameVolunteer is sameRequest for a volunteer still signed up.
func sameVolunteer(ctx context.Context, q pgdb.Q, v *validVolunteer) (int64, error) {
	return sameEntry(q.QueryRow(ctx, `
		SELECT pv.id FROM proxy_volunteers pv
		WHERE pv.election_id = $1 AND pv.email = $2 AND pv.first_name = $3 AND pv.last_name = $4 AND pv.phone = $5
			AND pv.commune_code = $6 AND pv.bureau_code = $7 AND pv.status = 'active'
			AND pv.birth_date = $8 AND pv.voter_number = $9 AND pv.max_distance_km = $10
			AND ARRAY(SELECT vr.round FROM proxy_volunteer_rounds vr WHERE vr.volunteer_id = pv.id ORDER BY vr.round) = $11::smallint[]`,
		v.election.ID, v.email, v.first, v.last, v.phone, v.commune, v.bureau, v.birth, v.nne, v.distance, sortedRounds(v.rounds)))
}

func sameEntry(row pgx.Row) (int64, error) {
	var id int64
	if err := row.Scan(&id); errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	return id, nil
}

func sortedRounds(rounds []int) []int16 {
	out := make([]int16, len(rounds))
	for i, r := range rounds {
		out[i] = int16(r)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// resendLink answers a form sent again with exactly what the person's
// entry holds (a double click, the back button, a lost e-mail): there is
// nothing to confirm. The person's page link
// goes to the entry's address again (whoever sent the form, only the
// mailbox of record reads it), unless a link to that page was made in the
// last ten minutes (a double click: the first e-mail is on its way).
func (d *Desk) resendLink(ctx context.Context, kind string, id int64, e *elections.Election, email, first string) (*Submitted, error) {
	table, col, what := "proxy_requests", "request_id", "votre demande de procuration"
	if kind == "volunteer" {
		table, col, what = "proxy_volunteers", "volunteer_id", "votre inscription pour porter une procuration"
	}
	err := pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		// Two clicks at once wait for each other here: the second sees
		// the link the first made.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM `+table+` WHERE id = $1 FOR UPDATE`, id); err != nil {
			return err
		}
		var recent bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM proxy_links WHERE `+col+` = $1 AND created_at > now() - interval '10 minutes')`,
			id).Scan(&recent); err != nil || recent {
			return err
		}
		link, err := d.newLink(ctx, tx, kind, id, linkExpiry(e))
		if err != nil {
			return err
		}
		if err := staff.Audit(ctx, tx, staff.ActorPublic, "proxy_"+kind+".link_resent", "proxy_"+kind, fmt.Sprint(id), nil); err != nil {
			return err
		}
		return notify.Enqueue(ctx, tx, notify.Message{Channel: notify.Email, Recipient: email, Kind: "proxy.link",
			Subject: "Le lien de votre page", Body: linkResentBody(first, what, e.Name, link)})
	})
	if err != nil {
		return nil, err
	}
	// Answered as a change held: the answer must not tell a guess of the
	// person's details (their phone, their NNE) from a wrong one. Only the
	// mailbox of record learns that nothing changed.
	return &Submitted{Status: changes.StatusHeld, Held: true}, nil
}

func linkResentBody(first, what, election, link string) string {
	return fmt.Sprintf(`Bonjour %s,

Le formulaire vient d'être envoyé de nouveau avec votre adresse e-mail, sans rien changer : %s pour l'élection « %s » est enregistrée telle quelle.
Voici de nouveau le lien de votre page, pour la suivre : %s

Si vous n'êtes pas à l'origine de cet envoi, ignorez ce message : rien n'a changé.`, first, what, election, link) + signature
}
