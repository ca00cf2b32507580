package delegates

import (
	"slices"

	"scrutin/logistics/flow"
)

// The solve of one component: the grouped assignment as first incumbent,
// then branch and bound over two min-cost-flow relaxations of the rules
// (see the model at the top of solver.go).

// nodeBudget caps the nodes searched in one component, counted in arc
// visits (nodes × arcs), so that a large component gets fewer nodes than a
// small one, and never fewer than minNodes. When it is hit the component
// keeps the best assignment found, reported in Solution.Unproven.
const nodeBudget = 200_000

const minNodes = 64

// exactArcs is the size (arcs of the candidate graph) above which a
// component is not searched at all: it keeps the grouped assignment,
// reported as not proven. Measured: the relaxations' bounds are 5-10 %
// above the best assignment known on département-sized components where
// volunteers are short, far beyond what branching can close, and solving
// them costs several grouped solves each (see the doc of solver.go).
const exactArcs = 2000

// carc is one seat a person may take.
type carc struct {
	seat  int32 // local seat
	mode  int32 // index in compSolver.mKey (a person's modes are consecutive)
	value int64 // tiers 1-3 folded into one integer
	km    int64 // tier 4
}

// restr is a branching decision: person's mode is the only one they may
// use (only), or one they may not.
type restr struct {
	mode int32
	only bool
}

// score is a solution's value: v1 (tiers 1-3, max) then km (min).
type score struct{ v1, km int64 }

func (a score) better(b score) bool { return a.v1 > b.v1 || a.v1 == b.v1 && a.km < b.km }

type compStats struct {
	nodes  int
	proven bool
}

// compSolver solves components one after the other (one per worker); its
// slices are reused.
type compSolver struct {
	sv        *solver
	gr        *grouped
	gsc       *scratch
	gLocal    []int32
	gTaken    []arc // per person (global): their job in the grouped model
	gJobs     []int32
	localSeat []int32 // global seat → index in seats, valid where seatGen is gen
	seatGen   []int32 // global seat → the load that listed it
	gen       int32
	modeIdx   map[int32]int32

	seats, people []int32
	aStart        []int32 // per local person (+1): their arcs
	mStart        []int32 // per local person (+1): their modes
	arcs          []carc
	mKey          []int32 // per mode: 0 assesseur, else 1+2*commune+role
	mCap          []int32 // per mode: most seats the person may take in it
	mPerson       []int32 // per mode: local person
	best          []int64 // per local seat: its best arc's value
	seatA         []bool  // per local seat: an assesseur seat

	// Restrictions of the current node.
	only   []int32 // per person: the one mode allowed, or -1
	forbid []bool  // per mode
	marked []int32 // persons and modes touched, to reset

	// Network of the current node.
	edges  []fedge
	mNode  []int32
	nodes  int
	flows  []int64
	take   []int32 // per local seat: arc taken, -1
	mVal   []int64 // per mode: value taken in it (violation check)
	pMode  []int32 // per person: first mode used, -1
	viol   []int32 // violating persons
	supply []int64
	at     []int32
	ids    []int
	graphs

	// polish: the seats of one kind and the persons who may take them
	dSeats, dPeople []int32
	heldMode        map[int32]int32 // person → mode key of the seats they hold
}

func newCompSolver(sv *solver, gr *grouped, taken []arc) *compSolver {
	return &compSolver{sv: sv, gr: gr, gsc: gr.newScratch(), gLocal: make([]int32, len(gr.jobs)), gTaken: taken,
		localSeat: make([]int32, len(sv.p.Seats)), seatGen: make([]int32, len(sv.p.Seats)),
		modeIdx: map[int32]int32{}, graphs: newGraphs(), heldMode: map[int32]int32{}}
}

// solveGroupedModel solves the component in the fixed-group model: the
// job each person gets is in cs.gTaken.
func (cs *compSolver) solveGroupedModel(people, seats []int32) {
	gr := cs.gr
	cs.gJobs = cs.gJobs[:0]
	for _, s := range seats {
		if j := gr.seatJob[s]; gr.jobs[j].seats[0] == s {
			cs.gJobs = append(cs.gJobs, j)
		}
	}
	gr.solveComponent(people, cs.gJobs, cs.gTaken, cs.gsc, cs.gLocal)
}

