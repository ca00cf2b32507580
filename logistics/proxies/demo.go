package proxies

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/elections"
	"scrutin/logistics/staff"
)

type demoPerson struct {
	first, last, commune, bureau string
	rounds                       []int
	birth, nne                   string // volunteers only
	km                           int
}

// Illustrative people (fictitious names, example.org addresses) in the
// demo communes, so that a newcomer sees a queue with every status.
var (
	demoVolunteers = []demoPerson{
		{"Lucie", "Martin", "04070", "1", []int{1, 2}, "1985-03-14", "123456789", 10},
		{"Hugo", "Bernard", "04070", "3", []int{1}, "1992-11-02", "234567891", 15},
		{"Inès", "Robert", "04112", "2", []int{1, 2}, "1978-06-21", "34567891", 10},
		{"Paul", "Petit", "75104", "8", []int{1, 2}, "1990-01-30", "456789123", 5},
		{"Chloé", "Garcia", "75104", "", []int{2}, "2001-09-09", "567891234", 5},
	}
	demoRequests = []demoPerson{
		{"Jeanne", "Moreau", "04070", "2", []int{1, 2}, "", "", 0},
		{"Marc", "Lefèvre", "04070", "", []int{1}, "", "", 0},
		{"Sofia", "Roux", "04112", "1", []int{1}, "", "", 0},
		{"Nadia", "Fournier", "04112", "3", []int{2}, "", "", 0},
		{"Thomas", "Girard", "75104", "13", []int{1, 2}, "", "", 0},
		{"Éric", "Bonnet", "04209", "1", []int{1}, "", "", 0},
	}
)

func demoEmail(p demoPerson) string {
	return fmt.Sprintf("%s.%s@example.org", asciiFold(p.first), asciiFold(p.last))
}

func asciiFold(s string) string {
	out := []rune{}
	for _, r := range s {
		switch r {
		case 'é', 'è', 'ê', 'É':
			r = 'e'
		case 'ï', 'î':
			r = 'i'
		case 'ç':
			r = 'c'
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		if r >= 'a' && r <= 'z' {
			out = append(out, r)
		}
	}
	return string(out)
}

// LoadDemo is the proxies' demo.Loader: a few volunteers and requests in
// the demo communes, matched by the real engine, one offer accepted and one
// proxy established, and requests left open (one far from any volunteer).
func LoadDemo(ctx context.Context, tx pgx.Tx, e *elections.Election, now time.Time, baseURL string) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM proxy_requests WHERE election_id = $1`, e.ID).Scan(&n); err != nil || n > 0 {
		return err // already loaded
	}
	d := &Desk{BaseURL: baseURL, Now: func() time.Time { return now }, Expiry: DefaultExpiry, GlobalMaxKm: MaxTravelKm, InstantOff: true}
	for i, p := range demoVolunteers {
		in := NewVolunteerInput(demoInput(e, p, fmt.Sprintf("0601020%03d", i)), p.birth, p.nne, p.km)
		v, err := in.validate(ctx, tx, now)
		if err != nil {
			return fmt.Errorf("demo volunteer %d: %w", i, err)
		}
		if _, _, err := d.saveVolunteer(ctx, tx, v, now); err != nil {
			return err
		}
	}
	for i, p := range demoRequests {
		in := RequestInput(demoInput(e, p, fmt.Sprintf("0611020%03d", i)))
		v, err := in.validate(ctx, tx, now)
		if err != nil {
			return fmt.Errorf("demo request %d: %w", i, err)
		}
		if _, _, err := d.saveRequest(ctx, tx, v, now); err != nil {
			return err
		}
		// Spread the requests over the last days so that ages differ.
		if _, err := tx.Exec(ctx, `UPDATE proxy_requests SET created_at = $2 WHERE election_id = $1 AND email = $3`,
			e.ID, now.Add(-time.Duration(len(demoRequests)-i)*7*time.Hour), v.email); err != nil {
			return err
		}
	}
	if _, err := d.match(ctx, tx, e.ID, MatchOptions{Actor: staff.ActorCLI}); err != nil {
		return err
	}
	// Jeanne's volunteer accepted; Sofia's accepted and she made the proxy.
	for i, who := range []string{"jeanne.moreau@example.org", "sofia.roux@example.org"} {
		status := RoundAccepted
		if i == 1 {
			status = RoundEstablished
		}
		if _, err := tx.Exec(ctx, `
			WITH acc AS (
				UPDATE proxy_offers o SET status = 'accepted', answered_at = $3
				FROM proxy_requests r WHERE r.id = o.request_id AND r.election_id = $1 AND r.email = $2 AND o.status = 'pending'
				RETURNING o.request_id, o.round, o.volunteer_id)
			UPDATE proxy_request_rounds rr SET status = $4, volunteer_id = acc.volunteer_id, status_at = $3
			FROM acc WHERE rr.request_id = acc.request_id AND rr.round = acc.round`, e.ID, who, now, status); err != nil {
			return err
		}
	}
	return nil
}

func demoInput(e *elections.Election, p demoPerson, phone string) Person {
	return Person{Election: e.Slug, FirstName: p.first, LastName: p.last, Email: demoEmail(p),
		Phone: phone, CommuneCode: p.commune,
		BureauCode: p.bureau, Rounds: p.rounds, Consent: true}
}
