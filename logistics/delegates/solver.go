package delegates

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"scrutin/logistics/flow"
	"scrutin/logistics/places"
)

// The assignment of one round, without the database: which volunteer takes
// which open seat.
//
// Rules (the database enforces the same, migrations/005_delegates.sql): a
// volunteer takes seats of roles they accept, within their travel limit,
// in their département; they are either assesseur in one seat (titulaire
// or suppléant: one bureau, nothing else that round) or délégué of one
// role (titulaire or suppléant) in any bureaux of one commune, at most K
// (K = MaxPerDelegue, default 3), so never two seats of one bureau; at most
// one person per seat.
//
// Objective, lexicographic:
//  1. the most seats weighted by their bureau's priority;
//  2. then the most titulaire seats;
//  3. then the fewest seats taken from the people who held them before the
//     run (they were told: a re-run moves them only to cover more);
//  4. then the least travel: whole kilometres from where the volunteer
//     votes to the bureau, 0 for a preferred bureau.
//
// Components: a volunteer links the communes they can serve; the communes
// (with their seats) and volunteers linked together form a component,
// solved independently and in parallel (solver_exact.go).
//
// Per component, three steps, and a fourth where they prove nothing:
//
//  1. The grouped model (solver_jobs.go), fast and always feasible: the
//     open délégué seats of a commune and role, in bureau order, cut into
//     fixed groups of K; each volunteer takes one job (an assesseur seat or
//     what they reach of one group), an exact min-cost flow. Its answer is
//     the first incumbent. It is not optimal under the rules above: a
//     délégué limited to bureau 1 takes group {1,2,3} and blocks someone
//     who could cover 1-3 and 4.
//  2. The relaxation R: source → seat (1) → the volunteer's mode (their
//     assesseur mode: 1; each (commune, délégué role): K, or fewer when
//     they reach fewer bureaux) → volunteer (the largest mode cap) → sink.
//     Every assignment the rules allow is a flow of R, so R's optimum
//     bounds them all; if it uses one mode per volunteer it keeps every
//     rule and is optimal. A second relaxation R' (assesseur seats scaled
//     to K units, so that K·assesseur + délégué <= K per volunteer, the
//     hull of "one or the other") gives another bound.
//  3. Otherwise branch and bound, depth first: a volunteer who mixes modes
//     in R's optimum keeps one mode only, or loses it; nodes are bounded by
//     R' then R and pruned against the incumbent (improved first by a
//     dive: every violator keeps their most valuable mode).
//  4. Where the component is too large to search, or the search stops at
//     its budget, the best assignment found is polished by two exact flows
//     of R where everyone has one mode (so that R keeps the rules): the
//     délégués keep their commune and role but not their bureaux, then the
//     empty assesseur seats go to those still without one (see polish).
//     It recovers what the fixed groups lose: at national scale 0.26 %
//     more seats, and a third less travel.
//
// Each relaxation is solved in two exact min-cost flows (logistics/flow).
// Stage 1 folds tiers 1-3 into one integer per seat arc (weights from
// exact bounds, so that each tier dominates the next): the seat's best
// value on its source arc, each volunteer's shortfall from it on the seat
// arc. Its optimal node potentials tell, by complementary slackness, which
// arcs every optimal solution leaves empty (reduced cost > 0), which it
// fills (< 0), and which are free (0). Stage 2 minimises travel over the
// free arcs only, the filled ones being fixed (node supplies), which is
// exactly "least travel among the flows best on tiers 1-3"; it falls apart
// into small independent pieces. Solving travel apart keeps the costs of
// each flow small, so that the phases of stage 1 stay few. A node needs
// stage 2 only when its stage-1 answer keeps the rules or ties the
// incumbent on tiers 1-3.
//
// Exactness. The answer of a component is proven optimal under the rules
// when the grouped assignment or the search reaches the bound; otherwise
// it is the best found and counted in Solution.Unproven. Tests compare
// with exhaustive enumeration and dynamic programming over the rules on
// thousands of small instances (up to 9 bureaux, 36 seats, 9 volunteers):
// equal objective on every one, all proven. But the bounds are weak where
// volunteers are short and many accept both kinds of seat: R lets one
// volunteer be assesseur and délégué at once (R' lets K volunteers share
// an assesseur seat), and on département-sized components both bounds are
// 5-10 % above the best assignment known, which branching cannot close (a
// 116-seat, 91-volunteer random instance stays unproven after 100,000
// nodes). Components larger than exactArcs arcs are therefore not searched
// (the grouped assignment, polished, unproven), and smaller ones stop at a
// node budget: at national scale most components are small and proven, the
// ~100 large ones (cities and their surroundings) are not. (A MIP solver,
// CBC, on two of them, of 376 and 833 volunteers: the polished assignment
// is 0.45-0.7 % below the optimum on tiers 1-3; the LP relaxation of the
// rules written per volunteer with one binary per mode is about 1 % above
// it, R and R' 4-10 % (27 % on one of 47 volunteers): in them a volunteer
// with a travel limit spreads their K bureaux over several communes, and
// in R' one reaching a single délégué seat also fills 2/3 of an assesseur
// seat. A Lagrangian bound on "one mode per volunteer" would at best reach
// that LP bound, not close the gap: proving these needs cuts.)
//
// Cost: the candidate graph has one arc per (volunteer, reachable seat of
// an accepted role), as sparse as the reach (own bureau, own commune, or a
// grid of ~11 km cells around the volunteer); the grouped solve of the
// large components takes most of the national run's CPU (60 %, most of it
// in flows), the polish about 10 %, the search less.

