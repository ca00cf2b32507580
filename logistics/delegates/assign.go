package delegates

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/insee"
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
	// The place of the run (see places.CheckKnownArea), within the staff member's
	// scope: the seats of a département, or of a commune (with the
	// volunteers of its whole département in scope, who may travel
	// there); none: the whole scope.
	Departement string `json:"departement"`
	Commune     string `json:"commune"`
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
	// The place of the run, normalised (RunInput); none: the whole scope.
	Departement string `json:"departement,omitempty"`
	Commune     string `json:"commune,omitempty"`
}

// RunOptions tune a run (tests and benchmarks).
type RunOptions struct {
	Workers int // solver goroutines; 0 means GOMAXPROCS
}

// Run assigns volunteers to seats in a staff member's scope, or in the
// place in.Departement or in.Commune of it (nil user: a national run from
// the command line, actor names who ran it).
func (d *Desk) Run(ctx context.Context, u *staff.User, actor string, in RunInput, opts ...RunOptions) (*RunResult, error) {
	var scope []string
	if u != nil {
		if !u.CanAct() {
			return nil, check.ErrForbidden
		}
		scope, actor = u.ScopeArg(), u.Actor()
	}
	dep, commune, err := places.CheckKnownArea(ctx, d.Pool, u, in.Departement, in.Commune)
	if err != nil {
		return nil, err
	}
	where := placeScope(scope, dep, commune)
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
	if !in.DryRun {
		if rounds, err = beforeDeadline(e, rounds, in.Round == nil, d.now()); err != nil {
			return nil, err
		}
	}
	var res *RunResult
	// A volunteer who withdraws or changes their roles while the run plans
	// makes its write fail on the database's rules: plan again.
	for attempt := 0; ; attempt++ {
		err = pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
			var err error
			res, err = d.run(ctx, tx, e, rounds, where, actor, in.DryRun, opt)
			return err
		})
		if err == nil || attempt == 3 || !isRuleViolation(err) {
			break
		}
	}
	return res, err
}

// runScope is where a run works, each as in_scope reads it (nil:
// national): seats, the seats it fills and may take back; people, the
// volunteers it may give a seat to or move. Seats held elsewhere (and
// seats of people from elsewhere) are left as they are, and whoever holds
// one is out of the run: the places around are not touched.
type runScope struct {
	seats, people        []string
	departement, commune string // the place asked for, if any
}

// placeScope is the runScope of a staff scope (nil: national) narrowed to
// a département or a commune (places.CheckArea: within scope). A département's
// seats go to its volunteers (assesseurs and délégués vote in the
// département: the solver keeps to it); a commune's seats to the
// volunteers of its département in scope, as Gaps suggests them.
func placeScope(scope []string, dep, commune string) runScope {
	if dep == "" {
		return runScope{seats: scope, people: scope}
	}
	people := []string{} // never nil, which would be national
	if scope == nil || slices.Contains(scope, dep) {
		people = append(people, dep)
	} else {
		for _, s := range scope {
			if places.Departement(s) == dep {
				people = append(people, s)
			}
		}
	}
	if commune != "" {
		return runScope{[]string{commune}, people, dep, commune}
	}
	return runScope{people, people, dep, ""}
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
	maxKm     *float64 // to a tenth of a km
	roles     []Role
	preferred []string
	removed   []string // bureaux ("04209_1") staff took back from them this round
	point     *places.Point
	first     string
	email     string
}

