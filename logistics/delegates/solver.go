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
// Model. Seats are grouped into jobs, and each volunteer takes at most one
// job in the round:
//   - an assesseur seat (titulaire or suppléant) is a job on its own: an
//     assesseur sits in one bureau all day and holds nothing else;
//   - the open délégué seats of one commune and role, in bureau order, are
//     cut into groups of at most K bureaux (K = MaxPerDelegue, default 3);
//     a group is a job: its délégué covers the bureaux of the group that
//     they may reach (travel limit), never more than K, all in one commune.
// With jobs fixed beforehand every hard rule holds by construction (one
// commune, at most K bureaux, never délégué where assesseur, one person per
// seat, one seat per person per bureau) and the problem is an assignment
// of volunteers to jobs: a min-cost flow source → job (capacity 1) →
// volunteer (capacity 1) → sink, solved exactly (logistics/flow). Letting
// each délégué pick any
// bureaux of any commune instead is not a flow problem (the choice of one
// commune and of "assesseur or délégué" couples the seats); the groups are
// the price of an exact, fast solver, and cost little in practice: a
// délégué walks between neighbouring bureaux, which is what the groups are
// (on random small instances, the best assignment the rules allow without
// groups covers the same weighted seats in about 98 % of cases; see
// TestSolverAgainstUnrestrictedRules).
//
// Objective, lexicographic:
//  1. the most seats weighted by their bureau's priority;
//  2. then the most titulaire seats;
//  3. then the fewest seats taken from the people who held them before the
//     run (they were told: a re-run moves them only to cover more);
//  4. then the least travel: whole kilometres from where the volunteer
//     votes to the bureau, 0 for a preferred bureau.
//
// Two exact min-cost flows per connected component. Stage 1 folds tiers
// 1-3 into one integer per (job, volunteer) pair (weights from exact
// bounds, so that each tier dominates the next): the job's best value on
// its source arc, each volunteer's shortfall from it on the job →
// volunteer arc. Its optimal node potentials tell,
// by complementary slackness, which arcs every optimal solution leaves
// empty (reduced cost > 0), which it fills (< 0), and which are free (0).
// Stage 2 minimises travel over the free arcs only, the filled ones being
// fixed (node supplies), which is exactly "least travel among the
// assignments that are best on tiers 1-3". Solving travel apart keeps the
// costs of each flow small, so that the solver's phases (one per distinct
// shortest-path length) stay few: folding the four tiers into one cost
// made the national run several times slower. Stage 2 falls apart into
// smaller pieces (see solveComponent).
//
// Components: a volunteer links the communes they can serve; the communes
// (with their jobs) and volunteers linked together form a component, solved
// independently and in parallel.

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
	MaxKm     *int          // nil: own commune; 0: own bureau; N: own commune and N km around
	Roles     []Role
	Preferred []string // bureaux as "04209_1"
	Held      []int    // indices in Problem.Seats of seats they held before the run
}

// Problem is one round to solve.
type Problem struct {
	Seats         []OpenSeat
	People        []Candidate
	MaxPerDelegue int // K; 0 means DefaultMaxBureauxPerDelegue
	Workers       int // 0 means GOMAXPROCS
}

