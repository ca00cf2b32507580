package proxies

import (
	"context"
	"fmt"
	"strings"
	"time"

	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
)

// Rows for the staff workbook (exports/proxies.go), streamed so that memory
// stays bounded whatever the size, and always within the staff scope.

// RequestRow is one request round with its pairing.
type RequestRow struct {
	RequestID   int64
	Round       int
	RoundDate   time.Time
	Status      string
	FirstName   string
	LastName    string
	Email       string
	Phone       string
	CommuneCode string
	CommuneName string
	BureauCode  string
	CreatedAt   time.Time
	// The live offer, if any.
	OfferStatus    string
	OfferExpiresAt *time.Time
	DistanceKm     *float64
	VolunteerID    *int64
	VolunteerName  string
	VolunteerPhone string // only when the volunteer is in scope too
}

// VolunteerRow is one volunteer with what they carry per round.
type VolunteerRow struct {
	ID            int64
	FirstName     string
	LastName      string
	Email         string
	Phone         string
	CommuneCode   string
	CommuneName   string
	BureauCode    string
	MaxDistanceKm int
	Status        string
	Rounds        []int
	Round1        string // "n° 12 – Jeanne Moreau (acceptée)" or ""
	Round2        string
}

// exportWhere narrows to the election, u's scope and the optional
// département or commune.
func exportWhere(alias string, u *staff.User, electionID int64, f Filter) (string, []any) {
	args := []any{u.ScopeArg(), electionID}
	conds := []string{fmt.Sprintf(`in_scope(%s.commune_code, $1)`, alias), alias + `.election_id = $2`}
	if f.Departement != "" {
		args = append(args, f.Departement)
		conds = append(conds, fmt.Sprintf(`departement_of(%s.commune_code) = $%d`, alias, len(args)))
	}
	if f.Commune != "" {
		args = append(args, f.Commune)
		conds = append(conds, fmt.Sprintf(`%s.commune_code = $%d`, alias, len(args)))
	}
	return strings.Join(conds, " AND "), args
}

// EachRequestRound calls fn for every request round in u's scope, by
// commune, request and round.
func EachRequestRound(ctx context.Context, q pgdb.Q, u *staff.User, electionID int64, f Filter, fn func(RequestRow) error) error {
	where, args := exportWhere("r", u, electionID, f)
	rows, err := q.Query(ctx, `
		SELECT r.id, rr.round, rd.date, rr.status, r.first_name, r.last_name, r.email, r.phone, r.commune_code, c.name, r.bureau_code, r.created_at,
			coalesce(o.status, ''), o.expires_at, o.distance_km, o.volunteer_id, coalesce(v.first_name || ' ' || v.last_name, ''),
			CASE WHEN in_scope(v.commune_code, $1) THEN coalesce(v.phone, '') ELSE '' END
		FROM proxy_request_rounds rr
		JOIN proxy_requests r ON r.id = rr.request_id
		JOIN communes c ON c.code = r.commune_code
		JOIN rounds rd ON rd.election_id = r.election_id AND rd.number = rr.round
		LEFT JOIN proxy_offers o ON o.request_id = rr.request_id AND o.round = rr.round AND o.status IN ('pending', 'accepted')
		LEFT JOIN proxy_volunteers v ON v.id = o.volunteer_id
		WHERE `+where+` ORDER BY r.commune_code, r.id, rr.round`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var x RequestRow
		var n int16
		if err := rows.Scan(&x.RequestID, &n, &x.RoundDate, &x.Status, &x.FirstName, &x.LastName, &x.Email, &x.Phone, &x.CommuneCode,
			&x.CommuneName, &x.BureauCode, &x.CreatedAt, &x.OfferStatus, &x.OfferExpiresAt, &x.DistanceKm, &x.VolunteerID,
			&x.VolunteerName, &x.VolunteerPhone); err != nil {
			return err
		}
		x.Round = int(n)
		if err := fn(x); err != nil {
			return err
		}
	}
	return rows.Err()
}

// volunteerPairing is the SQL of a volunteer's live pairing in round n
// (VolunteerRow.Round1, Round2): the mandant's name only when their
// commune is in the scope ($1) too, else their commune's.
func volunteerPairing(n int) string {
	return fmt.Sprintf(`coalesce((SELECT 'n° ' || o.request_id || ' – ' ||
				CASE WHEN in_scope(r.commune_code, $1) THEN r.first_name || ' ' || r.last_name ELSE rc.name || ', hors périmètre' END ||
				' (' || CASE rr.status WHEN 'proposed' THEN 'proposée' WHEN 'accepted' THEN 'acceptée' WHEN 'established' THEN 'établie' ELSE rr.status END || ')'
			FROM proxy_offers o JOIN proxy_requests r ON r.id = o.request_id JOIN communes rc ON rc.code = r.commune_code
			JOIN proxy_request_rounds rr ON rr.request_id = o.request_id AND rr.round = o.round
			WHERE o.volunteer_id = v.id AND o.round = %d AND o.status IN ('pending', 'accepted') LIMIT 1), '')`, n)
}

// EachVolunteer calls fn for every volunteer in u's scope, by commune.
func EachVolunteer(ctx context.Context, q pgdb.Q, u *staff.User, electionID int64, f Filter, fn func(VolunteerRow) error) error {
	where, args := exportWhere("v", u, electionID, f)
	rows, err := q.Query(ctx, `
		SELECT v.id, v.first_name, v.last_name, v.email, v.phone, v.commune_code, c.name, v.bureau_code,
			v.max_distance_km, v.status,
			coalesce((SELECT array_agg(round::int ORDER BY round) FROM proxy_volunteer_rounds WHERE volunteer_id = v.id), '{}'),
			`+volunteerPairing(1)+`,
			`+volunteerPairing(2)+`
		FROM proxy_volunteers v JOIN communes c ON c.code = v.commune_code
		WHERE `+where+` ORDER BY v.commune_code, v.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var x VolunteerRow
		if err := rows.Scan(&x.ID, &x.FirstName, &x.LastName, &x.Email, &x.Phone, &x.CommuneCode,
			&x.CommuneName, &x.BureauCode, &x.MaxDistanceKm, &x.Status, &x.Rounds, &x.Round1, &x.Round2); err != nil {
			return err
		}
		if err := fn(x); err != nil {
			return err
		}
	}
	return rows.Err()
}