func (d *Desk) run(ctx context.Context, tx pgx.Tx, e *elections.Election, rounds []int, where runScope, actor string, dry bool, opt RunOptions) (*RunResult, error) {
	started := time.Now()
	res := &RunResult{Election: e.Slug, DryRun: dry, Departement: where.departement, Commune: where.commune, TimingMs: map[string]int64{}}
	if err := lockElection(ctx, tx, e.ID); err != nil {
		return nil, err
	}
	k, err := MaxBureauxPerDelegue(ctx, tx, e)
	if err != nil {
		return nil, err
	}
	now := d.now()
	changed := map[int64]bool{}
	// What the messages say: each person's seats in the run's rounds after
	// the run (from memory), and who they are.
	var finals []roundFinal
	var pending *seatStream      // the last round's seats, still being stored
	who := map[int64][2]string{} // first names, e-mail
	var loadT, solveT, writeT time.Duration
	var writes []roundWrites
	// A second connection reads what the transaction sees (its exported
	// snapshot, taken with the election's lock held) so that the bureaux
	// and seats load while the transaction loads the volunteers.
	side, err := pgdb.OpenSide(ctx, d.Pool, tx)
	if err != nil {
		return nil, err
	}
	defer side.Close()
	for _, round := range rounds {
		t0 := time.Now()
		var needs []neededSeat
		var existing []existingSeat
		sideErr := make(chan error, 1)
		go func() {
			var err error
			if needs, err = loadNeeds(ctx, side.Q(tx), e.ID, round, where.seats, "", ""); err == nil {
				existing, err = loadExisting(ctx, side.Q(tx), e.ID, round, where)
			}
			sideErr <- err
		}()
		var vols []runVolunteer
		if !side.Open() {
			// One connection: one query at a time.
			if err := <-sideErr; err != nil {
				return nil, err
			}
			sideErr <- nil
		}
		vols, err = loadRunVolunteers(ctx, tx, e.ID, round, where.people)
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

		rp := planRound(needs, vols, existing, changed)
		rp.prob.MaxPerDelegue, rp.prob.Workers = k, opt.Workers
		for _, v := range vols {
			who[v.id] = [2]string{v.first, v.email}
		}
		var stream *seatStream
		if !dry && len(rp.movable) == 0 {
			if stream, err = streamSeats(ctx, tx, e.ID, rp, round, actor, now); err != nil {
				return nil, err
			}
		}
		sol := Solve(rp.prob)
		t2 := time.Now()
		solveT += t2.Sub(t1)

		// The difference with what earlier runs wrote (counted in the
		// write stage, with the writes themselves below).
		rr, w, kept := rp.diff(round, sol, changed)
		if stream != nil {
			w.stored = true
			if round == rounds[len(rounds)-1] {
				pending = stream // ends while the messages are prepared
			} else if err := stream.finish(); err != nil {
				return nil, err
			}
		}
		if !dry {
			writes = append(writes, w)
		}
		roundDate := time.Time{}
		if r, ok := e.Round(round); ok {
			roundDate = r.Date
		}
		finals = append(finals, roundFinal{round: round, date: roundDate, needs: needs, kept: kept, added: w.added})
		writeT += time.Since(t2)
		res.Rounds = append(res.Rounds, rr)
		res.Seats += rr.Seats
		res.Assigned += rr.Assigned
		res.Uncovered += rr.Uncovered
		res.Added += rr.Added
		res.Removed += rr.Removed
	}
	// The writes, once every round is planned (a round's plan reads only
	// that round's seats).
	var notifyT time.Duration
	if !dry {
		t3 := time.Now()
		n, seatsDone, err := d.store(ctx, tx, side, pending, e, rounds, writes, finals, changed, who, actor, now)
		if err != nil {
			return nil, err
		}
		res.Notified = n
		writeT += seatsDone.Sub(t3)
		notifyT = time.Since(seatsDone)
	} else {
		res.Notified = len(changed) // who a real run would tell
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
		e.ID, round, actor, where.seats, dry, now, time.Since(started).Milliseconds(), res.Seats, res.Assigned, res.Uncovered, res.Added, res.Removed); err != nil {
		return nil, err
	}
	if !dry {
		details := map[string]any{"rounds": rounds, "scope": where.seats, "seats": res.Seats, "assigned": res.Assigned, "uncovered": res.Uncovered,
			"added": res.Added, "removed": res.Removed, "notified": res.Notified}
		if where.departement != "" {
			details["departement"], details["volunteers_scope"] = where.departement, where.people
		}
		if where.commune != "" {
			details["commune"] = where.commune
		}
		if err := staff.Audit(ctx, tx, actor, "delegate_assignment.run", "election", e.Slug, details); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// loadRunVolunteers: active volunteers in scope available in the round.
// Their location (their bureau's, else their commune's) is filled in by
// placeVolunteers.
func loadRunVolunteers(ctx context.Context, q pgdb.Q, electionID int64, round int, scope []string) ([]runVolunteer, error) {
	// Sized up front (a hint: people may sign up meanwhile): 150,000 at
	// national scale, whose growing would touch several times their memory.
	var n int
	if err := q.QueryRow(ctx, `
		SELECT count(*) FROM delegate_volunteers v
		WHERE v.election_id = $1 AND v.status = 'active' AND $2 = ANY (v.rounds) AND in_scope(v.commune_code, $3)`,
		electionID, round, scope).Scan(&n); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `
		SELECT v.id, v.commune_code, v.bureau_code, v.max_distance_km, v.roles, v.preferred_bureaux, v.first_names, v.email
		FROM delegate_volunteers v
		WHERE v.election_id = $1 AND v.status = 'active' AND $2 = ANY (v.rounds) AND in_scope(v.commune_code, $3)
		ORDER BY v.id`, electionID, round, scope)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]runVolunteer, 0, n)
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
		out = append(growFor(out, 1), v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, addRemovals(ctx, q, electionID, round, out)
}