// Solution is an optimal assignment of a Problem.
type Solution struct {
	Holder          []int // per seat: index in People, or -1
	Covered         int
	PriorityCovered int
	Titulaires      int
	Kept            int // held seats kept by their holder
	Moved           int // held seats given to someone else or left empty
	TravelKm        int64
	Components      int // independent sub-problems solved
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

// Job is a set of seats one volunteer takes together (see the model above).
type Job struct{ Seats []int }

// Jobs cuts the seats into jobs, as the solver does.
func (p *Problem) Jobs() []Job {
	js, _ := buildJobs(p.Seats, p.k())
	out := make([]Job, len(js))
	for i, j := range js {
		for _, s := range j.seats {
			out[i].Seats = append(out[i].Seats, int(s))
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

type job struct {
	seats   []int32
	commune int32 // index in the solver's commune table
}

// buildJobs: one job per assesseur seat; délégué seats of one commune and
// role in bureau order, by groups of k.
func buildJobs(seats []OpenSeat, k int) ([]job, []int32) {
	seatJob := make([]int32, len(seats))
	var jobs []job
	type groupKey struct {
		commune string
		role    Role
	}
	groups := map[groupKey][]int32{}
	var order []groupKey
	for i, s := range seats {
		if s.Role.Delegue() {
			key := groupKey{s.Commune, s.Role}
			if _, ok := groups[key]; !ok {
				order = append(order, key)
			}
			groups[key] = append(groups[key], int32(i))
			continue
		}
		seatJob[i] = int32(len(jobs))
		jobs = append(jobs, job{seats: []int32{int32(i)}})
	}
	for _, key := range order {
		list := groups[key]
		slices.SortStableFunc(list, func(a, b int32) int {
			return cmp.Or(cmp.Compare(seats[a].Order, seats[b].Order), cmp.Compare(seats[a].Bureau, seats[b].Bureau))
		})
		for start := 0; start < len(list); start += k {
			end := min(start+k, len(list))
			for _, s := range list[start:end] {
				seatJob[s] = int32(len(jobs))
			}
			jobs = append(jobs, job{seats: slices.Clone(list[start:end])})
		}
	}
	return jobs, seatJob
}

// arc is one job a volunteer may take, with its value.
type arc struct {
	job      int32
	mask     uint32 // which seats of the job the volunteer covers
	priority int32  // sum of the covered seats' priorities
	tit      int32  // covered titulaire seats
	kept     int32  // covered seats the volunteer held before the run
	km       int32  // travel to the covered seats
}

type bureauSlot struct {
	id      string // "04209_1"
	point   *places.Point
	commune int32
	roles   uint8 // roles of its seats
	seats   []int32
}

type gridKey struct{ dep, y, x int32 }

// Grid cells of about 11 km.
const cellLat, cellLon = 0.1, 0.14

func cellOf(p places.Point) (int32, int32) {
	return int32(math.Floor(p.Lat / cellLat)), int32(math.Floor(p.Lon / cellLon))
}

type solver struct {
	p        *Problem
	k        int
	jobs     []job
	seatJob  []int32
	seatBit  []uint8 // position of a seat in its job
	communes []string
	cRoles   []uint8 // roles of a commune's seats
	deps     map[string]int32
	bureaux  []bureauSlot
	byCode   map[string]int32   // "commune_bureau" → bureau slot
	byCommun map[string][]int32 // commune → bureau slots
	grid     map[gridKey][]int32
	roleMask []uint8 // per person
	pCommune []int32 // per person: index of their commune, -1 if it has no seat
	held     [][]int32
	pref     []map[string]bool
}

type scratch struct {
	stamp []int32
	acc   []arc
	gen   int32
	list  []arc
}

func (sv *solver) newScratch() *scratch {
	return &scratch{stamp: make([]int32, len(sv.jobs)), acc: make([]arc, len(sv.jobs))}
}

func roleBit(r Role) uint8 { return 1 << uint(r.index()) }

func newSolver(p *Problem) *solver {
	sv := &solver{p: p, k: p.k()}
	sv.jobs, sv.seatJob = buildJobs(p.Seats, sv.k)
	sv.seatBit = make([]uint8, len(p.Seats))
	for _, j := range sv.jobs {
		for bit, s := range j.seats {
			sv.seatBit[s] = uint8(bit)
		}
	}
	sv.index()
	return sv
}

// Solve finds an optimal assignment (see the model above).
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
		sc := sv.newScratch()
		for i := lo; i < hi; i++ {
			reached[i] = sv.reachedCommunes(i, sc)
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
		jobs   []int32
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
	for j, jb := range sv.jobs {
		if ci, ok := compOf[uf.find(n+int(jb.commune))]; ok {
			comps[ci].jobs = append(comps[ci].jobs, int32(j))
		}
	}
	// Largest first, so that workers finish together.
	slices.SortFunc(comps, func(a, b *component) int { return cmp.Compare(len(b.people)+len(b.jobs), len(a.people)+len(a.jobs)) })

	taken := make([]arc, n) // the arc each person got (job -1: none)
	for i := range taken {
		taken[i].job = -1
	}
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := sv.newScratch()
			local := make([]int32, len(sv.jobs))
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
				sv.solveComponent(c.people, c.jobs, taken, sc, local)
				if componentHook != nil {
					componentHook(len(c.people), len(c.jobs), time.Since(t0))
				}
			}
		}()
	}
	wg.Wait()

	sol := &Solution{Holder: make([]int, len(p.Seats)), Components: len(comps)}
	for i := range sol.Holder {
		sol.Holder[i] = -1
	}
	for i, a := range taken {
		if a.job < 0 {
			continue
		}
		for bit, s := range sv.jobs[a.job].seats {
			if a.mask&(1<<uint(bit)) != 0 {
				sol.Holder[s] = i
			}
		}
	}
	sol.score(p)
	return sol
}

// componentHook, when set (solver benchmark), hears about each component
// solved: the largest ones are where the time goes.
var componentHook func(people, jobs int, d time.Duration)

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
	sv.byCommun = map[string][]int32{}
	sv.grid = map[gridKey][]int32{}
	sv.deps = map[string]int32{}
	communeIdx := map[string]int32{}
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
			}
			b = int32(len(sv.bureaux))
			sv.byCode[key] = b
			sv.bureaux = append(sv.bureaux, bureauSlot{id: key, point: s.Point, commune: ci})
			sv.byCommun[s.Commune] = append(sv.byCommun[s.Commune], b)
			if s.Point != nil {
				y, x := cellOf(*s.Point)
				gk := gridKey{depOf(s.Commune), y, x}
				sv.grid[gk] = append(sv.grid[gk], b)
			}
		}
		sv.bureaux[b].seats = append(sv.bureaux[b].seats, int32(i))
		sv.bureaux[b].roles |= roleBit(s.Role)
		sv.cRoles[sv.bureaux[b].commune] |= roleBit(s.Role)
	}
	for j := range sv.jobs {
		first := p.Seats[sv.jobs[j].seats[0]]
		sv.jobs[j].commune = sv.bureaux[sv.byCode[first.Commune+"_"+first.Bureau]].commune
	}
	sv.roleMask = make([]uint8, len(p.People))
	sv.pCommune = make([]int32, len(p.People))
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
		sv.pCommune[i] = -1
		if ci, ok := communeIdx[c.Commune]; ok {
			sv.pCommune[i] = ci
		}
	}
}

