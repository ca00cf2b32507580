package delegates

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
	"scrutin/logistics/token"
)

// The assignment run: load the round (needs, seats already held,
// volunteers), solve it (solver.go), write the difference, tell the people
// whose seats changed. Seats entered by staff ('manual') and seats their
// holder confirmed are kept as they are; the other seats of earlier runs
// are the solver's "held" seats, moved only when that covers more seats
// (or more titulaire seats).

// lockKey serialises runs and manual changes of one election (advisory
// lock (lockKey, election id)): a run plans on what it read. The trigger
// of migrations/005_delegates.sql uses the same number.
const lockKey = 7_231_005

// RunInput starts an assignment run.
type RunInput struct {
	Election string `json:"election"`
	Round    *int   `json:"round"`   // nil: every round
	DryRun   bool   `json:"dry_run"` // compute and report, write nothing
}

// RoundResult is what a run did in one round.
type RoundResult struct {
	Round      int `json:"round"`
	Seats      int `json:"seats"`      // seats needed in the run's scope
	Assigned   int `json:"assigned"`   // seats held after the run
	Uncovered  int `json:"uncovered"`  // seats still empty
	Kept       int `json:"kept"`       // manual or confirmed seats left alone
	Added      int `json:"added"`      // seats given to someone new
	Removed    int `json:"removed"`    // seats of earlier runs taken back
	Unchanged  int `json:"unchanged"`  // seats of earlier runs that stay
	Candidates int `json:"candidates"` // volunteers the solver could use
}

// RunResult is the answer of POST /api/v1/delegate-assignment/run.
type RunResult struct {
	Election  string           `json:"election"`
	DryRun    bool             `json:"dry_run"`
	Seats     int              `json:"seats"`
	Assigned  int              `json:"assigned"`
	Uncovered int              `json:"uncovered"`
	Added     int              `json:"added"`
	Removed   int              `json:"removed"`
	Notified  int              `json:"notified"` // volunteers told of a change
	Rounds    []RoundResult    `json:"rounds"`
	TimingMs  map[string]int64 `json:"timing_ms"` // load, solve, write (seats), notify (links and messages)
}

// RunOptions tune a run (tests and benchmarks).
type RunOptions struct {
	Workers int // solver goroutines; 0 means GOMAXPROCS
}

// Run assigns volunteers to seats in a staff member's scope (nil user: a
// national run from the command line, actor names who ran it).
func (d *Desk) Run(ctx context.Context, u *staff.User, actor string, in RunInput, opts ...RunOptions) (*RunResult, error) {
	var scope []string
	if u != nil {
		if !u.CanAct() {
			return nil, check.ErrForbidden
		}
		scope, actor = u.ScopeArg(), u.Actor()
	}
	var opt RunOptions
	if len(opts) > 0 {
		opt = opts[0]
	}
	e, err := elections.Resolve(ctx, d.Pool, strings.TrimSpace(in.Election), "election", d.now())
	if err != nil {
		return nil, err
	}
	var rounds []int
	if in.Round == nil {
		for _, r := range e.Rounds {
			rounds = append(rounds, r.Number)
		}
	} else if _, ok := e.Round(*in.Round); ok {
		rounds = []int{*in.Round}
	} else {
		return nil, check.Field("round", "Cette élection n'a pas ce tour.")
	}
	var res *RunResult
	// A volunteer who withdraws or changes their roles while the run plans
	// makes its write fail on the database's rules: plan again.
	for attempt := 0; ; attempt++ {
		err = pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
			var err error
			res, err = d.run(ctx, tx, e, rounds, scope, actor, in.DryRun, opt)
			return err
		})
		if err == nil || attempt == 3 || !isRuleViolation(err) {
			break
		}
	}
	return res, err
}

func isRuleViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "23514")
}

// existingSeat is a row of delegate_assignments read by a run.
type existingSeat struct {
	id             int64
	key            seatKey
	volunteer      int64
	manual         bool
	confirmed      bool
	seatInScope    bool
	personInScope  bool
	personEligible bool
}

type runVolunteer struct {
	id        int64
	commune   string
	bureau    string
	maxKm     *int
	roles     []Role
	preferred []string
	point     *places.Point
	first     string
	email     string
}