// OpenSeat is a seat still to cover in the round.
type OpenSeat struct {
	Commune  string
	Bureau   string
	Role     Role
	Priority int           // 1..9
	Point    *places.Point // the bureau's position (own or its commune's)
	Order    int           // rank of the bureau in its commune (bureau-number order)
}

// Candidate is a volunteer available in the round who holds no kept seat.
type Candidate struct {
	ID        int64
	Commune   string        // registration commune
	Bureau    string        // registration bureau
	Point     *places.Point // where they vote (places.Location)
	MaxKm     *float64      // nil: own commune; 0: own bureau; N: own commune and N km around
	Roles     []Role
	Preferred []string // bureaux as "04209_1"
	Removed   []string // bureaux ("04209_1") staff took back from them: never theirs again this round
	Held      []int    // indices in Problem.Seats of seats they held before the run
}

// Problem is one round to solve.
type Problem struct {
	Seats         []OpenSeat
	People        []Candidate
	MaxPerDelegue int // K; 0 means DefaultMaxBureauxPerDelegue
	Workers       int // 0 means GOMAXPROCS
	// Solved, when set, is called as soon as a component is solved, with
	// its seats (indices in Seats) and the solution's Holder, whose entries
	// for those seats are final: a caller may store them while the other
	// components are solved. It is called from the solver's goroutines,
	// one component at a time, and must read nothing else of Holder.
	Solved func(seats []int32, holder []int)
}

// Solution is the assignment of a Problem: optimal under the rules for
// every component but the Unproven ones (see the doc above).
type Solution struct {
	Holder          []int // per seat: index in People, or -1
	Covered         int
	PriorityCovered int
	Titulaires      int
	Kept            int // held seats kept by their holder
	Moved           int // held seats given to someone else or left empty
	TravelKm        int64
	Components      int // independent sub-problems solved
	// Branched counts the components whose relaxation broke a rule, so
	// that they were solved by branch and bound; Nodes the relaxations
	// solved in all. Unproven counts the components too large to search or
	// where the search hit its node budget: their assignment keeps every
	// rule but is only the best one found (polished), not proven optimal.
	Branched int
	Nodes    int
	Unproven int
}

// Objective is what the solver optimises, tier by tier.
type Objective struct {
	Priority   int   // sum of priorities of covered seats (max)
	Titulaires int   // covered titulaire seats (max)
	Kept       int   // held seats kept by their holder (max)
	TravelKm   int64 // (min)
}