// reachedCommunes lists the communes where person i may take a seat,
// without listing the seats when the answer is plain (own bureau, own
// commune).
func (sv *solver) reachedCommunes(i int, sc *scratch) []int32 {
	c := &sv.p.People[i]
	mask := sv.roleMask[i]
	switch {
	case c.MaxKm != nil && *c.MaxKm == 0:
		if b, ok := sv.byCode[c.Commune+"_"+c.Bureau]; ok && sv.bureaux[b].roles&mask != 0 {
			return []int32{sv.bureaux[b].commune}
		}
		return nil
	case c.MaxKm == nil || c.Point == nil:
		if ci := sv.pCommune[i]; ci >= 0 && sv.cRoles[ci]&mask != 0 {
			return []int32{ci}
		}
		return nil
	}
	var cs []int32
	sv.reach(i, func(b int32, _ float64) {
		if slot := &sv.bureaux[b]; slot.roles&mask != 0 && !slices.Contains(cs, slot.commune) {
			cs = append(cs, slot.commune)
		}
	})
	return cs
}

// reach calls fn for every bureau slot person i may travel to, with the
// distance.
func (sv *solver) reach(i int, fn func(b int32, km float64)) {
	c := &sv.p.People[i]
	dist := func(b int32) float64 {
		if c.Point == nil || sv.bureaux[b].point == nil {
			return 0
		}
		return places.DistanceKm(*c.Point, *sv.bureaux[b].point)
	}
	switch {
	case c.MaxKm != nil && *c.MaxKm == 0:
		if b, ok := sv.byCode[c.Commune+"_"+c.Bureau]; ok {
			fn(b, dist(b))
		}
	case c.MaxKm == nil || c.Point == nil:
		for _, b := range sv.byCommun[c.Commune] {
			fn(b, dist(b))
		}
	default:
		limit := float64(*c.MaxKm)
		dep, ok := sv.deps[places.Departement(c.Commune)]
		own := sv.pCommune[i]
		// The own commune is always within reach ("my commune and up to
		// N km"), even where it is wider than N km.
		for _, b := range sv.byCommun[c.Commune] {
			fn(b, dist(b))
		}
		if !ok {
			return
		}
		dy := int32(math.Ceil(limit/111.0/cellLat)) + 1
		cosLat := math.Max(0.2, math.Cos(c.Point.Lat*math.Pi/180))
		dx := int32(math.Ceil(limit/(111.0*cosLat)/cellLon)) + 1
		y0, x0 := cellOf(*c.Point)
		// A flat-earth bound first: haversine only near the limit.
		kmLat, kmLon := 111.2, 111.2*cosLat
		bound := (limit + 1) * (limit + 1)
		for y := y0 - dy; y <= y0+dy; y++ {
			for x := x0 - dx; x <= x0+dx; x++ {
				for _, b := range sv.grid[gridKey{dep, y, x}] {
					slot := &sv.bureaux[b]
					if slot.commune == own {
						continue
					}
					ey, ex := (slot.point.Lat-c.Point.Lat)*kmLat, (slot.point.Lon-c.Point.Lon)*kmLon
					if ey*ey+ex*ex > bound*1.1 {
						continue
					}
					if km := places.DistanceKm(*c.Point, *slot.point); km <= limit+1e-9 {
						fn(b, km)
					}
				}
			}
		}
	}
}