// writeGrouped writes the seats' holders of the grouped assignment (after
// solveGroupedModel).
func (cs *compSolver) writeGrouped(people []int32, holder []int) {
	for _, i := range people {
		a := cs.gTaken[i]
		if a.job < 0 {
			continue
		}
		for bit, s := range cs.gr.jobs[a.job].seats {
			if a.mask&(1<<uint(bit)) != 0 {
				holder[s] = int(i)
			}
		}
	}
}

// groupedTake returns the grouped assignment (after solveGroupedModel) as
// arcs of the candidate graph, with its score.
func (cs *compSolver) groupedTake() ([]int32, score) {
	gr := cs.gr
	take := make([]int32, len(cs.seats))
	for ls := range take {
		take[ls] = -1
	}
	var sc score
	for lp, i := range cs.people {
		a := cs.gTaken[i]
		if a.job < 0 {
			continue
		}
		for bit, s := range gr.jobs[a.job].seats {
			if a.mask&(1<<uint(bit)) == 0 {
				continue
			}
			ls := cs.localSeat[s]
			for n := cs.aStart[lp]; n < cs.aStart[lp+1]; n++ {
				if cs.arcs[n].seat == ls {
					take[ls] = n
					sc.v1 += cs.arcs[n].value
					sc.km += cs.arcs[n].km
					break
				}
			}
		}
	}
	return take, sc
}

// eachSeat calls fn for every seat person i may take (role, reach), with
// its travel cost.
func (sv *solver) eachSeat(i int, fn func(s int32, km int64)) {
	mask := sv.roleMask[i]
	pref := sv.pref[i]
	hasPoint := sv.p.People[i].Point != nil
	sv.reach(i, func(b int32, km float64) {
		slot := &sv.bureaux[b]
		if slot.roles&mask == 0 {
			return
		}
		cost := int64(0)
		if hasPoint && slot.point != nil && !pref[slot.id] {
			cost = kmCost(km)
		}
		for _, s := range slot.seats {
			if mask&sv.seatRole[s] != 0 {
				fn(s, cost)
			}
		}
	})
}

// modeKey is the mode a seat belongs to: every assesseur seat is one mode
// (a person sits in one bureau), each (commune, délégué role) another.
func (sv *solver) modeKey(s int32) int32 {
	switch sv.p.Seats[s].Role {
	case DelegueTitulaire:
		return 1 + 2*sv.seatCommune[s]
	case DelegueSuppleant:
		return 2 + 2*sv.seatCommune[s]
	}
	return 0
}

// load builds the candidate graph of people over seats (a component, or
// part of one: the seats people reach outside seats are left out) and the
// tier weights.
func (cs *compSolver) load(people, seats []int32) {
	sv := cs.sv
	cs.people, cs.seats = people, seats
	cs.gen++
	for ls, s := range seats {
		cs.localSeat[s] = int32(ls)
		cs.seatGen[s] = cs.gen
	}
	cs.aStart, cs.arcs, cs.mStart = cs.aStart[:0], cs.arcs[:0], cs.mStart[:0]
	cs.mKey, cs.mCap, cs.mPerson = cs.mKey[:0], cs.mCap[:0], cs.mPerson[:0]
	var held, tb int64
	for _, s := range seats {
		if sv.p.Seats[s].Role.Titulaire() {
			tb++
		}
	}
	for lp, i := range people {
		cs.aStart = append(cs.aStart, int32(len(cs.arcs)))
		cs.mStart = append(cs.mStart, int32(len(cs.mKey)))
		clear(cs.modeIdx)
		h := sv.held[i]
		sv.eachSeat(int(i), func(s int32, km int64) {
			if cs.seatGen[s] != cs.gen {
				return
			}
			key := sv.modeKey(s)
			m, ok := cs.modeIdx[key]
			if !ok {
				m = int32(len(cs.mKey))
				cs.modeIdx[key] = m
				cs.mKey = append(cs.mKey, key)
				cs.mCap = append(cs.mCap, 0)
				cs.mPerson = append(cs.mPerson, int32(lp))
			}
			cs.mCap[m]++
			a := carc{seat: cs.localSeat[s], mode: m, km: km}
			if len(h) > 0 && slices.Contains(h, s) {
				a.value = 1
				held++
			}
			cs.arcs = append(cs.arcs, a)
		})
	}
	cs.aStart = append(cs.aStart, int32(len(cs.arcs)))
	cs.mStart = append(cs.mStart, int32(len(cs.mKey)))
	for m, key := range cs.mKey {
		if key == 0 {
			cs.mCap[m] = 1
		} else {
			// One seat per bureau in a délégué mode (one role), so the
			// count of its seats is a count of bureaux.
			cs.mCap[m] = min(cs.mCap[m], int32(sv.k))
		}
	}
	// Tier weights from exact bounds: every tier-1 unit outweighs any
	// change of the tiers below it, and so on.
	mt := held + 1
	mp := tb*mt + held + 1
	cs.best = grow(cs.best, len(seats))
	clear(cs.best)
	for n := range cs.arcs {
		a := &cs.arcs[n]
		seat := &sv.p.Seats[seats[a.seat]]
		v := int64(seat.Priority)*mp + a.value
		if seat.Role.Titulaire() {
			v += mt
		}
		a.value = v
		cs.best[a.seat] = max(cs.best[a.seat], v)
	}
	cs.seatA = grow(cs.seatA, len(seats))
	for ls, s := range seats {
		cs.seatA[ls] = sv.p.Seats[s].Role.Assesseur()
	}
	cs.only = grow(cs.only, len(people))
	for p := range cs.only {
		cs.only[p] = -1
	}
	cs.pMode = grow(cs.pMode, len(people))
	cs.forbid = grow(cs.forbid, len(cs.mKey))
	clear(cs.forbid)
	cs.mNode = grow(cs.mNode, len(cs.mKey))
	cs.mVal = grow(cs.mVal, len(cs.mKey))
	cs.marked = cs.marked[:0]
}