// addRemovals gives each volunteer the bureaux staff took back from them
// this round (Desk.Unassign): few rows, read apart rather than joined to
// 150,000 volunteers.
func addRemovals(ctx context.Context, q pgdb.Q, electionID int64, round int, vols []runVolunteer) error {
	rows, err := q.Query(ctx, `SELECT volunteer_id, commune_code || '_' || bureau_code FROM delegate_removals
		WHERE election_id = $1 AND round = $2`, electionID, round)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var bureau string
		if err := rows.Scan(&id, &bureau); err != nil {
			return err
		}
		// vols are in id order.
		if i, ok := slices.BinarySearchFunc(vols, id, func(v runVolunteer, id int64) int { return cmp.Compare(v.id, id) }); ok {
			vols[i].removed = append(vols[i].removed, bureau)
		}
	}
	return rows.Err()
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

// loadExisting: seats held in the round that touch the run (the seat in
// its seats, or its holder among its people).
func loadExisting(ctx context.Context, q pgdb.Q, electionID int64, round int, where runScope) ([]existingSeat, error) {
	rows, err := q.Query(ctx, `
		SELECT a.id, a.commune_code, a.bureau_code, a.role, a.volunteer_id, a.source = 'manual', a.confirmed_at IS NOT NULL,
			in_scope(a.commune_code, $3), in_scope(v.commune_code, $4),
			v.status = 'active' AND a.role = ANY (v.roles) AND a.round = ANY (v.rounds)
		FROM delegate_assignments a JOIN delegate_volunteers v ON v.id = a.volunteer_id
		WHERE a.election_id = $1 AND a.round = $2 AND (in_scope(a.commune_code, $3) OR in_scope(v.commune_code, $4))`,
		electionID, round, where.seats, where.people)
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

// addedSeat is a seat a run gives to someone new.
type addedSeat struct {
	key       seatKey
	volunteer int64
	need      int32 // index in the round's needs
}

// roundWrites is what a run changes in one round.
type roundWrites struct {
	round   int
	removed []int64 // delegate_assignments ids
	added   []addedSeat
	stored  bool // written while the round was solved (streamSeats)
}

// store writes a run: the seats (those of the last round may still be
// going in, pending), then the private links and messages of the people
// whose seats changed (seatsDone: when the seats were stored). The seats
// go first, in the background on the transaction's connection, while the
// links are made in Go: what the messages need beyond the run's own data
// (the seats of other rounds, people the run did not load) is read through
// the side reader, which sees the same rows.
func (d *Desk) store(ctx context.Context, tx pgx.Tx, side *pgdb.Side, pending *seatStream, e *elections.Election, rounds []int, writes []roundWrites,
	finals []roundFinal, changed map[int64]bool, who map[int64][2]string, actor string, now time.Time) (notified int, seatsDone time.Time, err error) {
	ids := make([]int64, 0, len(changed))
	for id := range changed {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	seats := make(chan error, 1)
	writeSeats := func() {
		go func() {
			if pending != nil {
				if err := pending.finish(); err != nil {
					seats <- err
					return
				}
			}
			for _, w := range writes {
				if err := writeRound(ctx, tx, e.ID, w, actor, now); err != nil {
					seats <- err
					return
				}
			}
			seats <- nil
		}()
	}
	var tell *tellings
	if !side.Open() {
		// One connection: its reads before the writes, after the seats
		// stored while the solver ran.
		if pending != nil {
			err, pending = pending.finish(), nil
			if err != nil {
				return 0, time.Time{}, err
			}
		}
		if len(ids) > 0 {
			if tell, err = d.prepareTell(ctx, tx, e, rounds, ids, finals, who, now); err != nil {
				return 0, time.Time{}, err
			}
		}
		writeSeats()
	} else {
		writeSeats()
		if len(ids) > 0 {
			if tell, err = d.prepareTell(ctx, side.Q(tx), e, rounds, ids, finals, who, now); err != nil {
				<-seats
				return 0, time.Time{}, err
			}
		}
	}
	err = <-seats
	seatsDone = time.Now()
	if tell == nil || err != nil {
		if tell != nil {
			tell.wait()
		}
		return 0, seatsDone, err
	}
	notified, err = tell.write(ctx, tx)
	return notified, seatsDone, err
}

// writeRound deletes the seats taken back and inserts the new ones (COPY:
// a national run gives 160,000 seats).
func writeRound(ctx context.Context, tx pgx.Tx, electionID int64, w roundWrites, actor string, now time.Time) error {
	if w.stored {
		return nil
	}
	if err := deleteSeats(ctx, tx, w.removed); err != nil {
		return err
	}
	return copySeats(ctx, tx, electionID, w.round, w.added, actor, now)
}

// deleteSeats removes seats of earlier runs (delegate_assignments ids).
func deleteSeats(ctx context.Context, tx pgx.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `DELETE FROM delegate_assignments WHERE id = ANY ($1)`, ids)
	return err
}

// copySeats inserts new seats of a round by COPY.
func copySeats(ctx context.Context, tx pgx.Tx, electionID int64, round int, added []addedSeat, actor string, now time.Time) error {
	if len(added) == 0 {
		return nil
	}
	row := seatRow(electionID, round, actor, now)
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"delegate_assignments"}, seatColumns,
		pgx.CopyFromSlice(len(added), func(i int) ([]any, error) {
			setSeatRow(row, &added[i])
			return row, nil
		}))
	return err
}

