package proxies

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/elections"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// MatchOptions choose what a matching run covers.
type MatchOptions struct {
	// Near restricts the run to the neighbourhood of these places (the
	// instant path): demands and volunteers within 2×GlobalMaxKm of one of
	// them, plus whoever holds or is held by their unanswered offers.
	// Empty: the whole election (the batch).
	Near   []places.Point
	DryRun bool   // compute and count, write nothing
	Actor  string // audit actor; staff.ActorSystem by default
}

// MatchResult counts what a run did (or would do, for a dry run).
type MatchResult struct {
	Election   string `json:"election"`
	Demands    int    `json:"demands"`    // request rounds looked at (open or proposed)
	Volunteers int    `json:"volunteers"` // volunteer rounds with capacity left
	Proposed   int    `json:"proposed"`   // new offers
	Early      int    `json:"early"`      // of them, written while the rest of the plan was solved
	Moved      int    `json:"moved"`      // unanswered offers given to another volunteer
	Withdrawn  int    `json:"withdrawn"`  // unanswered offers dropped without replacement
	Kept       int    `json:"kept"`       // unanswered offers left as they were
	Unmatched  int    `json:"unmatched"`  // request rounds left without a volunteer
	DryRun     bool   `json:"dry_run"`
	LoadMs     int64  `json:"load_ms"`
	SolveMs    int64  `json:"solve_ms"`
	WriteMs    int64  `json:"write_ms"`
}

// input is what a run loads: the engine's demands and supplies, the
// current unanswered offers, and what messages need.
type input struct {
	demands  []Demand
	supplies []Supply
	// since is when each open demand's round became open (zero for the
	// others): what reopen gives back to the rounds proposeOpen moved that
	// the plan leaves unserved.
	since    []time.Time
	proposed bool // proposeOpen has run
	current  []Assignment
	offerID  map[dkey]int64 // pending offer of a request round
	slot     map[dkey]int   // and the slot it takes
	slots    map[skey][]int // slots taken by live offers kept, per volunteer round
	dates    map[int]time.Time
	// What the write needs of each side (positions for the distances,
	// names for the messages), read with the engine's input from the same
	// rows: a batch then writes without reading 200,000 people again.
	req map[int64]reqPerson
	vol map[int64]volPerson
	// where: the places' names that messages say (loadPlaces), of every
	// request read when placesAll.
	where     map[[2]string]pair
	placesAll bool
	// spare: links written ahead of their messages, by volunteer
	// (spareLinks).
	spare map[int64][]spareLink
}

type reqPerson struct {
	first, commune, bureau string
	at                     places.Point
}

type volPerson struct {
	first, email string
	phone        string // when offers also go by SMS (Desk.SMS)
	at           places.Point
}

// Match runs the matching for one election under its exclusive lock, so
// that runs never overlap (batch, instant, several instances) and no state
// change interleaves with the write: the plan is applied to exactly the
// data it was computed on.
func (d *Desk) Match(ctx context.Context, electionID int64, opt MatchOptions) (*MatchResult, error) {
	if opt.Actor == "" {
		opt.Actor = staff.ActorSystem
	}
	var res *MatchResult
	err := pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		var err error
		res, err = d.match(ctx, tx, electionID, opt)
		if err == nil && opt.DryRun {
			return errDryRun
		}
		return err
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return res, err
}

var errDryRun = errors.New("dry run")

func (d *Desk) match(ctx context.Context, tx pgx.Tx, electionID int64, opt MatchOptions) (*MatchResult, error) {
	if err := lockElection(ctx, tx, electionID); err != nil {
		return nil, err
	}
	now := d.now()
	res := &MatchResult{DryRun: opt.DryRun}
	if err := tx.QueryRow(ctx, `SELECT slug FROM elections WHERE id = $1`, electionID).Scan(&res.Election); err != nil {
		return nil, err
	}
	t0 := time.Now()
	in, err := d.load(ctx, tx, electionID, opt.Near, now, true)
	if err != nil {
		return nil, err
	}
	res.Demands, res.Volunteers = len(in.demands), len(in.supplies)
	t1 := time.Now()
	popt := Options{GlobalMaxKm: d.globalMaxKm()}
	var early *earlyOffers
	if !opt.DryRun && len(opt.Near) == 0 {
		early = d.startEarly(ctx, tx, electionID, in, now)
		popt.Settled, popt.Saturated = early.settle, early.saturated
	}
	planned := Plan(in.demands, in.supplies, popt)
	add, remove := Diff(in.current, planned)
	if early != nil {
		if err := early.finish(); err != nil {
			return nil, err
		}
		res.Early = len(early.written)
	}
	t2 := time.Now()
	res.LoadMs, res.SolveMs = t1.Sub(t0).Milliseconds(), t2.Sub(t1).Milliseconds()

	served := make(map[dkey]bool, len(planned))
	for _, a := range planned {
		served[dkey{a.RequestID, a.Round}] = true
	}
	res.Unmatched = len(in.demands) - len(served)
	res.Kept = len(in.current) - len(remove)
	for _, r := range remove {
		if served[dkey{r.RequestID, r.Round}] {
			res.Moved++
		} else {
			res.Withdrawn++
		}
	}
	res.Proposed = len(add) - res.Moved
	if opt.DryRun {
		return res, nil
	}
	if err := in.reopen(ctx, tx, served); err != nil {
		return nil, err
	}
	if len(add) == 0 && len(remove) == 0 {
		return res, in.dropSpareLinks(ctx, tx)
	}
	if err := d.write(ctx, tx, electionID, in, early.rest(add), remove, served, now); err != nil {
		return nil, err
	}
	if err := in.dropSpareLinks(ctx, tx); err != nil {
		return nil, err
	}
	res.WriteMs = time.Since(t2).Milliseconds()
	details := map[string]any{"proposed": res.Proposed, "moved": res.Moved, "withdrawn": res.Withdrawn,
		"kept": res.Kept, "unmatched": res.Unmatched, "demands": res.Demands, "volunteers": res.Volunteers,
		"instant": len(opt.Near) > 0}
	if len(add)+len(remove) <= 50 {
		// Small runs (the instant path) name the pairs, so that a
		// request's history says who was proposed when.
		pairs := make([]string, 0, len(add))
		for _, a := range add {
			pairs = append(pairs, fmt.Sprintf("%d/%d→%d", a.RequestID, a.Round, a.VolunteerID))
		}
		details["offers"] = pairs
	}
	return res, staff.Audit(ctx, tx, opt.Actor, "proxy_matching.run", "election", res.Election, details)
}