// Better reports whether o beats p lexicographically.
func (o Objective) Better(p Objective) bool {
	if o.Priority != p.Priority {
		return o.Priority > p.Priority
	}
	if o.Titulaires != p.Titulaires {
		return o.Titulaires > p.Titulaires
	}
	if o.Kept != p.Kept {
		return o.Kept > p.Kept
	}
	return o.TravelKm < p.TravelKm
}

// Objective of the solution.
func (s *Solution) Objective() Objective {
	return Objective{Priority: s.PriorityCovered, Titulaires: s.Titulaires, Kept: s.Kept, TravelKm: s.TravelKm}
}

// Job is a set of seats one volunteer takes together in the fixed groups
// earlier versions of the solver used.
//
// Deprecated: the solver no longer cuts délégué seats into groups (a
// délégué may take any bureaux of one commune); Jobs still returns the old
// groups for callers that print them.
type Job struct{ Seats []int }

// Jobs cuts the seats into the old fixed groups: one job per assesseur
// seat, the délégué seats of one commune and role in bureau order by groups
// of K.
//
// Deprecated: see Job.
func (p *Problem) Jobs() []Job {
	type groupKey struct {
		commune string
		role    Role
	}
	groups := map[groupKey][]int{}
	var order []groupKey
	var out []Job
	for i, s := range p.Seats {
		if !s.Role.Delegue() {
			out = append(out, Job{Seats: []int{i}})
			continue
		}
		key := groupKey{s.Commune, s.Role}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], i)
	}
	k := p.k()
	for _, key := range order {
		list := groups[key]
		slices.SortStableFunc(list, func(a, b int) int {
			return cmp.Or(cmp.Compare(p.Seats[a].Order, p.Seats[b].Order), cmp.Compare(p.Seats[a].Bureau, p.Seats[b].Bureau))
		})
		for start := 0; start < len(list); start += k {
			out = append(out, Job{Seats: slices.Clone(list[start:min(start+k, len(list))])})
		}
	}
	return out
}

func (p *Problem) k() int {
	if p.MaxPerDelegue <= 0 {
		return DefaultMaxBureauxPerDelegue
	}
	return p.MaxPerDelegue
}

type bureauSlot struct {
	id      string // "04209_1"
	point   *places.Point
	commune int32
	roles   uint8 // roles of its seats
	seats   []int32
}

type gridKey struct{ dep, y, x int32 }

// gridSlot is a bureau slot in its grid cell, with its position at hand:
// a volunteer with a travel limit scans thousands of them.
type gridSlot struct {
	b  int32
	pt places.Point
}

// Grid cells of about 11 km.
const cellLat, cellLon = 0.1, 0.14

func cellOf(p places.Point) (int32, int32) {
	return int32(math.Floor(p.Lat / cellLat)), int32(math.Floor(p.Lon / cellLon))
}

type solver struct {
	p           *Problem
	k           int
	seatCommune []int32 // per seat: index of its commune
	seatRole    []uint8 // per seat: roleBit of its role (Role.index compares strings)
	communes    []string
	cRoles      []uint8 // roles of a commune's seats
	deps        map[string]int32
	bureaux     []bureauSlot
	byCode      map[string]int32 // "commune_bureau" → bureau slot
	cBureaux    [][]int32        // per commune: its bureau slots
	grid        map[gridKey][]gridSlot
	roleMask    []uint8 // per person
	pCommune    []int32 // per person: index of their commune, -1 if it has no seat
	pBureau     []int32 // per person: their own bureau slot, -1 if it has no seat
	pDep        []int32 // per person: index of their département, -1 if it has no seat
	held        [][]int32
	pref        []map[string]bool
}

func roleBit(r Role) uint8 { return 1 << uint(r.index()) }

func newSolver(p *Problem) *solver {
	sv := &solver{p: p, k: p.k()}
	sv.index()
	return sv
}