// seatColumns are the columns a run writes of a new seat.
var seatColumns = []string{"election_id", "round", "commune_code", "bureau_code", "role", "volunteer_id", "source", "assigned_by", "created_at", "notified_at"}

// seatRow is a row of seatColumns with what the seats of a round share.
// CopyFrom encodes each row before asking for the next: one slice serves
// them all (setSeatRow).
func seatRow(electionID int64, round int, actor string, now time.Time) []any {
	return []any{electionID, int16(round), "", "", "", int64(0), "auto", actor, now, now}
}

func setSeatRow(row []any, a *addedSeat) {
	row[2], row[3], row[4], row[5] = a.key.commune, a.key.bureau, string(a.key.role), a.volunteer
}

// tellings are the private links and messages of a run, made in Go while
// the run's seats are being stored (prepareTell), then stored in their turn
// (write). The links come first; the messages (140,000 at national scale)
// follow in order, and the outbox takes each as soon as it is made
// (notify.EnqueueEach).
type tellings struct {
	done         chan struct{}       // the links are made
	msgs         chan notify.Message // the messages, in ids order
	ids          []int64             // people told, in id order
	plains       []string            // per person: the token of their new link
	links        []runLink
	final        map[int64][]Seat // seats in the run's rounds after the run
	others       map[int64][]Seat // seats in the other rounds
	who          map[int64][2]string
	election     string
	linkBase     string
	expires, now time.Time
}