// arcsOf lists every job person i may take. The slice is scratch space,
// valid until the next call.
func (sv *solver) arcsOf(i int, sc *scratch) []arc {
	sc.gen++
	if sc.gen == math.MaxInt32 {
		clear(sc.stamp)
		sc.gen = 1
	}
	gen := sc.gen
	list := sc.list[:0]
	mask := sv.roleMask[i]
	held := sv.held[i]
	pref := sv.pref[i]
	hasPoint := sv.p.People[i].Point != nil
	sv.reach(i, func(b int32, km float64) {
		slot := &sv.bureaux[b]
		cost := int32(0)
		if hasPoint && slot.point != nil && !pref[slot.id] {
			cost = int32(kmCost(km))
		}
		for _, s := range slot.seats {
			seat := &sv.p.Seats[s]
			if mask&roleBit(seat.Role) == 0 {
				continue
			}
			j := sv.seatJob[s]
			if sc.stamp[j] != gen {
				sc.stamp[j] = gen
				sc.acc[j] = arc{job: j}
				list = append(list, arc{job: j})
			}
			a := &sc.acc[j]
			a.mask |= 1 << sv.seatBit[s]
			a.priority += int32(seat.Priority)
			if seat.Role.Titulaire() {
				a.tit++
			}
			a.km += cost
			if len(held) > 0 && slices.Contains(held, s) {
				a.kept++
			}
		}
	})
	for n := range list {
		list[n] = sc.acc[list[n].job]
	}
	sc.list = list
	return list
}