// Solve assigns the open seats (see the model above): optimal under the
// rules for every component but Solution.Unproven ones.
func Solve(p *Problem) *Solution {
	sv := newSolver(p)
	n := len(p.People)
	workers := p.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}

	// The communes each person may serve link them into components.
	reached := make([][]int32, n)
	parallel(n, workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			reached[i] = sv.reachedCommunes(i)
		}
	})
	uf := newUnionFind(n + len(sv.communes))
	for i, cs := range reached {
		for _, c := range cs {
			uf.union(i, n+int(c))
		}
	}
	type component struct {
		people []int32
		seats  []int32
	}
	compOf := map[int]int{}
	var comps []*component
	for i := range p.People {
		if len(reached[i]) == 0 {
			continue
		}
		root := uf.find(i)
		ci, ok := compOf[root]
		if !ok {
			ci = len(comps)
			compOf[root] = ci
			comps = append(comps, &component{})
		}
		comps[ci].people = append(comps[ci].people, int32(i))
	}
	reached = nil
	for s, c := range sv.seatCommune {
		if ci, ok := compOf[uf.find(n+int(c))]; ok {
			comps[ci].seats = append(comps[ci].seats, int32(s))
		}
	}
	// Largest first, so that workers finish together.
	slices.SortFunc(comps, func(a, b *component) int {
		return cmp.Compare(len(b.people)+len(b.seats), len(a.people)+len(a.seats))
	})

	sol := &Solution{Holder: make([]int, len(p.Seats)), Components: len(comps)}
	for i := range sol.Holder {
		sol.Holder[i] = -1
	}
	gr := newGrouped(sv)
	taken := make([]arc, n) // the job each person got in the grouped model
	for i := range taken {
		taken[i].job = -1
	}
	var mu, solvedMu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs := newCompSolver(sv, gr, taken)
			for {
				mu.Lock()
				if next >= len(comps) {
					mu.Unlock()
					return
				}
				c := comps[next]
				next++
				mu.Unlock()
				t0 := time.Now()
				// Components own disjoint seats: each writes its own
				// entries of Holder.
				st := cs.solve(c.people, c.seats, sol.Holder)
				if p.Solved != nil {
					solvedMu.Lock()
					p.Solved(c.seats, sol.Holder)
					solvedMu.Unlock()
				}
				mu.Lock()
				sol.Nodes += st.nodes
				if st.nodes > 1 {
					sol.Branched++
				}
				if !st.proven {
					sol.Unproven++
				}
				mu.Unlock()
				if componentHook != nil {
					componentHook(len(c.people), len(c.seats), time.Since(t0))
				}
			}
		}()
	}
	wg.Wait()
	sol.score(p)
	return sol
}

// componentHook, when set (solver benchmark), hears about each component
// solved: the largest ones are where the time goes.
var componentHook func(people, seats int, d time.Duration)

// score fills the figures of a solution from Holder.
func (s *Solution) score(p *Problem) {
	s.Covered, s.PriorityCovered, s.Titulaires, s.TravelKm, s.Kept, s.Moved = 0, 0, 0, 0, 0, 0
	pref := map[int]map[string]bool{}
	for si, h := range s.Holder {
		if h < 0 {
			continue
		}
		seat := p.Seats[si]
		s.Covered++
		s.PriorityCovered += seat.Priority
		if seat.Role.Titulaire() {
			s.Titulaires++
		}
		if _, ok := pref[h]; !ok {
			pref[h] = prefSet(p.People[h].Preferred)
		}
		s.TravelKm += travelKm(&p.People[h], &seat, pref[h])
	}
	for i, c := range p.People {
		for _, si := range c.Held {
			if s.Holder[si] == i {
				s.Kept++
			} else {
				s.Moved++
			}
		}
	}
}

func prefSet(list []string) map[string]bool {
	if len(list) == 0 {
		return nil
	}
	m := make(map[string]bool, len(list))
	for _, b := range list {
		m[b] = true
	}
	return m
}

