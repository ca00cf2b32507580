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
	"github.com/jackc/pgx/v5/pgxpool"

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
	var writes []roundWrites
	// A second connection reads what the transaction sees (its exported
	// snapshot, taken with the election's lock held) so that the bureaux
	// and seats load while the transaction loads the volunteers.
	side, err := d.sideReader(ctx, tx)
	if err != nil {
		return nil, err
	}
	defer side.close()
	for _, round := range rounds {
		t0 := time.Now()
		var needs []neededSeat
		var existing []existingSeat
		sideErr := make(chan error, 1)
		go func() {
			var err error
			if needs, err = loadNeeds(ctx, side.q(tx), e.ID, round, scope, "", ""); err == nil {
				existing, err = loadExisting(ctx, side.q(tx), e.ID, round, scope)
			}
			sideErr <- err
		}()
		var vols []runVolunteer
		if side.tx == nil {
			// One connection: one query at a time.
			if err := <-sideErr; err != nil {
				return nil, err
			}
			sideErr <- nil
		}
		vols, err = loadRunVolunteers(ctx, tx, e.ID, round, scope)
		if err2 := <-sideErr; err == nil {
			err = err2
		}
		if err == nil {
			err = placeVolunteers(ctx, tx, vols, needs)
		}
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

		// The difference with what earlier runs wrote (counted in the
		// write stage, with the writes themselves below).
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
		var added []addedSeat
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
			added = append(added, addedSeat{key, vid})
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
		for _, a := range added {
			final[a.volunteer] = append(final[a.volunteer], seatOf(a.key))
		}
		rr.Removed, rr.Added = len(removed), len(added)
		rr.Assigned = rr.Kept + rr.Unchanged + rr.Added
		rr.Uncovered = rr.Seats - rr.Assigned
		if !dry {
			writes = append(writes, roundWrites{round, removed, added})
		}
		writeT += time.Since(t2)
		res.Rounds = append(res.Rounds, rr)
		res.Seats += rr.Seats
		res.Assigned += rr.Assigned
		res.Uncovered += rr.Uncovered
		res.Added += rr.Added
		res.Removed += rr.Removed
	}
	// The writes, once every round is planned (a round's plan reads only
	// that round's seats). The messages do not depend on them: they are
	// written meanwhile, in Go, while PostgreSQL stores the seats.
	var notifyT time.Duration
	if !dry {
		t3 := time.Now()
		var tell *tellings
		if len(changed) > 0 {
			ids := make([]int64, 0, len(changed))
			for id := range changed {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			var err error
			if tell, err = d.prepareTell(ctx, tx, e, rounds, ids, final, who, now); err != nil {
				return nil, err
			}
		}
		notifyT += time.Since(t3)
		t4 := time.Now()
		for _, w := range writes {
			if err := writeRound(ctx, tx, e.ID, w, actor, now); err != nil {
				if tell != nil {
					tell.wait()
				}
				return nil, err
			}
		}
		writeT += time.Since(t4)
		t5 := time.Now()
		if tell != nil {
			n, err := tell.write(ctx, tx)
			if err != nil {
				return nil, err
			}
			res.Notified = n
		}
		notifyT += time.Since(t5)
	}
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
// Their location (their bureau's, else their commune's) is filled in by
// placeVolunteers.
func loadRunVolunteers(ctx context.Context, q pgdb.Q, electionID int64, round int, scope []string) ([]runVolunteer, error) {
	rows, err := q.Query(ctx, `
		SELECT v.id, v.commune_code, v.bureau_code, v.max_distance_km, v.roles, v.preferred_bureaux, v.first_names, v.email
		FROM delegate_volunteers v
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
		if err := rows.Scan(&v.id, &v.commune, &v.bureau, &v.maxKm, &roles, &v.preferred, &v.first, &v.email); err != nil {
			return nil, err
		}
		v.roles = make([]Role, len(roles))
		for i, r := range roles {
			v.roles[i] = Role(r)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// placeVolunteers sets where each volunteer votes: the location of their
// bureau, else of their commune (places.Location). The bureaux that need
// seats came with the round's needs, at the same location (same scope, same
// coalesce of the bureau's and the commune's coordinates): the database is
// asked only for the others (a bureau with nothing to cover, or unknown).
func placeVolunteers(ctx context.Context, q pgdb.Q, vols []runVolunteer, needs []neededSeat) error {
	type place struct{ commune, bureau string }
	at := make(map[place]*places.Point, len(needs)/2)
	for i := range needs {
		at[place{needs[i].commune, needs[i].bureau}] = needs[i].point
	}
	var missing []int64
	for i := range vols {
		v := &vols[i]
		pt, ok := at[place{v.commune, v.bureau}]
		if !ok {
			missing = append(missing, v.id)
			continue
		}
		if pt != nil {
			p := *pt
			v.point = &p
		}
	}
	if len(missing) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `
		SELECT v.id, coalesce(b.latitude, c.latitude), coalesce(b.longitude, c.longitude)
		FROM delegate_volunteers v
		LEFT JOIN communes c ON c.code = v.commune_code
		LEFT JOIN bureaux b ON b.commune_code = v.commune_code AND b.code = v.bureau_code
		WHERE v.id = ANY ($1)`, missing)
	if err != nil {
		return err
	}
	defer rows.Close()
	idx := make(map[int64]int, len(missing))
	for i := range vols {
		idx[vols[i].id] = i
	}
	for rows.Next() {
		var id int64
		var lat, lon *float64
		if err := rows.Scan(&id, &lat, &lon); err != nil {
			return err
		}
		if i, ok := idx[id]; ok && lat != nil && lon != nil {
			vols[i].point = &places.Point{Lat: *lat, Lon: *lon}
		}
	}
	return rows.Err()
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

// sideReader is a read-only transaction on another connection of the pool
// that sees what tx sees (SET TRANSACTION SNAPSHOT): reads only, so the
// run's writes stay in its one transaction. Without a free connection, q
// gives tx itself.
type sideReader struct {
	conn *pgxpool.Conn
	tx   pgx.Tx
}

func (d *Desk) sideReader(ctx context.Context, tx pgx.Tx) (*sideReader, error) {
	s := &sideReader{}
	if d.Pool == nil || d.Pool.Stat().AcquiredConns() >= d.Pool.Config().MaxConns {
		return s, nil
	}
	var snap string
	if err := tx.QueryRow(ctx, `SELECT pg_export_snapshot()`).Scan(&snap); err != nil {
		return nil, err
	}
	// Never wait for a connection: the pool's others may all be held by
	// runs queued on this election's lock, which this run holds.
	actx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	conn, err := d.Pool.Acquire(actx)
	cancel()
	if err != nil {
		return s, ctx.Err()
	}
	side, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err == nil {
		_, err = side.Exec(ctx, `SET TRANSACTION SNAPSHOT `+quoteLiteral(snap))
		if err != nil {
			side.Rollback(ctx)
		}
	}
	if err != nil {
		conn.Release()
		return nil, err
	}
	s.conn, s.tx = conn, side
	return s, nil
}

func quoteLiteral(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

// q is the side transaction, or tx when there is none.
func (s *sideReader) q(tx pgx.Tx) pgdb.Q {
	if s.tx == nil {
		return tx
	}
	return s.tx
}

func (s *sideReader) close() {
	if s.tx != nil {
		s.tx.Rollback(context.Background())
		s.conn.Release()
		s.tx = nil
	}
}

// addedSeat is a seat a run gives to someone new.
type addedSeat struct {
	key       seatKey
	volunteer int64
}

// roundWrites is what a run changes in one round.
type roundWrites struct {
	round   int
	removed []int64 // delegate_assignments ids
	added   []addedSeat
}

// writeRound deletes the seats taken back and inserts the new ones (COPY:
// a national run gives 160,000 seats).
func writeRound(ctx context.Context, tx pgx.Tx, electionID int64, w roundWrites, actor string, now time.Time) error {
	if len(w.removed) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM delegate_assignments WHERE id = ANY ($1)`, w.removed); err != nil {
			return err
		}
	}
	if len(w.added) == 0 {
		return nil
	}
	round := int16(w.round)
	row := make([]any, 10)
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"delegate_assignments"},
		[]string{"election_id", "round", "commune_code", "bureau_code", "role", "volunteer_id", "source", "assigned_by", "created_at", "notified_at"},
		pgx.CopyFromSlice(len(w.added), func(i int) ([]any, error) {
			// CopyFrom encodes each row before asking for the next: one
			// slice serves them all.
			a := &w.added[i]
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9] =
				electionID, round, a.key.commune, a.key.bureau, string(a.key.role), a.volunteer, "auto", actor, now, now
			return row, nil
		}))
	return err
}

