package delegates

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"scrutin/logistics/elections"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// Deadline is when the names must reach the mairie (R46): 18:00, Paris
// time, on the third day before the vote (the Thursday for a Sunday).
func Deadline(roundDate time.Time) time.Time {
	return time.Date(roundDate.Year(), roundDate.Month(), roundDate.Day()-3, 18, 0, 0, 0, elections.Paris)
}

// SeatState is one seat of a bureau on the coverage page.
type SeatState struct {
	Role         Role
	Needed       bool // false: held by hand although the rules no longer ask for it
	AssignmentID int64
	VolunteerID  int64
	Holder       string
	Phone        string
	Source       string
	Confirmed    bool
}

// Empty reports a needed seat nobody holds.
func (s SeatState) Empty() bool { return s.AssignmentID == 0 }

// BureauCoverage is one bureau's seats in a round.
type BureauCoverage struct {
	Commune     string
	CommuneName string
	Code        string
	Name        string
	Address     string
	Priority    int
	Seats       []SeatState
	Needed      int
	Covered     int
	Confirmed   int
}

// AreaCoverage sums seats over a département or a commune.
type AreaCoverage struct {
	Code         string
	Name         string
	Bureaux      int
	EmptyBureaux int // bureaux with at least one empty seat
	Needed       int
	Covered      int
	Confirmed    int
}

// Uncovered is the number of empty seats.
func (a AreaCoverage) Uncovered() int { return a.Needed - a.Covered }

// Percent covered, rounded down (100 only when complete).
func (a AreaCoverage) Percent() int {
	if a.Needed == 0 {
		return 100
	}
	return a.Covered * 100 / a.Needed
}

// CoverageView is the coverage of one round at one level: the départements
// in scope, the communes of a département, or the bureaux of a commune.
type CoverageView struct {
	Round       int
	Departement string
	Commune     string
	Areas       []AreaCoverage
	Bureaux     []BureauCoverage
	Total       AreaCoverage
}

type heldSeat struct {
	id, volunteer int64
	key           seatKey
	name, phone   string
	source        string
	confirmed     bool
}

func loadHeld(ctx context.Context, q pgdb.Q, electionID int64, round int, scope []string, departement, commune string) ([]heldSeat, error) {
	rows, err := q.Query(ctx, `
		SELECT a.id, a.volunteer_id, a.commune_code, a.bureau_code, a.role, v.first_names || ' ' || upper(v.last_name), v.phone,
			a.source, a.confirmed_at IS NOT NULL
		FROM delegate_assignments a JOIN delegate_volunteers v ON v.id = a.volunteer_id
		WHERE a.election_id = $1 AND a.round = $2 AND in_scope(a.commune_code, $3)
		  AND ($4 = '' OR departement_of(a.commune_code) = $4) AND ($5 = '' OR a.commune_code = $5)`,
		electionID, round, scope, departement, commune)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []heldSeat
	for rows.Next() {
		var h heldSeat
		var role string
		if err := rows.Scan(&h.id, &h.volunteer, &h.key.commune, &h.key.bureau, &role, &h.name, &h.phone, &h.source, &h.confirmed); err != nil {
			return nil, err
		}
		h.key.role = Role(role)
		out = append(out, h)
	}
	return out, rows.Err()
}