type runLink struct {
	hash      []byte
	volunteer int64
}

func (t *tellings) wait() { <-t.done }

// prepareTell reads what the messages need beyond the run's own data (the
// seats of other rounds, people the run did not load), then makes, in a
// goroutine, a fresh private link for each volunteer whose seats changed.
func (d *Desk) prepareTell(ctx context.Context, q pgdb.Q, e *elections.Election, rounds []int, ids []int64,
	finals []roundFinal, who map[int64][2]string, now time.Time) (*tellings, error) {
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
		if others, err = seatsOfWithDetails(ctx, q, e.ID, ids, otherRounds); err != nil {
			return nil, err
		}
	}
	if err := whoElse(ctx, q, ids, who); err != nil {
		return nil, err
	}
	t := &tellings{done: make(chan struct{}), msgs: make(chan notify.Message, len(ids)), ids: ids, plains: make([]string, len(ids)),
		links: make([]runLink, len(ids)), others: others, who: who, election: e.Name, linkBase: d.BaseURL + LinkPath, expires: linkExpiry(e), now: now}
	go func() {
		t.final = collectFinal(finals)
		for i, id := range ids {
			plain, hash := token.New()
			t.plains[i], t.links[i] = plain, runLink{hash, id}
		}
		// Links go in by hash order: the primary key then takes them in
		// one pass from left to right.
		slices.SortFunc(t.links, func(a, b runLink) int { return bytes.Compare(a.hash, b.hash) })
		close(t.done)
		// The channel holds them all: this never waits, even when the
		// run fails before they are stored.
		var body []byte
		for i := range ids {
			var m notify.Message
			m, body = t.message(i, body)
			t.msgs <- m
		}
	}()
	return t, nil
}