// travelKm is the travel cost of one seat for one person.
func travelKm(c *Candidate, s *OpenSeat, pref map[string]bool) int64 {
	if pref[s.Commune+"_"+s.Bureau] || c.Point == nil || s.Point == nil {
		return 0
	}
	return kmCost(places.DistanceKm(*c.Point, *s.Point))
}

// kmCost turns a distance into the travel cost the solver minimises:
// whole kilometres.
func kmCost(km float64) int64 { return int64(math.Round(km)) }

func (sv *solver) index() {
	p := sv.p
	sv.byCode = map[string]int32{}
	sv.grid = map[gridKey][]gridSlot{}
	sv.deps = map[string]int32{}
	communeIdx := map[string]int32{}
	sv.seatCommune = make([]int32, len(p.Seats))
	sv.seatRole = make([]uint8, len(p.Seats))
	depOf := func(commune string) int32 {
		d := places.Departement(commune)
		i, ok := sv.deps[d]
		if !ok {
			i = int32(len(sv.deps))
			sv.deps[d] = i
		}
		return i
	}
	for i, s := range p.Seats {
		key := s.Commune + "_" + s.Bureau
		b, ok := sv.byCode[key]
		if !ok {
			ci, ok := communeIdx[s.Commune]
			if !ok {
				ci = int32(len(sv.communes))
				communeIdx[s.Commune] = ci
				sv.communes = append(sv.communes, s.Commune)
				sv.cRoles = append(sv.cRoles, 0)
				sv.cBureaux = append(sv.cBureaux, nil)
			}
			b = int32(len(sv.bureaux))
			sv.byCode[key] = b
			sv.bureaux = append(sv.bureaux, bureauSlot{id: key, point: s.Point, commune: ci})
			sv.cBureaux[ci] = append(sv.cBureaux[ci], b)
			if s.Point != nil {
				y, x := cellOf(*s.Point)
				gk := gridKey{depOf(s.Commune), y, x}
				sv.grid[gk] = append(sv.grid[gk], gridSlot{b, *s.Point})
			}
		}
		sv.bureaux[b].seats = append(sv.bureaux[b].seats, int32(i))
		sv.seatCommune[i] = sv.bureaux[b].commune
		sv.seatRole[i] = roleBit(s.Role)
		sv.bureaux[b].roles |= sv.seatRole[i]
		sv.cRoles[sv.bureaux[b].commune] |= sv.seatRole[i]
	}
	sv.roleMask = make([]uint8, len(p.People))
	sv.pCommune = make([]int32, len(p.People))
	sv.pBureau = make([]int32, len(p.People))
	sv.pDep = make([]int32, len(p.People))
	sv.held = make([][]int32, len(p.People))
	sv.pref = make([]map[string]bool, len(p.People))
	for i, c := range p.People {
		for _, r := range c.Roles {
			if r.Valid() {
				sv.roleMask[i] |= roleBit(r)
			}
		}
		for _, h := range c.Held {
			sv.held[i] = append(sv.held[i], int32(h))
		}
		sv.pref[i] = prefSet(c.Preferred)
		// Looked up once: reach runs for every person, several times.
		sv.pCommune[i], sv.pBureau[i], sv.pDep[i] = -1, -1, -1
		if ci, ok := communeIdx[c.Commune]; ok {
			sv.pCommune[i] = ci
		}
		if b, ok := sv.byCode[c.Commune+"_"+c.Bureau]; ok {
			sv.pBureau[i] = b
		}
		if d, ok := sv.deps[places.Departement(c.Commune)]; ok {
			sv.pDep[i] = d
		}
	}
}