// Coverage reads a round's coverage within a staff member's scope: per
// département, or per commune of departement, or per bureau of commune.
func Coverage(ctx context.Context, q pgdb.Q, u *staff.User, electionID int64, round int, departement, commune string) (*CoverageView, error) {
	if commune != "" {
		// A code no commune has is said so, not shown without seats.
		if _, _, err := places.CheckKnownArea(ctx, q, nil, "", commune); err != nil {
			return nil, err
		}
		departement = places.Departement(commune)
	}
	needs, err := loadNeeds(ctx, q, electionID, round, u.ScopeArg(), departement, commune)
	if err != nil {
		return nil, err
	}
	held, err := loadHeld(ctx, q, electionID, round, u.ScopeArg(), departement, commune)
	if err != nil {
		return nil, err
	}
	heldBy := make(map[seatKey]*heldSeat, len(held))
	for i := range held {
		heldBy[held[i].key] = &held[i]
	}
	v := &CoverageView{Round: round, Departement: departement, Commune: commune}
	type bkey struct{ commune, bureau string }
	var bureaux []BureauCoverage
	bi := map[bkey]int{}
	for _, s := range needs {
		k := bkey{s.commune, s.bureau}
		i, ok := bi[k]
		if !ok {
			i = len(bureaux)
			bi[k] = i
			bureaux = append(bureaux, BureauCoverage{Commune: s.commune, CommuneName: s.communeName, Code: s.bureau, Name: s.bureauName, Address: s.address, Priority: s.priority})
		}
		b := &bureaux[i]
		st := SeatState{Role: s.role, Needed: true}
		b.Needed++
		if h := heldBy[s.key()]; h != nil {
			st.AssignmentID, st.VolunteerID, st.Holder, st.Phone, st.Source, st.Confirmed = h.id, h.volunteer, h.name, h.phone, h.source, h.confirmed
			b.Covered++
			if h.confirmed {
				b.Confirmed++
			}
			delete(heldBy, s.key())
		}
		b.Seats = append(b.Seats, st)
	}
	// Seats held by hand that the rules no longer ask for stay visible.
	for _, h := range heldBy {
		if i, ok := bi[bkey{h.key.commune, h.key.bureau}]; ok {
			bureaux[i].Seats = append(bureaux[i].Seats, SeatState{Role: h.key.role, AssignmentID: h.id, VolunteerID: h.volunteer,
				Holder: h.name, Phone: h.phone, Source: h.source, Confirmed: h.confirmed})
		}
	}
	for i := range bureaux {
		slices.SortStableFunc(bureaux[i].Seats, func(a, b SeatState) int { return a.Role.index() - b.Role.index() })
	}
	areaKey := func(b *BureauCoverage) (string, string) {
		if departement == "" {
			return places.Departement(b.Commune), "Département " + places.Departement(b.Commune)
		}
		return b.Commune, b.CommuneName
	}
	ai := map[string]int{}
	for i := range bureaux {
		b := &bureaux[i]
		code, name := areaKey(b)
		j, ok := ai[code]
		if !ok {
			j = len(v.Areas)
			ai[code] = j
			v.Areas = append(v.Areas, AreaCoverage{Code: code, Name: name})
		}
		for _, a := range []*AreaCoverage{&v.Areas[j], &v.Total} {
			a.Bureaux++
			a.Needed += b.Needed
			a.Covered += b.Covered
			a.Confirmed += b.Confirmed
			if b.Covered < b.Needed {
				a.EmptyBureaux++
			}
		}
	}
	slices.SortFunc(v.Areas, func(a, b AreaCoverage) int { return cmp.Compare(a.Code, b.Code) })
	if commune != "" {
		v.Bureaux = bureaux
	}
	return v, nil
}

// Suggestion is a volunteer staff could call to fill an empty seat.
type Suggestion struct {
	VolunteerID int64
	Name        string
	Phone       string
	Email       string
	CommuneName string
	DistanceKm  int
	Reach       string
}

// Gap is an empty seat and the best people to call for it.
type Gap struct {
	Commune     string
	CommuneName string
	Bureau      string
	BureauName  string
	Role        Role
	Priority    int
	Candidates  []Suggestion
}