// apply sets the restrictions of a node.
func (cs *compSolver) apply(rs []restr) {
	for _, m := range cs.marked {
		cs.forbid[m] = false
		cs.only[cs.mPerson[m]] = -1
	}
	cs.marked = cs.marked[:0]
	for _, r := range rs {
		if r.only {
			cs.only[cs.mPerson[r.mode]] = r.mode
		} else {
			cs.forbid[r.mode] = true
		}
		cs.marked = append(cs.marked, r.mode)
	}
}

func (cs *compSolver) allowed(m int32) bool {
	o := cs.only[cs.mPerson[m]]
	return (o < 0 || o == m) && !cs.forbid[m]
}

// build makes the relaxation's network under the current restrictions:
// source → seat (1) → person's mode (its cap) → person (largest mode cap)
// → sink. A person left with one mode has no mode node: their seat arcs
// go to the person node, whose cap is that mode's.
//
// scaled builds the second relaxation instead, where an assesseur seat is
// K units (K times cheaper each) and fills a person's K units alone: a
// person's assesseur and délégué flows then obey K·a + d ≤ K, the hull of
// "one or the other", at the price of letting K persons share an
// assesseur seat. Costs (and travel) are K times those of the first
// relaxation.
func (cs *compSolver) build(scaled bool) {
	S, P := len(cs.seats), len(cs.people)
	k := int64(1)
	if scaled {
		k = int64(cs.sv.k)
	}
	unit := func(ls int32) int64 { // units of a seat
		if scaled && cs.seatA[ls] {
			return k
		}
		return 1
	}
	seatNode := func(ls int32) int32 { return int32(2 + ls) }
	next := int32(2 + S + P)
	edges := cs.edges[:0]
	for ls, b := range cs.best {
		if b > 0 {
			u := unit(int32(ls))
			edges = append(edges, fedge{from: src, to: seatNode(int32(ls)), cap: u, cost: -b * (k / u), arc: -1})
		}
	}
	mcap := func(m int32) int64 {
		if scaled && cs.mKey[m] == 0 {
			return k
		}
		return int64(cs.mCap[m])
	}
	for lp := range cs.people {
		pn := int32(2 + S + lp)
		lo, hi := cs.aStart[lp], cs.aStart[lp+1]
		if lo == hi {
			continue
		}
		m0, m1 := cs.mStart[lp], cs.mStart[lp+1]
		n, pcap := 0, int64(0)
		for m := m0; m < m1; m++ {
			if cs.allowed(m) {
				n++
				pcap = max(pcap, mcap(m))
			}
		}
		if n == 0 {
			continue
		}
		for m := m0; m < m1; m++ {
			cs.mNode[m] = pn
			if n > 1 && cs.allowed(m) {
				cs.mNode[m] = next
				edges = append(edges, fedge{from: next, to: pn, cap: mcap(m), arc: -1})
				next++
			}
		}
		edges = append(edges, fedge{from: pn, to: snk, cap: pcap, arc: -1})
		for a := lo; a < hi; a++ {
			ar := &cs.arcs[a]
			if cs.allowed(ar.mode) {
				u := unit(ar.seat)
				edges = append(edges, fedge{from: seatNode(ar.seat), to: cs.mNode[ar.mode], cap: u,
					cost: (cs.best[ar.seat] - ar.value) * (k / u), km: ar.km * (k / u), arc: a})
			}
		}
	}
	cs.edges = edges
	cs.nodes = int(next)
}