// solveComponent solves one independent sub-problem exactly and records
// each person's job in taken.
func (sv *solver) solveComponent(people, jobs []int32, taken []arc, sc *scratch, local []int32) {
	for li, j := range jobs {
		local[j] = int32(li)
	}
	type edge struct {
		from, to int32
		value    int64 // stage 1 cost (tiers 1-3, negative)
		km       int64 // stage 2 cost
		a        arc
		person   int32
	}
	const src, snk = 0, 1
	nodes := 2 + len(people) + len(jobs)
	pNode := func(li int) int32 { return int32(2 + li) }
	jNode := func(li int32) int32 { return int32(2 + len(people) + int(li)) }

	// Tier weights from exact bounds: every tier-1 unit outweighs any
	// change of the tiers below it, and so on.
	var kb, tb int64
	for _, j := range jobs {
		for _, s := range sv.jobs[j].seats {
			if sv.p.Seats[s].Role.Titulaire() {
				tb++
			}
		}
	}
	// The network runs source → job → person → sink: the job's best
	// value sits on its source arc (negative), each person's shortfall on
	// the job → person arc (>= 0), so that the value of a path is the
	// value of that person in that job, and the solver's searches start
	// at the jobs it fills (see flow.MinCostFlow).
	var edges []edge
	for li, i := range people {
		for _, a := range sv.arcsOf(int(i), sc) {
			edges = append(edges, edge{from: jNode(local[a.job]), to: pNode(li), a: a, person: i, km: int64(a.km)})
			kb += int64(a.kept)
		}
	}
	mt := kb + 1
	mp := tb*mt + kb + 1
	best := make([]int64, len(jobs))
	for e := range edges {
		a := edges[e].a
		v := int64(a.priority)*mp + int64(a.tit)*mt + int64(a.kept)
		edges[e].value = v // the shortfall below, once the best is known
		best[local[a.job]] = max(best[local[a.job]], v)
	}
	for e := range edges {
		edges[e].value = best[local[edges[e].a.job]] - edges[e].value
	}
	for li := range jobs {
		if best[li] > 0 {
			edges = append(edges, edge{from: src, to: jNode(int32(li)), value: -best[li], person: -1})
		}
	}
	for li := range people {
		edges = append(edges, edge{from: pNode(li), to: snk, person: -1})
	}

	// Stage 1: tiers 1-3.
	g := flow.New(nodes)
	g.Grow(len(edges))
	for _, ed := range edges {
		g.AddEdge(int(ed.from), int(ed.to), 1, ed.value)
	}
	g.MinCostFlow(src, snk, int64(len(people))+1)

	// Stage 2: travel over the arcs free at the optimum of stage 1 (the
	// node potentials are optimal duals: complementary slackness); arcs
	// every optimum fills become node supplies, the others are dropped.
	// The t→s arc that closes the circulation costs nothing and never
	// binds, so stage 2 falls apart into independent pieces: persons and
	// jobs linked by free or filled job→person arcs (filled arcs must stay
	// inside a piece to keep its supplies balanced). Pieces are where
	// stage 1 left a choice, usually a town's own volunteers and bureaux:
	// far smaller than the component, which keeps stage 2 fast.
	rc := make([]int64, len(edges))
	supply := make([]int64, nodes)
	uf := newUnionFind(nodes)
	for e, ed := range edges {
		rc[e] = ed.value + g.Potential(int(ed.from)) - g.Potential(int(ed.to))
		if rc[e] < 0 {
			supply[ed.to]++
			supply[ed.from]--
		}
		if ed.person >= 0 && rc[e] <= 0 {
			uf.union(int(ed.from), int(ed.to))
		}
	}
	// Each piece gets its own s and t: the supply s and t receive from
	// filled arcs is counted in the piece of the arc's other end.
	type piece struct {
		nodes      []int32
		edges      []int
		sSup, tSup int64
	}
	pieceOf := map[int]*piece{}
	get := func(v int32) *piece {
		r := uf.find(int(v))
		pc := pieceOf[r]
		if pc == nil {
			pc = &piece{}
			pieceOf[r] = pc
		}
		return pc
	}
	var order []*piece
	for v := int32(2); v < int32(nodes); v++ {
		pc := get(v)
		if len(pc.nodes) == 0 {
			order = append(order, pc)
		}
		pc.nodes = append(pc.nodes, v)
	}
	for e, ed := range edges {
		var pc *piece
		switch {
		case ed.from == src:
			pc = get(ed.to)
			if rc[e] < 0 {
				pc.sSup--
			}
		case ed.to == snk:
			pc = get(ed.from)
			if rc[e] < 0 {
				pc.tSup++
			}
		default:
			pc = get(ed.from)
		}
		if rc[e] == 0 {
			pc.edges = append(pc.edges, e)
		}
	}
	used := make([]bool, len(edges))
	at := make([]int32, nodes)
	for _, pc := range order {
		if len(pc.edges) == 0 {
			continue
		}
		// Local nodes: 0 = s, 1 = t, 2 = S, 3 = T, then the piece's.
		for i, v := range pc.nodes {
			at[v] = int32(4 + i)
		}
		at[src], at[snk] = 0, 1
		g2 := flow.New(4 + len(pc.nodes))
		ids := make([]int, len(pc.edges))
		for k, e := range pc.edges {
			ids[k] = g2.AddEdge(int(at[edges[e].from]), int(at[edges[e].to]), 1, edges[e].km)
		}
		g2.AddEdge(1, 0, int64(len(pc.nodes))+1, 0)
		addSupply := func(v int, b int64) {
			if b > 0 {
				g2.AddEdge(2, v, b, 0)
			} else if b < 0 {
				g2.AddEdge(v, 3, -b, 0)
			}
		}
		addSupply(0, pc.sSup)
		addSupply(1, pc.tSup)
		for _, v := range pc.nodes {
			addSupply(int(at[v]), supply[v])
		}
		g2.MinCostMaxFlow(2, 3)
		for k, e := range pc.edges {
			used[e] = g2.Flow(ids[k]) > 0
		}
	}
	for e, ed := range edges {
		if ed.person >= 0 && (rc[e] < 0 || used[e]) {
			taken[ed.person] = ed.a
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