// reachedCommunes lists the communes where person i may take a seat,
// without listing the seats (nor measuring distances) where the answer is
// plain.
func (sv *solver) reachedCommunes(i int) []int32 {
	c := &sv.p.People[i]
	mask := sv.roleMask[i]
	if c.MaxKm != nil && *c.MaxKm == 0 {
		if b := sv.pBureau[i]; b >= 0 && sv.bureaux[b].roles&mask != 0 {
			return []int32{sv.bureaux[b].commune}
		}
		return nil
	}
	var cs []int32
	if ci := sv.pCommune[i]; ci >= 0 && sv.cRoles[ci]&mask != 0 {
		cs = append(cs, ci)
	}
	// A commune listed already needs no distance measured.
	want := func(b int32) bool {
		slot := &sv.bureaux[b]
		return slot.roles&mask != 0 && !slices.Contains(cs, slot.commune)
	}
	sv.nearby(i, want, func(b int32, _ float64) { cs = append(cs, sv.bureaux[b].commune) })
	return cs
}

// reach calls fn for every bureau slot person i may travel to, with the
// distance.
func (sv *solver) reach(i int, fn func(b int32, km float64)) {
	c := &sv.p.People[i]
	if len(c.Removed) > 0 {
		all := fn
		fn = func(b int32, km float64) {
			if !slices.Contains(c.Removed, sv.bureaux[b].id) {
				all(b, km)
			}
		}
	}
	dist := func(b int32) float64 {
		if c.Point == nil || sv.bureaux[b].point == nil {
			return 0
		}
		return places.DistanceKm(*c.Point, *sv.bureaux[b].point)
	}
	if c.MaxKm != nil && *c.MaxKm == 0 {
		if b := sv.pBureau[i]; b >= 0 {
			fn(b, dist(b))
		}
		return
	}
	// The own commune is always within reach ("my commune and up to N
	// km"), even where it is wider than N km.
	if ci := sv.pCommune[i]; ci >= 0 {
		for _, b := range sv.cBureaux[ci] {
			fn(b, dist(b))
		}
	}
	sv.nearby(i, nil, fn)
}

// nearby calls fn for every bureau slot within person i's travel limit
// outside their own commune, with the distance (none without a limit or a
// point); want, when given, skips the slots it rejects before measuring.
func (sv *solver) nearby(i int, want func(b int32) bool, fn func(b int32, km float64)) {
	c := &sv.p.People[i]
	if c.MaxKm == nil || c.Point == nil {
		return
	}
	dep := sv.pDep[i]
	if dep < 0 {
		return
	}
	limit := *c.MaxKm
	own := sv.pCommune[i]
	dy := int32(math.Ceil(limit/111.0/cellLat)) + 1
	cosLat := math.Max(0.2, math.Cos(c.Point.Lat*math.Pi/180))
	dx := int32(math.Ceil(limit/(111.0*cosLat)/cellLon)) + 1
	y0, x0 := cellOf(*c.Point)
	// A flat-earth bound first: haversine only near the limit.
	kmLat, kmLon := 111.2, 111.2*cosLat
	bound := (limit + 1) * (limit + 1)
	for y := y0 - dy; y <= y0+dy; y++ {
		for x := x0 - dx; x <= x0+dx; x++ {
			for _, gs := range sv.grid[gridKey{dep, y, x}] {
				ey, ex := (gs.pt.Lat-c.Point.Lat)*kmLat, (gs.pt.Lon-c.Point.Lon)*kmLon
				if ey*ey+ex*ex > bound*1.1 || sv.bureaux[gs.b].commune == own || want != nil && !want(gs.b) {
					continue
				}
				if km := places.DistanceKm(*c.Point, gs.pt); km <= limit+1e-9 {
					fn(gs.b, km)
				}
			}
		}
	}
}

// parallel runs fn on [0,n) cut into chunks over workers goroutines.
func parallel(n, workers int, fn func(lo, hi int)) {
	if n == 0 {
		return
	}
	chunk := max(256, n/(workers*8)+1)
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				lo := next
				next += chunk
				mu.Unlock()
				if lo >= n {
					return
				}
				fn(lo, min(lo+chunk, n))
			}
		}()
	}
	wg.Wait()
}