// prunedByScaled reports whether the second relaxation (see build) shows
// that no assignment of the current node beats inc.
func (cs *compSolver) prunedByScaled(inc score) bool {
	if cs.sv.k == 1 {
		return false // the same relaxation
	}
	cs.build(true)
	edges := cs.edges
	g := cs.stage1
	cost := solveStage1(g, edges, cs.nodes)
	k := int64(cs.sv.k)
	b := score{v1: -cost / k} // cost <= 0: rounds the bound down, as v1 is whole
	switch {
	case b.v1 != inc.v1:
		return b.v1 < inc.v1
	case -cost%k != 0:
		// No assignment reaches the relaxation's v1, so none with v1 =
		// inc.v1 is bounded in travel by it.
		return inc.km == 0
	}
	cs.stage2(g)
	var km int64
	for e, ed := range edges {
		if ed.arc >= 0 {
			km += cs.flows[e] * ed.km
		}
	}
	b.km = (km + k - 1) / k
	return !b.better(inc)
}

// evaluate solves the relaxation of a node. Stage 1 gives its best v1; if
// that cannot beat inc (when given) the node is pruned (false). Otherwise
// take holds an optimal assignment of the relaxation and viol its
// violators; stage 2 (least travel at that v1) runs only where its answer
// matters: when stage 1's assignment keeps every rule (the node's optimum
// is then the relaxation's lexicographic one, if that keeps the rules
// too), or when v1 ties with inc (the travel bound decides). Without stage
// 2, km is 0 and v1 alone beats inc.
func (cs *compSolver) evaluate(rs []restr, inc *score) (score, bool) {
	cs.apply(rs)
	cs.build(false)
	edges := cs.edges
	g := cs.stage1
	cost := solveStage1(g, edges, cs.nodes)
	b := score{v1: -cost}
	if inc != nil && b.v1 < inc.v1 {
		return b, false
	}
	cs.take = grow(cs.take, len(cs.seats))
	for ls := range cs.take {
		cs.take[ls] = -1
	}
	for e, ed := range edges {
		if ed.arc >= 0 && g.Flow(e) > 0 {
			cs.take[cs.arcs[ed.arc].seat] = ed.arc
		}
	}
	if len(cs.violators()) > 0 && (inc == nil || b.v1 > inc.v1) {
		return b, true
	}
	cs.stage2(g)
	for ls := range cs.take {
		cs.take[ls] = -1
	}
	for e, ed := range edges {
		if ed.arc >= 0 && cs.flows[e] > 0 {
			cs.take[cs.arcs[ed.arc].seat] = ed.arc
			b.km += ed.km
		}
	}
	cs.violators()
	return b, true
}

// stage2 minimises travel over the arcs free at the optimum of stage 1
// (see splitTravel), seats, modes and persons making up the pieces. The
// flow of every edge goes to cs.flows.
func (cs *compSolver) stage2(g *flow.Graph) {
	edges := cs.edges
	nodes := cs.nodes
	cs.flows = grow(cs.flows, len(edges))
	cs.supply = grow(cs.supply, nodes)
	pieces := splitTravel(g, edges, nodes, cs.flows, cs.supply)
	cs.at = grow(cs.at, nodes)
	at := cs.at
	for _, pc := range pieces {
		total, travel := int64(1), int64(0)
		for _, e := range pc.edges {
			total += edges[e].cap
			travel += edges[e].km * edges[e].cap
		}
		// Supplies as arcs from S worth more than any travel: the local
		// algorithm (MinCostFlow without a limit) then meets every supply,
		// at the least travel, without the phases of MinCostMaxFlow.
		big := total + travel
		cs.ids = pc.network(cs.piece, cs.ids, edges, cs.supply, at, total, -big)
		cs.piece.MinCostFlow(2, 3, -1)
		for k, e := range pc.edges {
			cs.flows[e] = cs.piece.Flow(cs.ids[k])
		}
	}
}