// earlyOffers writes the new offers that Plan settles before it returns
// (Options.Settled: the abundant part of a batch, a tenth of its offers)
// while the rest is solved, when the transaction's connection and a core
// are idle. Only offers that touch no current one go early: those of
// request rounds without an offer, to volunteers without one in the
// round (a change or a move must follow its withdrawal, in write), nor a
// re-plannable one in another round (if the plan moves it, write tells
// them of the move in their new offer's message). It also writes the
// links of the volunteers Plan is sure to use (Options.Saturated: the
// scarce part, most of the offers) for their messages to take.
type earlyOffers struct {
	d          *Desk
	ctx        context.Context
	tx         pgx.Tx
	electionID int64
	in         *input
	now        time.Time
	ch         chan earlyJob
	done       chan struct{}
	written    map[dkey]bool
	holding    map[int64]bool // volunteers with a re-plannable offer (in.current)
	err        error
}

func (d *Desk) startEarly(ctx context.Context, tx pgx.Tx, electionID int64, in *input, now time.Time) *earlyOffers {
	e := &earlyOffers{d: d, ctx: ctx, tx: tx, electionID: electionID, in: in, now: now,
		ch: make(chan earlyJob, 4), done: make(chan struct{}), written: map[dkey]bool{},
		holding: make(map[int64]bool, len(in.current))}
	for _, a := range in.current {
		e.holding[a.VolunteerID] = true
	}
	go e.run()
	return e
}

// earlyJob is offers to write, or volunteers to write links for.
type earlyJob struct {
	offers []Assignment
	links  []int64
}

// settle is Plan's Options.Settled.
func (e *earlyOffers) settle(as []Assignment) { e.ch <- earlyJob{offers: as} }

// saturated is Plan's Options.Saturated.
func (e *earlyOffers) saturated(_ int, volunteers []int64) { e.ch <- earlyJob{links: volunteers} }

func (e *earlyOffers) run() {
	defer close(e.done)
	// Every mandant's place first, while the plan is solved: the write
	// then reads none. Then the open rounds become proposed.
	e.err = e.in.loadPlaces(e.ctx, e.tx, maps.Keys(e.in.req))
	e.in.placesAll = e.err == nil
	if e.err == nil {
		e.err = e.in.proposeOpen(e.ctx, e.tx, e.now)
	}
	for job := range e.ch {
		if e.err != nil {
			continue
		}
		if job.links != nil {
			e.err = e.in.spareLinks(e.ctx, e.tx, e.now, job.links)
			continue
		}
		var add []Assignment
		for _, a := range job.offers {
			if _, current := e.in.offerID[dkey{a.RequestID, a.Round}]; current || len(e.in.slots[skey{a.VolunteerID, a.Round}]) > 0 || e.holding[a.VolunteerID] {
				continue
			}
			add = append(add, a)
		}
		if e.err = e.d.addOffers(e.ctx, e.tx, e.electionID, e.in, add, nil, e.now); e.err == nil {
			for _, a := range add {
				e.written[dkey{a.RequestID, a.Round}] = true
			}
		}
	}
}

// finish waits for the early writes (Plan has returned) and returns their
// error.
func (e *earlyOffers) finish() error {
	close(e.ch)
	<-e.done
	return e.err
}

// rest is add without the offers written early (all of add when e is nil).
func (e *earlyOffers) rest(add []Assignment) []Assignment {
	if e == nil || len(e.written) == 0 {
		return add
	}
	out := make([]Assignment, 0, len(add)-len(e.written))
	for _, a := range add {
		if !e.written[dkey{a.RequestID, a.Round}] {
			out = append(out, a)
		}
	}
	return out
}