// The two models solve a component in the same two stages (see the doc
// above): stage 1 over tiers 1-3 on a network src → ... → snk, then stage
// 2, travel, over the arcs stage 1 left free. The grouped model runs src
// → job → person → snk, the relaxations src → seat → mode → person → snk.
const src, snk = 0, 1

// fedge is an edge of a stage-1 network.
type fedge struct {
	from, to int32
	cap      int64
	cost     int64 // stage 1: tiers 1-3
	km       int64 // stage 2: travel
	arc      int32 // the person's choice it carries (compSolver.arcs, or the grouped model's arcs), else -1
}

// graphs are the two flow graphs a worker reuses (flow.Graph.Reset) from one
// solve to the next: the stage-1 network, and the stage-2 piece.
type graphs struct{ stage1, piece *flow.Graph }

func newGraphs() graphs { return graphs{flow.New(0), flow.New(0)} }

// solveStage1 maximises tiers 1-3 over edges, a network of nodes nodes,
// in g (reset first); stage 2 needs its potentials.
func solveStage1(g *flow.Graph, edges []fedge, nodes int) (cost int64) {
	g.Reset(nodes)
	g.Grow(len(edges))
	limit := int64(1)
	for _, ed := range edges {
		g.AddEdge(int(ed.from), int(ed.to), ed.cap, ed.cost)
		if ed.to == snk {
			limit += ed.cap
		}
	}
	// A limit never reached: primal-dual phases, few with these costs.
	_, cost = g.MinCostFlow(src, snk, limit)
	return cost
}

// travelPiece is an independent part of stage 2 (see splitTravel).
type travelPiece struct {
	nodes      []int32 // nodes of the stage-1 network, src and snk aside
	edges      []int   // its free edges (reduced cost 0)
	sSup, tSup int64   // the supplies of the piece's own s and t
}

// splitTravel prepares stage 2 once stage 1 is solved in g: travel is
// minimised over the arcs free at the optimum of stage 1 (the node
// potentials are optimal duals: complementary slackness); arcs every
// optimum fills become node supplies, the others are dropped. The t→s arc
// that closes the circulation costs nothing and never binds, so stage 2
// falls apart into independent pieces: the model's nodes linked by free
// or filled arcs (filled arcs must stay inside a piece to keep its
// supplies balanced). Pieces are where stage 1 left a choice, usually a
// town's own volunteers and bureaux: far smaller than the component,
// which keeps stage 2 fast.
//
// It fills flows, per edge (the capacity of a filled edge, else 0: the
// flow of a free edge is the piece's to set), and supply, per node, and
// returns the pieces that hold a free edge, in node order.
func splitTravel(g *flow.Graph, edges []fedge, nodes int, flows, supply []int64) []*travelPiece {
	clear(supply)
	uf := newUnionFind(nodes)
	// The sign of each edge's reduced cost: -1 filled, 0 free, 1 empty.
	sign := make([]int8, len(edges))
	for e, ed := range edges {
		rc := ed.cost + g.Potential(int(ed.from)) - g.Potential(int(ed.to))
		flows[e] = 0
		switch {
		case rc < 0:
			sign[e] = -1
			supply[ed.to] += ed.cap
			supply[ed.from] -= ed.cap
			flows[e] = ed.cap
		case rc > 0:
			sign[e] = 1
		}
		if ed.from != src && ed.to != snk && rc <= 0 {
			uf.union(int(ed.from), int(ed.to))
		}
	}
	// Pieces in node order, each with its own s and t: the supply s and t
	// receive from filled arcs is counted in the piece of the arc's other
	// end. Their nodes and free edges are cut out of two arrays, counted
	// first: a city's component has thousands of pieces.
	idx := make([]int32, nodes) // per union-find root: 1 + its piece
	var pieces []travelPiece
	var nNodes, nEdges []int32 // per piece
	for v := 2; v < nodes; v++ {
		r := uf.find(v)
		if idx[r] == 0 {
			pieces = append(pieces, travelPiece{})
			nNodes, nEdges = append(nNodes, 0), append(nEdges, 0)
			idx[r] = int32(len(pieces))
		}
		nNodes[idx[r]-1]++
	}
	pieceOf := func(v int32) int32 { return idx[uf.find(int(v))] - 1 }
	edgePiece := func(ed fedge) int32 {
		if ed.from == src {
			return pieceOf(ed.to)
		}
		return pieceOf(ed.from)
	}
	free := 0
	for e, ed := range edges {
		if sign[e] == 0 {
			nEdges[edgePiece(ed)]++
			free++
		}
	}
	allNodes, allEdges := make([]int32, nodes-2), make([]int, free)
	for k := range pieces {
		pc := &pieces[k]
		pc.nodes, allNodes = allNodes[:0:nNodes[k]], allNodes[nNodes[k]:]
		pc.edges, allEdges = allEdges[:0:nEdges[k]], allEdges[nEdges[k]:]
	}
	for v := int32(2); v < int32(nodes); v++ {
		pc := &pieces[pieceOf(v)]
		pc.nodes = append(pc.nodes, v)
	}
	for e, ed := range edges {
		pc := &pieces[edgePiece(ed)]
		switch {
		case sign[e] == 0:
			pc.edges = append(pc.edges, e)
		case sign[e] < 0 && ed.from == src:
			pc.sSup -= ed.cap
		case sign[e] < 0 && ed.to == snk:
			pc.tSup += ed.cap
		}
	}
	var out []*travelPiece
	for k := range pieces {
		if len(pieces[k].edges) > 0 {
			out = append(out, &pieces[k])
		}
	}
	return out
}