// violators lists the persons whose relaxed assignment (take) breaks a
// rule, that is uses two modes (assesseur and délégué, two communes, or
// two délégué roles; two seats of one bureau are always two modes), each
// with the mode that brings the most value: the one to branch on.
func (cs *compSolver) violators() []int32 {
	clear(cs.mVal)
	for p := range cs.pMode {
		cs.pMode[p] = -1
	}
	cs.viol = cs.viol[:0]
	for _, a := range cs.take {
		if a < 0 {
			continue
		}
		m := cs.arcs[a].mode
		cs.mVal[m] += cs.arcs[a].value
		p := cs.mPerson[m]
		switch first := cs.pMode[p]; {
		case first == -1:
			cs.pMode[p] = m
		case first >= 0 && first != m:
			cs.pMode[p] = -2 // listed once
			cs.viol = append(cs.viol, p)
		}
	}
	for n, p := range cs.viol {
		bestM := int32(-1)
		for m := cs.mStart[p]; m < cs.mStart[p+1]; m++ {
			if bestM < 0 || cs.mVal[m] > cs.mVal[bestM] {
				bestM = m
			}
		}
		cs.viol[n] = bestM
	}
	return cs.viol
}

// solve solves one component and writes its seats' holders: exactly, or
// the best assignment found, polished, where the search cannot prove it.
func (cs *compSolver) solve(people, seats []int32, holder []int) compStats {
	st := cs.search(people, seats, holder)
	if !st.proven {
		cs.polish(people, seats, holder)
	}
	return st
}

// search solves one component by branch and bound (or takes the grouped
// assignment where the component is too large to search) and writes its
// seats' holders.
func (cs *compSolver) search(people, seats []int32, holder []int) compStats {
	st := compStats{proven: true}
	cs.solveGroupedModel(people, seats)
	// The candidate graph has an arc per seat of each grouped arc, and
	// each person and seat has one: where the grouped model alone is above
	// exactArcs, the grouped assignment as it comes, without building the
	// candidate graph (millions of arcs in a city's component) only to
	// skip it.
	large := max(len(people), len(seats), len(cs.gsc.arcs)) > exactArcs
	if large || cs.sv.k == 1 {
		// With groups of one seat, the grouped model is the rules
		// themselves (everyone takes at most one seat): exact.
		cs.writeGrouped(people, holder)
		st.proven = cs.sv.k == 1
		return st
	}
	cs.load(people, seats)
	write := func(take []int32) {
		for ls, a := range take {
			if a >= 0 {
				holder[seats[ls]] = int(people[cs.mPerson[cs.arcs[a].mode]])
			}
		}
	}
	incTake, inc := cs.groupedTake()
	if len(cs.arcs) > exactArcs {
		// Too large to search in the time a national run has: the
		// grouped assignment, reported as not proven optimal.
		write(incTake)
		st.proven = false
		return st
	}
	cs.apply(nil)
	if cs.prunedByScaled(inc) {
		st.nodes++
		write(incTake)
		return st
	}
	root, _ := cs.evaluate(nil, &inc)
	st.nodes++
	if !root.better(inc) {
		// The grouped assignment reaches the relaxation's bound.
		write(incTake)
		return st
	}
	rootViol := slices.Clone(cs.viol)
	if len(rootViol) == 0 {
		write(cs.take)
		return st
	}

	// Another incumbent by diving: every violator keeps the mode that
	// brings them the most, the others are solved again, until no rule
	// breaks. Each pass fixes new persons to one mode, so it ends.
	var rs []restr
	viol := rootViol
	for {
		for _, m := range viol {
			rs = append(rs, restr{mode: m, only: true})
		}
		b, _ := cs.evaluate(rs, nil)
		st.nodes++
		if viol = cs.viol; len(viol) == 0 {
			if b.better(inc) {
				inc = b
				incTake = append(incTake[:0], cs.take...)
			}
			break
		}
	}
	if !root.better(inc) {
		write(incTake)
		return st
	}

	// Branch and bound, depth first: a violator keeps one mode only, or
	// may not use it. Every assignment that keeps the rules lies in one of
	// the two children, and the relaxation of a node bounds them all.
	maxNodes := max(minNodes, nodeBudget/max(1, len(cs.edges)))
	stack := [][]restr{{{mode: rootViol[0], only: false}}, {{mode: rootViol[0], only: true}}}
	for len(stack) > 0 {
		if st.nodes >= maxNodes {
			st.proven = false
			break
		}
		rs := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		st.nodes++
		cs.apply(rs)
		if cs.prunedByScaled(inc) {
			continue
		}
		b, ok := cs.evaluate(rs, &inc)
		if !ok || !b.better(inc) {
			continue
		}
		viol := cs.viol
		if len(viol) == 0 {
			inc = b
			incTake = append(incTake[:0], cs.take...)
			continue
		}
		m := viol[0]
		stack = append(stack,
			append(slices.Clip(rs), restr{mode: m, only: false}),
			append(slices.Clip(rs), restr{mode: m, only: true}))
	}
	write(incTake)
	return st
}