// whoElse adds to who the people told that the run did not load.
func whoElse(ctx context.Context, q pgdb.Q, ids []int64, who map[int64][2]string) error {
	var missing []int64
	for _, id := range ids {
		if _, ok := who[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT id, first_names, email FROM delegate_volunteers WHERE id = ANY ($1)`, missing)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var first, email string
		if err := rows.Scan(&id, &first, &email); err != nil {
			return err
		}
		who[id] = [2]string{first, email}
	}
	return rows.Err()
}

// message is the i-th person's message: their seats now, and their link
// (body: a buffer to reuse).
func (t *tellings) message(i int, body []byte) (notify.Message, []byte) {
	id := t.ids[i]
	w := t.who[id]
	list := append(t.others[id], t.final[id]...)
	slices.SortFunc(list, func(a, b Seat) int {
		return cmp.Or(cmp.Compare(a.Round, b.Round), cmp.Compare(a.CommuneCode, b.CommuneCode), cmp.Compare(len(a.BureauCode), len(b.BureauCode)), cmp.Compare(a.BureauCode, b.BureauCode))
	})
	subject := "Votre affectation de bureau de vote"
	if len(list) == 0 {
		subject = "Votre affectation a changé"
	}
	body = appendAssignedBody(body[:0], w[0], t.election, list, t.linkBase+t.plains[i])
	return notify.Message{Channel: notify.Email, Recipient: w[1], Subject: subject, Body: string(body), Kind: "delegate.assignment"}, body
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
	if err := notify.EnqueueEach(ctx, tx, len(t.ids), func(int) notify.Message { return <-t.msgs }); err != nil {
		return 0, err
	}
	return len(t.ids), nil
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

// RunRecord is one assignment run, as the coverage page lists it.
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
	// Scope: where the run planned seats (nil: everywhere).
	Scope []string
	// Wider: the run covered more than the viewer's scope. Its figures,
	// place and who ran it are the other area's business: left out.
	Wider bool
}

// RecentRuns lists the last runs of an election that touched the scope
// (nil: every run).
func RecentRuns(ctx context.Context, q pgdb.Q, scope []string, electionID int64, limit int) ([]RunRecord, error) {
	rows, err := q.Query(ctx, `
		SELECT id, round, actor, dry_run, started_at, duration_ms, seats, assigned, uncovered, added, removed, scope,
			$2::text[] IS NOT NULL AND (scope IS NULL OR EXISTS (SELECT 1 FROM unnest(scope) x WHERE NOT in_scope(x, $2)))
		FROM delegate_runs
		WHERE election_id = $1 AND ($2::text[] IS NULL OR scope IS NULL OR EXISTS (
			SELECT 1 FROM unnest(scope) x, unnest($2::text[]) y WHERE x = y OR departement_of(x) = y OR x = departement_of(y)))
		ORDER BY id DESC LIMIT $3`, electionID, scope, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (RunRecord, error) {
		var r RunRecord
		var round *int16
		err := row.Scan(&r.ID, &round, &r.Actor, &r.DryRun, &r.StartedAt, &r.DurationMs, &r.Seats, &r.Assigned, &r.Uncovered, &r.Added, &r.Removed, &r.Scope, &r.Wider)
		if round != nil {
			n := int(*round)
			r.Round = &n
		}
		if r.Wider {
			r.Actor, r.Seats, r.Assigned, r.Uncovered, r.Added, r.Removed, r.Scope = "", 0, 0, 0, 0, 0, nil
		}
		return r, err
	})
}

// PlaceLabel is where the run planned seats: "toute la France", or its
// départements and communes ("département 04", "commune 04070"); "" for a
// run of a wider scope (Wider).
func (r RunRecord) PlaceLabel() string {
	switch {
	case r.Wider:
		return ""
	case r.Scope == nil:
		return "toute la France"
	}
	parts := make([]string, len(r.Scope))
	for i, code := range r.Scope {
		parts[i] = PlaceName(code)
	}
	return strings.Join(parts, ", ")
}

// PlaceName is a scope code in words: "commune 04070", "département 04",
// "collectivité 987" (an overseas collectivity of 98x communes).
func PlaceName(code string) string {
	switch {
	case len(code) == 5:
		return "commune " + code
	case insee.KnownCollectivity(code):
		return "collectivité " + code
	}
	return "département " + code
}

// RoundLabel is "1er tour", or "tous les tours".
func (r RunRecord) RoundLabel() string {
	if r.Round == nil {
		return "tous les tours"
	}
	return fr.Round(*r.Round)
}

// beforeDeadline keeps the rounds whose names can still reach the mairie
// (R46): once the deadline has passed, a run would move people the mairie
// has already received, and name others it would not. A round asked for
// by itself is refused, saying so; of every round (all), those left, and
// a refusal when none is.
func beforeDeadline(e *elections.Election, rounds []int, all bool, now time.Time) ([]int, error) {
	var open []int
	var last elections.Round
	for _, n := range rounds {
		r, _ := e.Round(n)
		if now.Before(Deadline(r.Date)) {
			open = append(open, n)
		} else {
			last = r
		}
	}
	if len(open) > 0 || len(rounds) == 0 {
		return open, nil
	}
	what := fr.TheRound("Pour", last.Number)
	if all && len(rounds) > 1 {
		what = "Pour chaque tour"
	}
	return nil, check.Field("round", what+", la date limite de dépôt des noms à la mairie (le "+elections.Moment(Deadline(last.Date))+
		") est passée : une nouvelle répartition ne serait pas reconnue. Changez les sièges à la main si la mairie l'accepte encore.")
}
