package proxies

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/notify"
	"scrutin/logistics/token"
)

// offerNote is one offer message to write: a volunteer, a request, and
// the offers between them (one per round).
type offerNote struct {
	volunteerID, requestID int64
	rounds                 []int
	km                     *float64
	expires                time.Time
}

// noteOffers groups offers by volunteer and request: one message per pair,
// both rounds together, with the earliest deadline.
func noteOffers(add []Assignment, km []float64, expires []time.Time) []offerNote {
	idx := make(map[[2]int64]int, len(add))
	notes := make([]offerNote, 0, len(add))
	for i, a := range add {
		k := [2]int64{a.VolunteerID, a.RequestID}
		j, ok := idx[k]
		if !ok {
			j = len(notes)
			idx[k] = j
			notes = append(notes, offerNote{volunteerID: a.VolunteerID, requestID: a.RequestID, km: &km[i], expires: expires[i]})
		}
		n := &notes[j]
		n.rounds = append(n.rounds, a.Round)
		if expires[i].Before(n.expires) {
			n.expires = expires[i]
		}
	}
	return notes
}

// offerMessages writes the offer messages, each with a new private link to
// the volunteer's page. Go draws the links' secrets (token.New) and says
// which rounds; the database joins the people and composes the text from
// offerTemplate, so that a batch of 100,000 offers does not ship every
// name and message back and forth.
func (d *Desk) offerMessages(ctx context.Context, tx pgx.Tx, now, linkExpiry time.Time, dates map[int]time.Time, notes []offerNote) error {
	if len(notes) == 0 {
		return nil
	}
	n := len(notes)
	vols, reqs := make([]int64, n), make([]int64, n)
	rounds, secrets := make([]string, n), make([]string, n)
	kms := make([]*float64, n)
	deadlines := make([]time.Time, n)
	hashes := make([][]byte, n)
	for i, note := range notes {
		sort.Ints(note.rounds)
		parts := make([]string, len(note.rounds))
		for j, r := range note.rounds {
			parts[j] = fmt.Sprintf("le tour %d (%s)", r, frDate(dates[r]))
		}
		vols[i], reqs[i], rounds[i], kms[i], deadlines[i] = note.volunteerID, note.requestID, strings.Join(parts, " et "), note.km, note.expires
		secrets[i], hashes[i] = token.New()
	}
	if n > 1000 {
		// unnest() is estimated at 100 rows: the planner would look every
		// person up one by one. Hash joins, for this statement only.
		if _, err := tx.Exec(ctx, `SET LOCAL enable_nestloop = off`); err != nil {
			return err
		}
		defer tx.Exec(ctx, `SET LOCAL enable_nestloop = on`)
	}
	_, err := tx.Exec(ctx, `
		WITH g AS MATERIALIZED (
			SELECT * FROM unnest($5::bigint[], $6::bigint[], $7::text[], $8::float8[], $9::timestamptz[], $10::text[], $11::bytea[])
				AS g(volunteer_id, request_id, rounds, km, expires_at, secret, hash)
		), link AS (
			INSERT INTO proxy_links (token_hash, volunteer_id, created_at, expires_at) SELECT hash, volunteer_id, $1, $2 FROM g
		), message AS (
			INSERT INTO outbox (channel, recipient, subject, body, kind)
			SELECT 'email', v.email, 'Une personne a besoin de vous pour voter',
				format($4, v.first_name, r.first_name, c.name, g.rounds,
					CASE WHEN r.bureau_code = '' THEN format('dans un bureau de %s (à préciser avec elle)', c.name)
					ELSE format('au bureau %s de %s', r.bureau_code, c.name) ||
						CASE WHEN coalesce(b.name, '') = '' THEN '' ELSE ' (' || b.name ||
							CASE WHEN b.address = '' THEN '' ELSE ', ' || b.address END || ')' END
					END,
					CASE WHEN g.km IS NULL OR g.km < 0.1 THEN '' ELSE format(', à %s km', replace(to_char(g.km, 'FM9990.0'), '.', ',')) END,
					to_char(g.expires_at AT TIME ZONE 'Europe/Paris', 'DD/MM/YYYY "à" HH24"h"MI'),
					$3 || g.secret),
				'proxy.offer'
			FROM g
			JOIN proxy_volunteers v ON v.id = g.volunteer_id
			JOIN proxy_requests r ON r.id = g.request_id
			JOIN communes c ON c.code = r.commune_code
			LEFT JOIN bureaux b ON b.commune_code = r.commune_code AND b.code = r.bureau_code
		)
		SELECT pg_notify('`+notify.WakeChannel+`', '')`,
		now, linkExpiry, d.url(""), offerTemplate, vols, reqs, rounds, kms, deadlines, secrets, hashes)
	return err
}