// tellings are the private links and messages of a run, written in Go
// while the run's seats are being stored (prepareTell), then stored in
// their turn (write).
type tellings struct {
	done         chan struct{}
	links        []runLink
	msgs         []notify.Message
	expires, now time.Time
}

type runLink struct {
	hash      []byte
	volunteer int64
}

func (t *tellings) wait() { <-t.done }

// prepareTell reads what the messages need beyond the run's own data (the
// seats of other rounds, people the run did not load), then writes, in a
// goroutine, for each volunteer whose seats changed a fresh private link
// and a message listing their seats now.
func (d *Desk) prepareTell(ctx context.Context, tx pgx.Tx, e *elections.Election, rounds []int, ids []int64,
	final map[int64][]Seat, who map[int64][2]string, now time.Time) (*tellings, error) {
	// Seats in rounds the run did not touch, and people it did not load
	// (a seat taken from someone who is no longer a candidate).
	var otherRounds []int
	for _, r := range e.Rounds {
		if !slices.Contains(rounds, r.Number) {
			otherRounds = append(otherRounds, r.Number)
		}
	}
	others := map[int64][]Seat{}
	if len(otherRounds) > 0 {
		var err error
		if others, err = seatsOfWithDetails(ctx, tx, e.ID, ids, otherRounds); err != nil {
			return nil, err
		}
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
			return nil, err
		}
		for rows.Next() {
			var id int64
			var first, email string
			if err := rows.Scan(&id, &first, &email); err != nil {
				rows.Close()
				return nil, err
			}
			who[id] = [2]string{first, email}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	t := &tellings{done: make(chan struct{}), links: make([]runLink, len(ids)), msgs: make([]notify.Message, len(ids))}
	go func() {
		defer close(t.done)
		link := d.BaseURL + LinkPath
		for i, id := range ids {
			w := who[id]
			list := append(others[id], final[id]...)
			slices.SortFunc(list, func(a, b Seat) int {
				return cmp.Or(cmp.Compare(a.Round, b.Round), cmp.Compare(a.CommuneCode, b.CommuneCode), cmp.Compare(len(a.BureauCode), len(b.BureauCode)), cmp.Compare(a.BureauCode, b.BureauCode))
			})
			plain, hash := token.New()
			t.links[i] = runLink{hash, id}
			subject := "Votre affectation de bureau de vote"
			if len(list) == 0 {
				subject = "Votre affectation a changé"
			}
			t.msgs[i] = notify.Message{Channel: notify.Email, Recipient: w[1], Subject: subject,
				Body: assignedBody(w[0], e.Name, list, link+plain), Kind: "delegate.assignment"}
		}
		// Links go in by hash order: the primary key then takes them in
		// one pass from left to right.
		slices.SortFunc(t.links, func(a, b runLink) int { return bytes.Compare(a.hash, b.hash) })
	}()
	t.expires, t.now = linkExpiry(e), now
	return t, nil
}

// write stores the links and messages (COPY both) and returns how many
// people are told.
func (t *tellings) write(ctx context.Context, tx pgx.Tx) (int, error) {
	t.wait()
	row := make([]any, 4)
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"delegate_links"}, []string{"token_hash", "volunteer_id", "expires_at", "created_at"},
		pgx.CopyFromSlice(len(t.links), func(i int) ([]any, error) {
			row[0], row[1], row[2], row[3] = t.links[i].hash, t.links[i].volunteer, t.expires, t.now
			return row, nil
		})); err != nil {
		return 0, err
	}
	if err := notify.Enqueue(ctx, tx, t.msgs...); err != nil {
		return 0, err
	}
	return len(t.msgs), nil
}

// seatsOfWithDetails groups the seats of some volunteers of an election by
// volunteer, in the rounds listed.
func seatsOfWithDetails(ctx context.Context, q pgdb.Q, electionID int64, ids []int64, rounds []int) (map[int64][]Seat, error) {
	rows, err := q.Query(ctx, `
		SELECT a.volunteer_id, a.id, a.round, r.date, a.commune_code, coalesce(c.name, a.commune_code), a.bureau_code,
			coalesce(b.name, ''), coalesce(b.address, ''), a.role, a.source, a.confirmed_at
		FROM delegate_assignments a
		JOIN rounds r ON r.election_id = a.election_id AND r.number = a.round
		LEFT JOIN communes c ON c.code = a.commune_code
		LEFT JOIN bureaux b ON b.commune_code = a.commune_code AND b.code = a.bureau_code
		WHERE a.election_id = $1 AND a.round = ANY ($2) AND a.volunteer_id = ANY ($3)
		ORDER BY a.volunteer_id, a.round, a.commune_code, a.bureau_code`, electionID, rounds, ids)
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