// network builds the piece's stage-2 graph in g (reset first), on local
// nodes 0 = s, 1 = t, 2 = S and 3 = T (the sources and sinks of the
// supplies), then the piece's; the piece's edge k is ids[k] (ids reuses
// the array given). closing is the capacity of the
// t→s arc, supplyCost the cost of each arc from S: the models solve their
// pieces differently (see their stage 2). at is scratch space, one entry
// per node of the stage-1 network.
func (pc *travelPiece) network(g *flow.Graph, ids []int, edges []fedge, supply []int64, at []int32, closing, supplyCost int64) []int {
	for i, v := range pc.nodes {
		at[v] = int32(4 + i)
	}
	at[src], at[snk] = 0, 1
	g.Reset(4 + len(pc.nodes))
	g.Grow(len(pc.edges) + 3 + len(pc.nodes))
	ids = grow(ids, len(pc.edges))
	for k, e := range pc.edges {
		ids[k] = g.AddEdge(int(at[edges[e].from]), int(at[edges[e].to]), edges[e].cap, edges[e].km)
	}
	// The fixed supplies of s and t go through the closing arc too: never
	// let its capacity be what binds.
	g.AddEdge(1, 0, closing+abs64(pc.sSup)+abs64(pc.tSup), 0)
	addSupply := func(v int, b int64) {
		if b > 0 {
			g.AddEdge(2, v, b, supplyCost)
		} else if b < 0 {
			g.AddEdge(v, 3, -b, 0)
		}
	}
	addSupply(0, pc.sSup)
	addSupply(1, pc.tSup)
	for _, v := range pc.nodes {
		addSupply(int(at[v]), supply[v])
	}
	return ids
}

// grow returns s resized to n, reusing its array when large enough; the
// contents are not cleared.
func grow[T any](s []T, n int) []T { return slices.Grow(s[:0], n)[:n] }

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

type unionFind struct{ parent []int32 }

func newUnionFind(n int) *unionFind {
	u := &unionFind{parent: make([]int32, n)}
	for i := range u.parent {
		u.parent[i] = int32(i)
	}
	return u
}

func (u *unionFind) find(x int) int {
	for int(u.parent[x]) != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = int(u.parent[x])
	}
	return x
}

func (u *unionFind) union(a, b int) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		u.parent[ra] = int32(rb)
	}
}