// Gaps lists the empty seats of a round in a département or commune (in
// scope), highest priority and titulaires first, each with up to three
// volunteers who may take it without breaking a rule, nearest first.
func Gaps(ctx context.Context, q pgdb.Q, u *staff.User, e *elections.Election, round int, departement, commune string, limit int) ([]Gap, error) {
	if commune != "" {
		departement = places.Departement(commune)
	}
	if departement == "" {
		return nil, nil
	}
	needs, err := loadNeeds(ctx, q, e.ID, round, u.ScopeArg(), departement, commune)
	if err != nil {
		return nil, err
	}
	held, err := loadHeld(ctx, q, e.ID, round, u.ScopeArg(), departement, "")
	if err != nil {
		return nil, err
	}
	isHeld := map[seatKey]bool{}
	for _, h := range held {
		isHeld[h.key] = true
	}
	var empty []neededSeat
	for _, s := range needs {
		if !isHeld[s.key()] {
			empty = append(empty, s)
		}
	}
	slices.SortStableFunc(empty, func(a, b neededSeat) int {
		return cmp.Or(cmp.Compare(b.priority, a.priority), boolOrder(a.role.Titulaire(), b.role.Titulaire()))
	})
	if limit > 0 && len(empty) > limit {
		empty = empty[:limit]
	}
	if len(empty) == 0 {
		return nil, nil
	}
	k, err := MaxBureauxPerDelegue(ctx, q, e)
	if err != nil {
		return nil, err
	}
	// Volunteers of the département available that round, and what they
	// already hold that round (anywhere).
	type cand struct {
		runVolunteer
		name, phone, communeName string
		seats                    []seatKey
	}
	rows, err := q.Query(ctx, `
		SELECT v.id, v.commune_code, v.bureau_code, v.max_distance_km, v.roles, coalesce(b.latitude, c.latitude), coalesce(b.longitude, c.longitude),
			v.first_names || ' ' || upper(v.last_name), v.phone, v.email, coalesce(c.name, v.commune_code),
			coalesce((SELECT array_agg(a.commune_code || '|' || a.bureau_code || '|' || a.role) FROM delegate_assignments a
			          WHERE a.volunteer_id = v.id AND a.round = $3), '{}')
		FROM delegate_volunteers v
		LEFT JOIN communes c ON c.code = v.commune_code
		LEFT JOIN bureaux b ON b.commune_code = v.commune_code AND b.code = v.bureau_code
		WHERE v.election_id = $1 AND v.status = 'active' AND $3 = ANY (v.rounds)
		  AND departement_of(v.commune_code) = $2 AND in_scope(v.commune_code, $4)`, e.ID, departement, round, u.ScopeArg())
	if err != nil {
		return nil, err
	}
	var cands []cand
	for rows.Next() {
		var c cand
		var roles, seats []string
		var lat, lon *float64
		if err := rows.Scan(&c.id, &c.commune, &c.bureau, &c.maxKm, &roles, &lat, &lon, &c.name, &c.phone, &c.email, &c.communeName, &seats); err != nil {
			rows.Close()
			return nil, err
		}
		for _, r := range roles {
			c.roles = append(c.roles, Role(r))
		}
		if lat != nil && lon != nil {
			c.point = &places.Point{Lat: *lat, Lon: *lon}
		}
		for _, s := range seats {
			var sk seatKey
			parts := splitN3(s)
			sk.commune, sk.bureau, sk.role = parts[0], parts[1], Role(parts[2])
			c.seats = append(c.seats, sk)
		}
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Gap, 0, len(empty))
	for _, s := range empty {
		g := Gap{Commune: s.commune, CommuneName: s.communeName, Bureau: s.bureau, BureauName: s.bureauName, Role: s.role, Priority: s.priority}
		type scored struct {
			i  int
			km float64
		}
		var ok []scored
		for i := range cands {
			c := &cands[i]
			if !slices.Contains(c.roles, s.role) || !free(c.seats, s, k) {
				continue
			}
			km, reach := distanceTo(&c.runVolunteer, &s)
			if reach {
				ok = append(ok, scored{i, km})
			}
		}
		slices.SortFunc(ok, func(a, b scored) int {
			return cmp.Or(boolOrder(len(cands[a.i].seats) == 0, len(cands[b.i].seats) == 0), cmp.Compare(a.km, b.km), cmp.Compare(cands[a.i].id, cands[b.i].id))
		})
		for _, x := range ok[:min(3, len(ok))] {
			c := &cands[x.i]
			g.Candidates = append(g.Candidates, Suggestion{VolunteerID: c.id, Name: c.name, Phone: c.phone, Email: c.email,
				CommuneName: c.communeName, DistanceKm: int(math.Round(x.km)), Reach: ReachText(c.maxKm)})
		}
		out = append(out, g)
	}
	return out, nil
}