// polish improves an assignment (holder) of the component in two passes
// of one exact flow each. First the délégué seats: the assesseurs keep
// their seats, every délégué keeps their commune and role but not their
// bureaux, and each person left without a seat who accepts a délégué role
// joins in one commune and role (where they reach the most bureaux). With
// one mode per person the relaxation R keeps every rule and is exact (see
// the doc of solver.go), and the délégué seats as they are assigned form
// one of its flows: its optimum is at least as good on every tier, and
// replaces them when better. This undoes the grouped model's loss: a
// délégué who reaches one bureau of a group no longer blocks the group's
// other bureaux. Then the persons still without a seat take the assesseur
// seats still empty (everyone else keeps their seats: moving the
// assesseurs too finds little more, at the cost of a flow over most of the
// component).
func (cs *compSolver) polish(people, seats []int32, holder []int) {
	cs.polishKind(people, seats, holder, true)
	cs.polishKind(people, seats, holder, false)
}

// polishKind is one pass of polish: over the délégué seats (delegue), or
// the empty assesseur seats.
func (cs *compSolver) polishKind(people, seats []int32, holder []int, delegue bool) {
	sv := cs.sv
	cs.dSeats = cs.dSeats[:0]
	clear(cs.heldMode)
	for _, s := range seats {
		if sv.p.Seats[s].Role.Delegue() == delegue && (delegue || holder[s] < 0) {
			cs.dSeats = append(cs.dSeats, s)
		}
		if h := holder[s]; h >= 0 {
			cs.heldMode[int32(h)] = sv.modeKey(s) // 0: an assesseur
		}
	}
	if len(cs.dSeats) == 0 {
		return
	}
	kind := roleBit(AssesseurTitulaire) | roleBit(AssesseurSuppleant)
	if delegue {
		kind = roleBit(DelegueTitulaire) | roleBit(DelegueSuppleant)
	}
	cs.dPeople = cs.dPeople[:0]
	for _, i := range people {
		key, held := cs.heldMode[i]
		if held && delegue && key != 0 || !held && sv.roleMask[i]&kind != 0 {
			cs.dPeople = append(cs.dPeople, i)
		}
	}
	// Both slices stay the graph's until the next load.
	dSeats, dPeople := cs.dSeats, cs.dPeople
	cs.load(dPeople, dSeats)
	var rs []restr
	var inc score
	for lp, i := range dPeople {
		if m, ok := cs.polishMode(lp, i); ok {
			rs = append(rs, restr{mode: m, only: true})
		}
		for a := cs.aStart[lp]; a < cs.aStart[lp+1]; a++ {
			if ar := &cs.arcs[a]; holder[dSeats[ar.seat]] == int(i) {
				inc.v1 += ar.value
				inc.km += ar.km
			}
		}
	}
	b, _ := cs.evaluate(rs, nil)
	if len(cs.viol) > 0 || !b.better(inc) {
		return
	}
	for ls, a := range cs.take {
		holder[dSeats[ls]] = -1
		if a >= 0 {
			holder[dSeats[ls]] = int(dPeople[cs.mPerson[cs.arcs[a].mode]])
		}
	}
}

// polishMode is the one mode local person lp (person i) keeps in polish:
// the one of the seats they hold, else the one reaching the most bureaux
// (the first such, their own commune when it is one). ok is false when
// they reach no seat.
func (cs *compSolver) polishMode(lp int, i int32) (mode int32, ok bool) {
	m0, m1 := cs.mStart[lp], cs.mStart[lp+1]
	if m0 == m1 {
		return 0, false
	}
	key, held := cs.heldMode[i]
	best := m0
	for m := m0; m < m1; m++ {
		if held && cs.mKey[m] == key {
			return m, true
		}
		if cs.mCap[m] > cs.mCap[best] {
			best = m
		}
	}
	return best, true
}