// load reads the engine's input for the election, or for the
// neighbourhood of near. For a plan, the unanswered offers staff made
// stand (staffStand); ranking a request's candidates sees them as any.
func (d *Desk) load(ctx context.Context, tx pgx.Tx, electionID int64, near []places.Point, now time.Time, staffStand bool) (*input, error) {
	in := &input{offerID: map[dkey]int64{}, slot: map[dkey]int{}, slots: map[skey][]int{}, dates: map[int]time.Time{},
		req: map[int64]reqPerson{}, vol: map[int64]volPerson{}}
	today := elections.Today(now)
	rows, err := tx.Query(ctx, `SELECT number, date FROM rounds WHERE election_id = $1 AND date > $2`, electionID, today)
	if err != nil {
		return nil, err
	}
	var live []int16
	for rows.Next() {
		var n int16
		var date time.Time
		if err := rows.Scan(&n, &date); err != nil {
			rows.Close()
			return nil, err
		}
		in.dates[int(n)] = date
		live = append(live, n)
	}
	rows.Close()
	if len(live) == 0 {
		return in, nil // nothing left to plan: the election is over
	}

	// Which requests and volunteers: all of the election, or ids around
	// the events (the filter below), extended by the other side of their
	// unanswered offers.
	reqFilter, volFilter := `TRUE`, `TRUE`
	var reqIDs, volIDs []int64
	if len(near) > 0 {
		if reqIDs, volIDs, err = d.neighbourhood(ctx, tx, electionID, near); err != nil {
			return nil, err
		}
		if len(reqIDs) == 0 || len(volIDs) == 0 {
			return in, nil // nobody to pair around here
		}
		volFilter = `v.id = ANY ($3)`
	}
	argsR := []any{electionID}
	argsV := []any{electionID, live}
	if len(near) > 0 {
		argsR, argsV = append(argsR, reqIDs), append(argsV, volIDs)
		reqFilter = `r.id = ANY ($2)`
	}

	// A batch reads the volunteers on a second connection, in the
	// snapshot this transaction had when it began to load, while this one
	// reads the requests (nationally 200,000 volunteer rounds and 100,000
	// requests). A volunteer who signs up or withdraws meanwhile is one
	// the plan could miss anyway: the solve takes longer than the load.
	// The pairs never to propose are read afterwards, here, so that they
	// cover every request read.
	var others sideLoad
	read := func(q pgdb.Q) {
		var rounds, people int
		if len(near) == 0 {
			rounds, people = pgdb.EstimateRows(ctx, q, "proxy_volunteer_rounds"), pgdb.EstimateRows(ctx, q, "proxy_volunteers")
		}
		others.supplies, others.vol, others.err = loadSupplies(ctx, q, volFilter, argsV, rounds, people, d.SMS)
	}
	var side *pgdb.Side
	if len(near) == 0 {
		if side, err = pgdb.OpenSide(ctx, d.Pool, tx); err != nil {
			return nil, err
		}
		defer side.Close()
	}
	var done chan struct{}
	if side != nil && side.Open() {
		done = make(chan struct{})
		go func() {
			defer close(done)
			read(side.Q(tx))
		}()
		defer func() { <-done }() // before side.Close
	}
	wait := func() error {
		if done != nil {
			<-done
		} else {
			read(tx)
		}
		in.supplies, in.vol = others.supplies, others.vol
		return others.err
	}

	type other struct {
		rounds    int   // how many rounds the request still needs
		volunteer int64 // a volunteer carrying one of them
	}
	otherRounds := map[int64]other{}
	if len(near) == 0 {
		expect := pgdb.EstimateRows(ctx, tx, "proxy_request_rounds")
		in.demands, in.since, otherRounds = make([]Demand, 0, expect), make([]time.Time, 0, expect), make(map[int64]other, expect)
		in.req = make(map[int64]reqPerson, expect)
	}
	// Demands: open or proposed request rounds of rounds still ahead. All
	// rounds are read so that a request's other round tells whether it
	// needs both (BothRounds) and who already carries it (Partner).
	rows, err = tx.Query(ctx, `
		SELECT rr.request_id, rr.round, rr.status, rr.status_at, coalesce(rr.volunteer_id, 0), r.commune_code, r.bureau_code, r.latitude, r.longitude,
			r.first_name
		FROM proxy_request_rounds rr JOIN proxy_requests r ON r.id = rr.request_id
		WHERE r.election_id = $1 AND rr.status <> 'cancelled' AND r.latitude IS NOT NULL AND `+reqFilter, argsR...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var dm Demand
		var round int16
		var status string
		var since time.Time
		var volunteer int64
		var first string
		if err := rows.Scan(&dm.RequestID, &round, &status, &since, &volunteer, &dm.Commune, &dm.Bureau, &dm.At.Lat, &dm.At.Lon, &first); err != nil {
			rows.Close()
			return nil, err
		}
		o := otherRounds[dm.RequestID]
		o.rounds++
		if volunteer != 0 {
			o.volunteer = volunteer
		}
		otherRounds[dm.RequestID] = o
		if _, ok := in.dates[int(round)]; !ok || (status != RoundOpen && status != RoundProposed) {
			continue
		}
		dm.Round = int(round)
		dm.Seq = dm.RequestID // ids grow with time: smaller is older
		in.demands = append(in.demands, dm)
		if status != RoundOpen {
			since = time.Time{}
		}
		in.since = append(in.since, since)
		in.req[dm.RequestID] = reqPerson{first: first, commune: dm.Commune, bureau: dm.Bureau, at: dm.At}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	demandAt := make(map[dkey]int, len(in.demands))
	for i := range in.demands {
		dm := &in.demands[i]
		o := otherRounds[dm.RequestID]
		dm.BothRounds = o.rounds > 1
		if o.volunteer != 0 {
			dm.Partner = o.volunteer // only the other round can have one: this one is open or proposed
		}
		demandAt[dkey{dm.RequestID, dm.Round}] = i
	}

	// What else this transaction reads goes while the side connection
	// still reads the volunteers: the live offers, then the pairs never to
	// propose.
	type liveOffer struct {
		id, rid, vid int64
		round, slot  int16
		status       string
		byStaff      bool
	}
	var offers []liveOffer
	offerFilter := `TRUE`
	argsO := []any{electionID}
	if len(near) > 0 {
		offerFilter = `(o.request_id = ANY ($2) OR o.volunteer_id = ANY ($3))`
		argsO = append(argsO, reqIDs, volIDs)
	}
	rows, err = tx.Query(ctx, `SELECT o.id, o.request_id, o.round, o.volunteer_id, o.slot, o.status, o.created_by LIKE 'staff:%' FROM proxy_offers o
		WHERE o.election_id = $1 AND o.status IN ('pending', 'accepted') AND `+offerFilter, argsO...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var o liveOffer
		if err := rows.Scan(&o.id, &o.rid, &o.round, &o.vid, &o.slot, &o.status, &o.byStaff); err != nil {
			rows.Close()
			return nil, err
		}
		offers = append(offers, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	never, err := loadNever(ctx, tx, electionID, reqIDs, len(near) > 0)
	if err != nil {
		return nil, err
	}

	if err := wait(); err != nil {
		return nil, err
	}
	supplyAt := make(map[skey]int, len(in.supplies))
	for i, s := range in.supplies {
		supplyAt[skey{s.VolunteerID, s.Round}] = i
	}

	// Live offers: pending ones are re-plannable (Offered on both sides),
	// but for those staff made by hand, which stand like accepted ones in
	// a plan (staff chose that pair: no plan undoes it); the slots of all
	// of them are taken.
	for _, o := range offers {
		id, rid, vid, round, slot, status, byStaff := o.id, o.rid, o.vid, o.round, o.slot, o.status, o.byStaff
		dk, sk := dkey{rid, int(round)}, skey{vid, int(round)}
		in.slots[sk] = append(in.slots[sk], int(slot))
		if status == OfferPending {
			di, dOK := demandAt[dk]
			si, sOK := supplyAt[sk]
			if dOK && sOK && !(byStaff && staffStand) {
				in.demands[di].Offered = vid
				in.supplies[si].Offered = rid
				in.offerID[dk] = id
				in.slot[dk] = int(slot)
				in.current = append(in.current, Assignment{RequestID: rid, Round: int(round), VolunteerID: vid})
				continue
			}
			if sOK {
				// Held for a request outside this plan: Plan leaves the
				// volunteer alone.
				in.supplies[si].Offered = rid
			}
			if dOK {
				// The request's volunteer is outside the plan: the offer
				// stands and the demand is not planned.
				in.demands[di].Offered = -1
			}
		}
	}
	// Demands whose offer cannot be re-planned here are dropped.
	kept, keptSince := in.demands[:0], in.since[:0]
	for i, dm := range in.demands {
		if dm.Offered != -1 {
			kept, keptSince = append(kept, dm), append(keptSince, in.since[i])
		}
	}
	in.demands, in.since = kept, keptSince
	for i := range in.demands {
		in.demands[i].Declined = never[in.demands[i].RequestID]
	}
	return in, nil
}

// neighbourhood returns the requests and volunteers within 2×GlobalMaxKm
// of the events, and the other side of their unanswered offers.
func (d *Desk) neighbourhood(ctx context.Context, tx pgx.Tx, electionID int64, near []places.Point) ([]int64, []int64, error) {
	radius := 2 * d.globalMaxKm()
	minLat, maxLat, minLon, maxLon := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range near {
		minLat, maxLat = math.Min(minLat, p.Lat), math.Max(maxLat, p.Lat)
		minLon, maxLon = math.Min(minLon, p.Lon), math.Max(maxLon, p.Lon)
	}
	dLat := radius / kmPerDegree * 1.01
	polar := math.Min(89, math.Max(math.Abs(minLat-dLat), math.Abs(maxLat+dLat)))
	dLon := radius / (kmPerDegree * math.Cos(polar*math.Pi/180)) * 1.01
	box := []any{electionID, minLat - dLat, maxLat + dLat, minLon - dLon, maxLon + dLon}
	g := newGrid(near, radius)
	within := func(p places.Point) bool {
		found := false
		g.near(p, radius, func(i int32) {
			if !found && places.DistanceKm(p, near[i]) <= radius {
				found = true
			}
		})
		return found
	}
	pick := func(sql string) ([]int64, error) {
		rows, err := tx.Query(ctx, sql, box...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			var p places.Point
			if err := rows.Scan(&id, &p.Lat, &p.Lon); err != nil {
				return nil, err
			}
			if within(p) {
				ids = append(ids, id)
			}
		}
		return ids, rows.Err()
	}
	// Volunteers first: where none is around (a burst of requests in a
	// place without volunteers), there is nothing to plan.
	volIDs, err := pick(`SELECT v.id, v.latitude, v.longitude FROM proxy_volunteers v
		WHERE v.election_id = $1 AND v.status = 'active' AND v.latitude BETWEEN $2 AND $3 AND v.longitude BETWEEN $4 AND $5`)
	if err != nil || len(volIDs) == 0 {
		return nil, nil, err
	}
	reqIDs, err := pick(`SELECT r.id, r.latitude, r.longitude FROM proxy_requests r
		WHERE r.election_id = $1 AND r.latitude BETWEEN $2 AND $3 AND r.longitude BETWEEN $4 AND $5
			AND EXISTS (SELECT 1 FROM proxy_request_rounds rr WHERE rr.request_id = r.id AND rr.status IN ('open', 'proposed'))`)
	if err != nil || len(reqIDs) == 0 {
		return nil, nil, err
	}
	rows, err := tx.Query(ctx, `SELECT request_id, volunteer_id FROM proxy_offers
		WHERE election_id = $1 AND status = 'pending' AND (request_id = ANY ($2) OR volunteer_id = ANY ($3))`, electionID, reqIDs, volIDs)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	seenR, seenV := map[int64]bool{}, map[int64]bool{}
	for _, id := range reqIDs {
		seenR[id] = true
	}
	for _, id := range volIDs {
		seenV[id] = true
	}
	for rows.Next() {
		var rid, vid int64
		if err := rows.Scan(&rid, &vid); err != nil {
			return nil, nil, err
		}
		if !seenR[rid] {
			seenR[rid] = true
			reqIDs = append(reqIDs, rid)
		}
		if !seenV[vid] {
			seenV[vid] = true
			volIDs = append(volIDs, vid)
		}
	}
	return reqIDs, volIDs, rows.Err()
}

// write applies a plan: withdraws the unanswered offers it does not keep,
// inserts the new ones (COPY), moves the request rounds' statuses, and
// tells every volunteer concerned, each with a fresh private link.
func (d *Desk) write(ctx context.Context, tx pgx.Tx, electionID int64, in *input, add, remove []Assignment, served map[dkey]bool, now time.Time) error {
	linkExpiry := in.linkExpiry()

	// 1. Withdraw first: a moved volunteer's slot must be free before
	// their new offer takes it. Each is told, with a link to their page:
	// here, or in the message of the new offer the run gives them (moved).
	var moved map[int64][]withdrawal
	if len(remove) > 0 {
		ids := make([]int64, len(remove))
		var openR []int64
		var openN []int16
		for i, r := range remove {
			ids[i] = in.offerID[dkey{r.RequestID, r.Round}]
			if !served[dkey{r.RequestID, r.Round}] {
				openR, openN = append(openR, r.RequestID), append(openN, int16(r.Round))
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE proxy_offers SET status = 'withdrawn', reason = 'moved', answered_at = $2 WHERE id = ANY ($1)`, ids, now); err != nil {
			return err
		}
		if len(openR) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE proxy_request_rounds rr SET status = 'open', status_at = $3
				FROM unnest($1::bigint[], $2::smallint[]) AS k(r, n) WHERE rr.request_id = k.r AND rr.round = k.n`, openR, openN, now); err != nil {
				return err
			}
		}
		for _, r := range remove {
			k := skey{r.VolunteerID, r.Round}
			in.slots[k] = without(in.slots[k], in.slot[dkey{r.RequestID, r.Round}])
		}
		info, err := loadPeople(ctx, tx, remove)
		if err != nil {
			return err
		}
		// A volunteer who also gets a new offer in this run is told both
		// in one message, the offer's (addOffers): that their proposal
		// goes to someone else, and the new one. The others get one
		// message per request: a pair moved on both rounds is told once,
		// naming both.
		losing := make(map[int64]bool, len(remove))
		for _, r := range remove {
			losing[r.VolunteerID] = true
		}
		offered := map[int64]bool{}
		for _, a := range add {
			if losing[a.VolunteerID] {
				offered[a.VolunteerID] = true
			}
		}
		var ws []withdrawal
		for _, r := range remove {
			w := withdrawal{pair: info.pair(r, in.dates[r.Round]), reason: "moved"}
			w.status = OfferPending
			if !offered[r.VolunteerID] {
				ws = append(ws, w)
				continue
			}
			if moved == nil {
				moved = map[int64][]withdrawal{}
			}
			moved[r.VolunteerID] = append(moved[r.VolunteerID], w)
		}
		groups := byPair(ws)
		links := drawLinks(len(groups), func(g int) int64 { return groups[g][0].volunteerID }, in.spare)
		msgs := make([]notify.Message, 0, len(groups))
		for g, gw := range groups {
			msgs = append(msgs, notify.Message{Channel: notify.Email, Recipient: gw[0].vEmail, Kind: "proxy.withdrawn",
				Subject: withdrawnVolunteerNoteSubject(gw), Body: withdrawnVolunteerNote(gw, d.url(links.secrets[g]))})
		}
		if err := copyLinks(ctx, tx, now, linkExpiry, links.rows); err != nil {
			return err
		}
		if err := notify.Enqueue(ctx, tx, msgs...); err != nil {
			return err
		}
	}
	return d.addOffers(ctx, tx, electionID, in, add, moved, now)
}

// linkExpiry is when the links of the run's messages die: three days
// after the election's last round.
func (in *input) linkExpiry() time.Time {
	last := time.Time{}
	for _, dt := range in.dates {
		if dt.After(last) {
			last = dt
		}
	}
	return last.AddDate(0, 0, 3)
}

// addOffers inserts new offers (COPY), moves their request rounds to
// proposed and tells each volunteer, with a fresh private link; the
// message of a volunteer in moved (by volunteer: their unanswered offers
// the run withdrew, write) first says those went to someone else.
func (d *Desk) addOffers(ctx context.Context, tx pgx.Tx, electionID int64, in *input, add []Assignment, moved map[int64][]withdrawal, now time.Time) error {
	if len(add) == 0 {
		return nil
	}
	linkExpiry := in.linkExpiry()
	slots := make([]int16, len(add))
	kms := make([]float64, len(add))
	expires := make([]time.Time, len(add))
	deadline := map[int]time.Time{}
	for r, date := range in.dates {
		deadline[r] = d.Expiry.Deadline(now, date)
	}
	if len(add) > len(in.slots) {
		// Grown once for a batch's offers rather than doubling all along.
		grown := make(map[skey][]int, len(in.slots)+len(add))
		maps.Copy(grown, in.slots)
		in.slots = grown
	}
	taken := make([]int, len(add)) // the slots' lists of one place
	for i, a := range add {
		k := skey{a.VolunteerID, a.Round}
		held := in.slots[k]
		slot, ok := freeSlot(held)
		if !ok {
			return fmt.Errorf("proxies: the plan gives volunteer %d more than %d proxies in round %d", a.VolunteerID, MaxProxiesPerRound, a.Round)
		}
		if held == nil {
			taken[i] = slot
			in.slots[k] = taken[i : i+1 : i+1]
		} else {
			in.slots[k] = append(held, slot)
		}
		slots[i] = int16(slot)
		kms[i] = math.Round(a.Km*10) / 10
		expires[i] = deadline[a.Round]
	}
	if err := roomForUnnest(ctx, tx, len(add)); err != nil {
		return err
	}
	if !in.placesAll {
		err := in.loadPlaces(ctx, tx, func(yield func(int64) bool) {
			for _, a := range add {
				if !yield(a.RequestID) {
					return
				}
			}
		})
		if err != nil {
			return err
		}
	}
	where := in.where
	who := func(n offerNote) pair {
		r, v := in.req[n.requestID], in.vol[n.volunteerID]
		p := where[[2]string{r.commune, r.bureau}]
		p.requestID, p.rFirst, p.volunteerID, p.vFirst, p.vEmail, p.vPhone = n.requestID, r.first, n.volunteerID, v.first, v.email, v.phone
		return p
	}
	// The links' secrets are drawn (or taken from the spare ones) while
	// PostgreSQL inserts the offers and moves the statuses; this
	// transaction then writes the links. A batch writes the messages on a
	// second connection (notify.Stage), released by this transaction,
	// which takes its share of them once its own rows are in: the
	// database inserts offers, links and messages on both cores, and the
	// two connections end together.
	notes := noteOffers(add, kms, expires)
	tellMoved(notes, moved)
	render := d.offerRenderer(who, in.dates, notes)
	var (
		links  offerLinks
		msgs   *notify.Shared
		hold   int64
		staged bool
		errMsg error
	)
	drawn, staging := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(staging)
		links = drawLinks(len(notes), func(i int) int64 { return notes[i].volunteerID }, in.spare)
		msgs = render.messages(notes, links)
		close(drawn)
		if len(notes) >= stageFrom {
			hold, staged, errMsg = notify.Stage(ctx, d.Pool, msgs)
		}
	}()
	defer func() { <-staging }()

	if _, err := pgdb.CopyRows(ctx, tx, "proxy_offers",
		[]string{"election_id", "request_id", "round", "volunteer_id", "slot", "status", "cost", "distance_km", "created_at", "expires_at"},
		len(add), func(i int, w *pgdb.Row) bool {
			a := add[i]
			w.Int8(electionID)
			w.Int8(a.RequestID)
			w.Int2(int16(a.Round))
			w.Int8(a.VolunteerID)
			w.Int2(slots[i])
			w.Text(OfferPending)
			w.Float8(float64(a.Cost))
			w.Float8(kms[i])
			w.Timestamptz(now)
			w.Timestamptz(expires[i])
			return true
		}); err != nil {
		return err
	}
	// The rounds proposeOpen moved are proposed already.
	var rounds []dkey
	for _, a := range add {
		if _, current := in.offerID[dkey{a.RequestID, a.Round}]; current || !in.proposed {
			rounds = append(rounds, dkey{a.RequestID, a.Round})
		}
	}
	if err := propose(ctx, tx, rounds, now); err != nil {
		return err
	}
	<-drawn
	if err := copyLinks(ctx, tx, now, linkExpiry, links.rows); err != nil {
		return err
	}
	// The messages that Stage has not taken yet.
	if err := msgs.Enqueue(ctx, tx); err != nil {
		return err
	}
	<-staging
	switch {
	case errMsg != nil:
		return errMsg
	case staged:
		return notify.Release(ctx, tx, hold)
	}
	return nil
}

// proposeOpen moves every open request round of the run to proposed,
// early (the batch calls it while Plan solves and the connection is idle):
// nearly all of them get an offer. The write then moves back those that
// get none (reopen), and does not move the others again.
func (in *input) proposeOpen(ctx context.Context, tx pgx.Tx, now time.Time) error {
	var rounds []dkey
	for i, dm := range in.demands {
		if !in.since[i].IsZero() {
			rounds = append(rounds, dkey{dm.RequestID, dm.Round})
		}
	}
	if err := roomForUnnest(ctx, tx, len(rounds)); err != nil {
		return err
	}
	in.proposed = true
	return propose(ctx, tx, rounds, now)
}

// reopen moves back to open, as of when they were, the rounds that
// proposeOpen moved and the plan does not serve.
func (in *input) reopen(ctx context.Context, tx pgx.Tx, served map[dkey]bool) error {
	if !in.proposed {
		return nil
	}
	var r []int64
	var n []int16
	var at []time.Time
	for i, dm := range in.demands {
		if !in.since[i].IsZero() && !served[dkey{dm.RequestID, dm.Round}] {
			r, n, at = append(r, dm.RequestID), append(n, int16(dm.Round)), append(at, in.since[i])
		}
	}
	if len(r) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE proxy_request_rounds rr SET status = 'open', status_at = k.at
		FROM unnest($1::bigint[], $2::smallint[], $3::timestamptz[]) AS k(r, n, at) WHERE rr.request_id = k.r AND rr.round = k.n`, r, n, at)
	return err
}

// propose moves request rounds to proposed.
func propose(ctx context.Context, tx pgx.Tx, rounds []dkey, now time.Time) error {
	if len(rounds) == 0 {
		return nil
	}
	r, n := make([]int64, len(rounds)), make([]int16, len(rounds))
	for i, k := range rounds {
		r[i], n[i] = k.req, int16(k.round)
	}
	_, err := tx.Exec(ctx, `UPDATE proxy_request_rounds rr SET status = 'proposed', status_at = $3
		FROM unnest($1::bigint[], $2::smallint[]) AS k(r, n) WHERE rr.request_id = k.r AND rr.round = k.n`, r, n, now)
	return err
}

// roomForUnnest gives this transaction's statements the memory to join n
// rows of unnest() without spilling to disk (the default 4 MB is too
// little for a batch).
func roomForUnnest(ctx context.Context, tx pgx.Tx, n int) error {
	if n <= 1000 {
		return nil
	}
	_, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'`)
	return err
}

// stageFrom is how many offer messages make a run write them beside its
// transaction too (notify.Stage), not only in it: a batch, not the
// instant path's few. A variable for tests.
var stageFrom = 1000

// freeSlot is the smallest of the volunteer's MaxProxiesPerRound places
// not taken; ok is false when all are. The database's CHECK allows the
// legal ceiling (two), not the campaign's limit: the caller must refuse.
func freeSlot(taken []int) (slot int, ok bool) {
	for s := 1; s <= MaxProxiesPerRound; s++ {
		if !slices.Contains(taken, s) {
			return s, true
		}
	}
	return 0, false
}

// without removes one occurrence of x.
func without(xs []int, x int) []int {
	for i, v := range xs {
		if v == x {
			return append(xs[:i:i], xs[i+1:]...)
		}
	}
	return xs
}

// loadPlaces reads into in.where the names of the places where the
// mandants of ids vote, by commune and bureau (bureau "" when unknown),
// that it lacks: offer messages say them, and thousands of requests share
// each place.
func (in *input) loadPlaces(ctx context.Context, tx pgx.Tx, ids iter.Seq[int64]) error {
	if in.where == nil {
		in.where = map[[2]string]pair{}
	}
	seen := map[[2]string]bool{}
	var communes, bureaux []string
	for id := range ids {
		r := in.req[id]
		if k := [2]string{r.commune, r.bureau}; !seen[k] {
			seen[k] = true
			if _, ok := in.where[k]; !ok {
				communes, bureaux = append(communes, r.commune), append(bureaux, r.bureau)
			}
		}
	}
	if len(communes) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `
		SELECT k.c, k.b, c.name, coalesce(b.name, ''), coalesce(b.address, '')
		FROM unnest($1::text[], $2::text[]) AS k(c, b) JOIN communes c ON c.code = k.c
		LEFT JOIN bureaux b ON b.commune_code = k.c AND b.code = k.b`, communes, bureaux)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.rCommune, &p.rBureau, &p.rCommuneName, &p.rBureauName, &p.rBureauAddress); err != nil {
			return err
		}
		in.where[[2]string{p.rCommune, p.rBureau}] = p
	}
	return rows.Err()
}