// boolOrder puts true first.
func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

func splitN3(s string) [3]string {
	var out [3]string
	i := 0
	start := 0
	for j := 0; j < len(s) && i < 2; j++ {
		if s[j] == '|' {
			out[i] = s[start:j]
			i++
			start = j + 1
		}
	}
	out[i] = s[start:]
	return out
}

// free reports whether a person holding seats may also take s, by the
// same rules as the database trigger.
func free(seats []seatKey, s neededSeat, k int) bool {
	if len(seats) == 0 {
		return true
	}
	if s.role.Assesseur() {
		return false
	}
	for _, h := range seats {
		if h.role.Assesseur() || h.commune != s.commune || h.bureau == s.bureau {
			return false
		}
	}
	return len(seats) < k
}

// distanceTo is the distance from where a volunteer votes to a seat's
// bureau, and whether their travel limit allows it.
func distanceTo(v *runVolunteer, s *neededSeat) (float64, bool) {
	km := 0.0
	if v.point != nil && s.point != nil {
		km = places.DistanceKm(*v.point, *s.point)
	}
	switch {
	case v.maxKm == nil:
		return km, v.commune == s.commune
	case *v.maxKm == 0:
		return km, v.commune == s.commune && v.bureau == s.bureau
	case v.commune == s.commune:
		return km, true
	default:
		return km, v.point != nil && s.point != nil && km <= *v.maxKm+1e-9
	}
}

// Summary is the dashboard's view of a round.
type Summary struct {
	Election   *elections.Election
	Round      elections.Round
	Needed     int64
	Covered    int64
	Confirmed  int64
	Volunteers int64
}

// Summarize counts seats and volunteers of a round within scope (SQL only:
// the dashboard opens often).
func Summarize(ctx context.Context, q pgdb.Q, u *staff.User, e *elections.Election, round elections.Round) (*Summary, error) {
	s := &Summary{Election: e, Round: round}
	err := q.QueryRow(ctx, `
		SELECT count(*), count(a.id), count(a.confirmed_at)
		FROM delegate_seats s
		LEFT JOIN delegate_assignments a ON a.election_id = s.election_id AND a.round = s.round
			AND a.commune_code = s.commune_code AND a.bureau_code = s.bureau_code AND a.role = s.role
		WHERE s.election_id = $1 AND s.round = $2 AND in_scope(s.commune_code, $3)`, e.ID, round.Number, u.ScopeArg()).
		Scan(&s.Needed, &s.Covered, &s.Confirmed)
	if err != nil {
		return nil, err
	}
	err = q.QueryRow(ctx, `SELECT count(*) FROM delegate_volunteers WHERE election_id = $1 AND status = 'active' AND in_scope(commune_code, $2)`,
		e.ID, u.ScopeArg()).Scan(&s.Volunteers)
	return s, err
}

// NextRound is the first round of e not yet past at now (or the last).
func NextRound(e *elections.Election, now time.Time) (elections.Round, bool) {
	today := elections.Today(now)
	for _, r := range e.Rounds {
		if !r.Date.Before(today) {
			return r, true
		}
	}
	if len(e.Rounds) == 0 {
		return elections.Round{}, false
	}
	return e.LastRound(), true
}