func (d *Desk) run(ctx context.Context, tx pgx.Tx, e *elections.Election, rounds []int, scope []string, actor string, dry bool, opt RunOptions) (*RunResult, error) {
	started := time.Now()
	res := &RunResult{Election: e.Slug, DryRun: dry, TimingMs: map[string]int64{}}
	if err := lockElection(ctx, tx, e.ID); err != nil {
		return nil, err
	}
	k, err := maxPerDelegue(ctx, tx, e.ID)
	if err != nil {
		return nil, err
	}
	now := d.now()
	changed := map[int64]bool{}
	// What the messages say: each person's seats in the run's rounds after
	// the run (from memory), and who they are.
	final := map[int64][]Seat{}
	who := map[int64][2]string{} // first names, e-mail
	var loadT, solveT, writeT time.Duration
	for _, round := range rounds {
		t0 := time.Now()
		needs, err := loadNeeds(ctx, tx, e.ID, round, scope, "", "")
		if err != nil {
			return nil, err
		}
		vols, err := loadRunVolunteers(ctx, tx, e.ID, round, scope)
		if err != nil {
			return nil, err
		}
		existing, err := loadExisting(ctx, tx, e.ID, round, scope)
		if err != nil {
			return nil, err
		}
		t1 := time.Now()
		loadT += t1.Sub(t0)

		needed := make(map[seatKey]int, len(needs))
		type place struct{ commune, bureau string }
		names := map[place]*neededSeat{}
		for i := range needs {
			needed[needs[i].key()] = i
			names[place{needs[i].commune, needs[i].bureau}] = &needs[i]
		}
		for _, v := range vols {
			who[v.id] = [2]string{v.first, v.email}
		}
		roundDate := time.Time{}
		if r, ok := e.Round(round); ok {
			roundDate = r.Date
		}
		seatOf := func(k seatKey) Seat {
			s := Seat{Round: round, RoundDate: roundDate, CommuneCode: k.commune, CommuneName: k.commune, BureauCode: k.bureau, Role: k.role}
			if n := names[place{k.commune, k.bureau}]; n != nil {
				s.CommuneName, s.BureauName, s.Address = n.communeName, n.bureauName, n.address
			}
			return s
		}
		volIdx := make(map[int64]int, len(vols))
		for i, v := range vols {
			volIdx[v.id] = i
		}
		// Kept seats and the people who hold them stay out of the problem.
		rr := RoundResult{Round: round, Seats: len(needs)}
		taken := map[seatKey]bool{}
		busy := map[int64]bool{}
		var movable []existingSeat
		var stale []int64 // seats of earlier runs that no longer fit: removed
		fixed := func(x existingSeat) bool { return x.manual || x.confirmed || !x.seatInScope || !x.personInScope }
		for _, x := range existing {
			if fixed(x) {
				busy[x.volunteer] = true
			}
		}
		for _, x := range existing {
			_, stillNeeded := needed[x.key]
			switch {
			case fixed(x) || busy[x.volunteer] && stillNeeded && x.personEligible:
				// A person with a kept seat keeps their other seats too:
				// they are out of the problem this round.
				taken[x.key] = true
				busy[x.volunteer] = true
				if _, ok := needed[x.key]; ok {
					rr.Kept++
				}
			case !stillNeeded || !x.personEligible:
				stale = append(stale, x.id)
				changed[x.volunteer] = true
			default:
				movable = append(movable, x)
			}
		}
		prob := &Problem{MaxPerDelegue: k, Workers: opt.Workers}
		openIdx := map[seatKey]int{}
		for i := range needs {
			s := &needs[i]
			if taken[s.key()] {
				continue
			}
			openIdx[s.key()] = len(prob.Seats)
			prob.Seats = append(prob.Seats, OpenSeat{Commune: s.commune, Bureau: s.bureau, Role: s.role, Priority: s.priority, Point: s.point, Order: s.order})
		}
		candIdx := map[int64]int{}
		for _, v := range vols {
			if busy[v.id] {
				continue
			}
			candIdx[v.id] = len(prob.People)
			prob.People = append(prob.People, Candidate{ID: v.id, Commune: v.commune, Bureau: v.bureau, Point: v.point, MaxKm: v.maxKm, Roles: v.roles, Preferred: v.preferred})
		}
		for _, x := range movable {
			ci, ok := candIdx[x.volunteer]
			si, open := openIdx[x.key]
			if ok && open {
				prob.People[ci].Held = append(prob.People[ci].Held, si)
			}
		}
		rr.Candidates = len(prob.People)
		sol := Solve(prob)
		t2 := time.Now()
		solveT += t2.Sub(t1)

		// The difference with what earlier runs wrote.
		keep := map[seatKey]bool{}
		var removed []int64
		removed = append(removed, stale...)
		for _, x := range movable {
			si, open := openIdx[x.key]
			ci, ok := candIdx[x.volunteer]
			if open && ok && sol.Holder[si] == ci {
				keep[x.key] = true
				rr.Unchanged++
				continue
			}
			removed = append(removed, x.id)
			changed[x.volunteer] = true
		}
		var added [][]any
		for si, h := range sol.Holder {
			if h < 0 {
				continue
			}
			s := prob.Seats[si]
			key := seatKey{s.Commune, s.Bureau, s.Role}
			if keep[key] {
				continue
			}
			vid := prob.People[h].ID
			changed[vid] = true
			added = append(added, []any{e.ID, int16(round), s.Commune, s.Bureau, string(s.Role), vid, "auto", actor, now, now})
		}
		gone := make(map[int64]bool, len(removed))
		for _, id := range removed {
			gone[id] = true
		}
		for _, x := range existing {
			if !gone[x.id] {
				final[x.volunteer] = append(final[x.volunteer], seatOf(x.key))
			}
		}
		for _, row := range added {
			k := seatKey{row[2].(string), row[3].(string), Role(row[4].(string))}
			vid := row[5].(int64)
			final[vid] = append(final[vid], seatOf(k))
		}
		rr.Removed, rr.Added = len(removed), len(added)
		rr.Assigned = rr.Kept + rr.Unchanged + rr.Added
		rr.Uncovered = rr.Seats - rr.Assigned
		if !dry {
			if len(removed) > 0 {
				if _, err := tx.Exec(ctx, `DELETE FROM delegate_assignments WHERE id = ANY ($1)`, removed); err != nil {
					return nil, err
				}
			}
			if len(added) > 0 {
				if _, err := tx.CopyFrom(ctx, pgx.Identifier{"delegate_assignments"},
					[]string{"election_id", "round", "commune_code", "bureau_code", "role", "volunteer_id", "source", "assigned_by", "created_at", "notified_at"},
					pgx.CopyFromRows(added)); err != nil {
					return nil, err
				}
			}
		}
		writeT += time.Since(t2)
		res.Rounds = append(res.Rounds, rr)
		res.Seats += rr.Seats
		res.Assigned += rr.Assigned
		res.Uncovered += rr.Uncovered
		res.Added += rr.Added
		res.Removed += rr.Removed
	}
	t3 := time.Now()
	var notifyT time.Duration
	if !dry && len(changed) > 0 {
		ids := make([]int64, 0, len(changed))
		for id := range changed {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		n, err := d.tellVolunteers(ctx, tx, e, rounds, ids, final, who, now)
		if err != nil {
			return nil, err
		}
		res.Notified = n
	}
	notifyT = time.Since(t3)
	res.TimingMs["load"] = loadT.Milliseconds()
	res.TimingMs["solve"] = solveT.Milliseconds()
	res.TimingMs["write"] = writeT.Milliseconds()
	res.TimingMs["notify"] = notifyT.Milliseconds()
	var round *int16
	if len(rounds) == 1 && len(e.Rounds) > 1 {
		r := int16(rounds[0])
		round = &r
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO delegate_runs (election_id, round, actor, scope, dry_run, started_at, duration_ms, seats, assigned, uncovered, added, removed)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		e.ID, round, actor, scope, dry, now, time.Since(started).Milliseconds(), res.Seats, res.Assigned, res.Uncovered, res.Added, res.Removed); err != nil {
		return nil, err
	}
	if !dry {
		if err := staff.Audit(ctx, tx, actor, "delegate_assignment.run", "election", e.Slug, map[string]any{
			"rounds": rounds, "scope": scope, "seats": res.Seats, "assigned": res.Assigned, "uncovered": res.Uncovered,
			"added": res.Added, "removed": res.Removed, "notified": res.Notified}); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func maxPerDelegue(ctx context.Context, q pgdb.Q, electionID int64) (int, error) {
	var k int
	err := q.QueryRow(ctx, `SELECT max_bureaux_per_delegue FROM delegate_settings WHERE election_id = $1`, electionID).Scan(&k)
	if errors.Is(err, pgx.ErrNoRows) {
		return DefaultMaxBureauxPerDelegue, nil
	}
	return k, err
}

// loadRunVolunteers: active volunteers in scope available in the round.
func loadRunVolunteers(ctx context.Context, q pgdb.Q, electionID int64, round int, scope []string) ([]runVolunteer, error) {
	rows, err := q.Query(ctx, `
		SELECT v.id, v.commune_code, v.bureau_code, v.max_distance_km, v.roles, v.preferred_bureaux,
			coalesce(b.latitude, c.latitude), coalesce(b.longitude, c.longitude), v.first_names, v.email
		FROM delegate_volunteers v
		LEFT JOIN communes c ON c.code = v.commune_code
		LEFT JOIN bureaux b ON b.commune_code = v.commune_code AND b.code = v.bureau_code
		WHERE v.election_id = $1 AND v.status = 'active' AND $2 = ANY (v.rounds) AND in_scope(v.commune_code, $3)
		ORDER BY v.id`, electionID, round, scope)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []runVolunteer
	for rows.Next() {
		var v runVolunteer
		var roles []string
		var lat, lon *float64
		if err := rows.Scan(&v.id, &v.commune, &v.bureau, &v.maxKm, &roles, &v.preferred, &lat, &lon, &v.first, &v.email); err != nil {
			return nil, err
		}
		for _, r := range roles {
			v.roles = append(v.roles, Role(r))
		}
		if lat != nil && lon != nil {
			v.point = &places.Point{Lat: *lat, Lon: *lon}
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// loadExisting: seats held in the round that touch the scope (the seat or
// its holder in scope).
func loadExisting(ctx context.Context, q pgdb.Q, electionID int64, round int, scope []string) ([]existingSeat, error) {
	rows, err := q.Query(ctx, `
		SELECT a.id, a.commune_code, a.bureau_code, a.role, a.volunteer_id, a.source = 'manual', a.confirmed_at IS NOT NULL,
			in_scope(a.commune_code, $3), in_scope(v.commune_code, $3),
			v.status = 'active' AND a.role = ANY (v.roles) AND a.round = ANY (v.rounds)
		FROM delegate_assignments a JOIN delegate_volunteers v ON v.id = a.volunteer_id
		WHERE a.election_id = $1 AND a.round = $2 AND (in_scope(a.commune_code, $3) OR in_scope(v.commune_code, $3))`,
		electionID, round, scope)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []existingSeat
	for rows.Next() {
		var x existingSeat
		var role string
		if err := rows.Scan(&x.id, &x.key.commune, &x.key.bureau, &role, &x.volunteer, &x.manual, &x.confirmed,
			&x.seatInScope, &x.personInScope, &x.personEligible); err != nil {
			return nil, err
		}
		x.key.role = Role(role)
		out = append(out, x)
	}
	return out, rows.Err()
}

// tellVolunteers writes, for each volunteer whose seats changed, a fresh
// private link (bulk COPY: a national run tells tens of thousands of
// people) and a message listing their seats now.
func (d *Desk) tellVolunteers(ctx context.Context, tx pgx.Tx, e *elections.Election, rounds []int, ids []int64,
	final map[int64][]Seat, who map[int64][2]string, now time.Time) (int, error) {
	// Seats in rounds the run did not touch, and people it did not load
	// (a seat taken from someone who is no longer a candidate).
	others, err := seatsOfWithDetails(ctx, tx, ids, rounds)
	if err != nil {
		return 0, err
	}
	var missing []int64
	for _, id := range ids {
		if _, ok := who[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		rows, err := tx.Query(ctx, `SELECT id, first_names, email FROM delegate_volunteers WHERE id = ANY ($1)`, missing)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var id int64
			var first, email string
			if err := rows.Scan(&id, &first, &email); err != nil {
				rows.Close()
				return 0, err
			}
			who[id] = [2]string{first, email}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	type person struct {
		id           int64
		first, email string
	}
	people := make([]person, 0, len(ids))
	seats := make(map[int64][]Seat, len(ids))
	for _, id := range ids {
		w := who[id]
		people = append(people, person{id, w[0], w[1]})
		list := append(others[id], final[id]...)
		slices.SortFunc(list, func(a, b Seat) int {
			return cmp.Or(cmp.Compare(a.Round, b.Round), cmp.Compare(a.CommuneCode, b.CommuneCode), cmp.Compare(len(a.BureauCode), len(b.BureauCode)), cmp.Compare(a.BureauCode, b.BureauCode))
		})
		seats[id] = list
	}
	expires := linkExpiry(e)
	links := make([][]any, 0, len(people))
	msgs := make([]notify.Message, 0, len(people))
	for _, p := range people {
		plain, hash := token.New()
		links = append(links, []any{hash, p.id, expires, now})
		subject := "Votre affectation de bureau de vote"
		if len(seats[p.id]) == 0 {
			subject = "Votre affectation a changé"
		}
		msgs = append(msgs, notify.Message{Channel: notify.Email, Recipient: p.email, Subject: subject,
			Body: assignedBody(p.first, e.Name, seats[p.id], d.BaseURL+LinkPath+plain), Kind: "delegate.assignment"})
	}
	// Links go in by hash order: the primary key then grows at its right
	// edge instead of taking a hundred thousand random insertions.
	slices.SortFunc(links, func(a, b []any) int { return bytes.Compare(a[0].([]byte), b[0].([]byte)) })
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"delegate_links"}, []string{"token_hash", "volunteer_id", "expires_at", "created_at"}, pgx.CopyFromRows(links)); err != nil {
		return 0, err
	}
	if err := notify.Enqueue(ctx, tx, msgs...); err != nil {
		return 0, err
	}
	return len(people), nil
}

// seatsOfWithDetails groups the seats of some volunteers by volunteer,
// outside the rounds listed in except.
func seatsOfWithDetails(ctx context.Context, q pgdb.Q, ids []int64, except []int) (map[int64][]Seat, error) {
	rows, err := q.Query(ctx, `
		SELECT a.volunteer_id, a.id, a.round, r.date, a.commune_code, coalesce(c.name, a.commune_code), a.bureau_code,
			coalesce(b.name, ''), coalesce(b.address, ''), a.role, a.source, a.confirmed_at
		FROM delegate_assignments a
		JOIN rounds r ON r.election_id = a.election_id AND r.number = a.round
		LEFT JOIN communes c ON c.code = a.commune_code
		LEFT JOIN bureaux b ON b.commune_code = a.commune_code AND b.code = a.bureau_code
		WHERE a.volunteer_id = ANY ($1) AND NOT a.round = ANY ($2)
		ORDER BY a.volunteer_id, a.round, a.commune_code, a.bureau_code`, ids, except)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]Seat{}
	for rows.Next() {
		var owner int64
		var s Seat
		var role string
		if err := rows.Scan(&owner, &s.ID, &s.Round, &s.RoundDate, &s.CommuneCode, &s.CommuneName, &s.BureauCode, &s.BureauName, &s.Address, &role, &s.Source, &s.ConfirmedAt); err != nil {
			return nil, err
		}
		s.Role, s.Confirmed = Role(role), s.ConfirmedAt != nil
		out[owner] = append(out[owner], s)
	}
	return out, rows.Err()
}

// RecentRuns lists an election's last runs.
type RunRecord struct {
	ID         int64
	Round      *int
	Actor      string
	DryRun     bool
	StartedAt  time.Time
	DurationMs int
	Seats      int
	Assigned   int
	Uncovered  int
	Added      int
	Removed    int
}

// RecentRuns lists the last runs of an election.
func RecentRuns(ctx context.Context, q pgdb.Q, electionID int64, limit int) ([]RunRecord, error) {
	rows, err := q.Query(ctx, `SELECT id, round, actor, dry_run, started_at, duration_ms, seats, assigned, uncovered, added, removed
		FROM delegate_runs WHERE election_id = $1 ORDER BY id DESC LIMIT $2`, electionID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (RunRecord, error) {
		var r RunRecord
		var round *int16
		err := row.Scan(&r.ID, &round, &r.Actor, &r.DryRun, &r.StartedAt, &r.DurationMs, &r.Seats, &r.Assigned, &r.Uncovered, &r.Added, &r.Removed)
		if round != nil {
			n := int(*round)
			r.Round = &n
		}
		return r, err
	})
}

// RoundLabel is "tour 1", or "tous les tours".
func (r RunRecord) RoundLabel() string {
	if r.Round == nil {
		return "tous les tours"
	}
	return fmt.Sprintf("tour %d", *r.Round)
}