// people is what messages say about the requests and volunteers of a plan.
type people struct {
	req map[int64]pair
	vol map[int64]pair
}

func (pp *people) pair(a Assignment, date time.Time) pair {
	p := pp.req[a.RequestID]
	v := pp.vol[a.VolunteerID]
	p.volunteerID, p.vFirst, p.vLast, p.vEmail, p.vPhone = a.VolunteerID, v.vFirst, v.vLast, v.vEmail, v.vPhone
	p.round, p.roundDate = a.Round, date
	return p
}

func loadPeople(ctx context.Context, tx pgx.Tx, lists ...[]Assignment) (*people, error) {
	var rids, vids []int64
	for _, l := range lists {
		for _, a := range l {
			rids, vids = append(rids, a.RequestID), append(vids, a.VolunteerID)
		}
	}
	pp := &people{req: map[int64]pair{}, vol: map[int64]pair{}}
	rows, err := tx.Query(ctx, `
		SELECT r.id, r.first_name, r.last_name, r.email, r.phone, r.commune_code, c.name, r.bureau_code, coalesce(b.name, ''), coalesce(b.address, '')
		FROM proxy_requests r JOIN communes c ON c.code = r.commune_code
		LEFT JOIN bureaux b ON b.commune_code = r.commune_code AND b.code = r.bureau_code
		WHERE r.id = ANY ($1)`, rids)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.requestID, &p.rFirst, &p.rLast, &p.rEmail, &p.rPhone, &p.rCommune, &p.rCommuneName, &p.rBureau, &p.rBureauName, &p.rBureauAddress); err != nil {
			rows.Close()
			return nil, err
		}
		pp.req[p.requestID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT id, first_name, last_name, email, phone FROM proxy_volunteers WHERE id = ANY ($1)`, vids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.volunteerID, &p.vFirst, &p.vLast, &p.vEmail, &p.vPhone); err != nil {
			return nil, err
		}
		pp.vol[p.volunteerID] = p
	}
	return pp, rows.Err()
}

// sideLoad is what load reads on its second connection.
type sideLoad struct {
	supplies []Supply
	vol      map[int64]volPerson
	err      error
}

// loadSupplies reads the active volunteers' rounds with capacity left
// (capacity minus accepted offers): about rounds of them, of about people
// volunteers; their phones only with sms.
func loadSupplies(ctx context.Context, q pgdb.Q, volFilter string, args []any, rounds, people int, sms bool) ([]Supply, map[int64]volPerson, error) {
	phone := `''`
	if sms {
		phone = `v.phone`
	}
	rows, err := q.Query(ctx, `
		SELECT v.id, vr.round, v.commune_code, v.bureau_code, v.latitude, v.longitude, v.max_distance_km,
			coalesce(a.n, 0), v.first_name, v.email, `+phone+`
		FROM proxy_volunteers v JOIN proxy_volunteer_rounds vr ON vr.volunteer_id = v.id
		LEFT JOIN (SELECT volunteer_id, round, count(*) AS n FROM proxy_offers WHERE election_id = $1 AND status = 'accepted' GROUP BY 1, 2) a
			ON a.volunteer_id = v.id AND a.round = vr.round
		WHERE v.election_id = $1 AND vr.round = ANY ($2) AND v.status = 'active' AND v.latitude IS NOT NULL AND `+volFilter, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out := make([]Supply, 0, rounds)
	vol := make(map[int64]volPerson, people)
	for rows.Next() {
		var s Supply
		var round int16
		var maxKm, accepted int
		var vp volPerson
		if err := rows.Scan(&s.VolunteerID, &round, &s.Commune, &s.Bureau, &s.At.Lat, &s.At.Lon, &maxKm, &accepted, &vp.first, &vp.email, &vp.phone); err != nil {
			return nil, nil, err
		}
		s.Round, s.MaxKm = int(round), float64(maxKm)
		s.Capacity = MaxProxiesPerRound - accepted
		if s.Capacity <= 0 {
			continue
		}
		out = append(out, s)
		vp.at = s.At
		vol[s.VolunteerID] = vp
	}
	return out, vol, rows.Err()
}

// loadNever reads the pairs never to propose: declined or expired ones,
// those staff undid, and a person with themselves (same e-mail or phone);
// with onlyReqs, for those requests only.
func loadNever(ctx context.Context, q pgdb.Q, electionID int64, reqIDs []int64, onlyReqs bool) (map[int64][]int64, error) {
	args := []any{electionID}
	filter := `TRUE`
	if onlyReqs {
		args = append(args, reqIDs)
		filter = `r.id = ANY ($2)`
	}
	rows, err := q.Query(ctx, `
		SELECT o.request_id, o.volunteer_id FROM proxy_offers o JOIN proxy_requests r ON r.id = o.request_id
		WHERE o.election_id = $1 AND (o.status IN ('declined', 'expired') OR (o.status = 'withdrawn' AND o.reason = 'unmatched')) AND `+filter+`
		UNION
		SELECT r.id, v.id FROM proxy_requests r JOIN proxy_volunteers v ON v.election_id = r.election_id AND v.email = r.email
		WHERE r.election_id = $1 AND `+filter+`
		UNION
		SELECT r.id, v.id FROM proxy_requests r JOIN proxy_volunteers v ON v.election_id = r.election_id AND v.phone = r.phone
		WHERE r.election_id = $1 AND r.phone <> '' AND `+filter, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	never := map[int64][]int64{}
	for rows.Next() {
		var rid, vid int64
		if err := rows.Scan(&rid, &vid); err != nil {
			return nil, err
		}
		never[rid] = append(never[rid], vid)
	}
	return never, rows.Err()
}
