package delegates

import (
	"cmp"
	"math"
	"slices"
)

// The fixed-group model of earlier versions, kept as the first incumbent
// of the exact search (see solver.go): the open délégué seats of one
// commune and role, in bureau order, are cut into groups of at most K
// bureaux, and each volunteer takes at most one job (one assesseur seat,
// or the seats of one group they can reach). Every hard rule holds by
// construction, and the job assignment is an exact min-cost flow: its
// solution is feasible for the full rules and found fast, but optimal only
// over the groups.

type grouped struct {
	sv      *solver
	jobs    []job
	seatJob []int32
	seatBit []uint8 // position of a seat in its job
}

func newGrouped(sv *solver) *grouped {
	gr := &grouped{sv: sv}
	gr.jobs, gr.seatJob = buildJobs(sv.p.Seats, sv.k)
	gr.seatBit = make([]uint8, len(sv.p.Seats))
	for j := range gr.jobs {
		for bit, s := range gr.jobs[j].seats {
			gr.seatBit[s] = uint8(bit)
		}
		gr.jobs[j].commune = sv.seatCommune[gr.jobs[j].seats[0]]
	}
	return gr
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

// scratch is what the grouped model reuses from one component to the
// next (one per worker): the national run solves components of millions
// of arcs, and growing these slices anew each time costs more than the
// flows' own allocations.
type scratch struct {
	stamp []int32
	acc   []arc
	gen   int32
	list  []arc

	edges  []fedge
	arcs   []arc
	best   []int64 // per local job
	flows  []int64 // per edge
	supply []int64 // per node
	at     []int32 // per node
	ids    []int   // per edge of a piece
	ends   []int32 // per local person: the end of their arcs
	graphs
}

func (gr *grouped) newScratch() *scratch {
	return &scratch{stamp: make([]int32, len(gr.jobs)), acc: make([]arc, len(gr.jobs)), graphs: newGraphs()}
}

// arcsOf lists every job person i may take. The slice is scratch space,
// valid until the next call.
func (gr *grouped) arcsOf(i int, sc *scratch) []arc {
	sv := gr.sv
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
			if mask&sv.seatRole[s] == 0 {
				continue
			}
			seat := &sv.p.Seats[s]
			j := gr.seatJob[s]
			if sc.stamp[j] != gen {
				sc.stamp[j] = gen
				sc.acc[j] = arc{job: j}
				list = append(list, arc{job: j})
			}
			a := &sc.acc[j]
			a.mask |= 1 << gr.seatBit[s]
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
func (gr *grouped) solveComponent(people, jobs []int32, taken []arc, sc *scratch, local []int32) {
	sv := gr.sv
	for li, j := range jobs {
		local[j] = int32(li)
	}
	nodes := 2 + len(people) + len(jobs)
	pNode := func(li int) int32 { return int32(2 + li) }
	jNode := func(li int32) int32 { return int32(2 + len(people) + int(li)) }

	// Tier weights from exact bounds: every tier-1 unit outweighs any
	// change of the tiers below it, and so on.
	var kb, tb int64
	for _, j := range jobs {
		for _, s := range gr.jobs[j].seats {
			if sv.p.Seats[s].Role.Titulaire() {
				tb++
			}
		}
	}
	// The network runs source → job → person → sink: the job's best
	// value sits on its source arc (negative), each person's shortfall on
	// the job → person arc (>= 0), so that the value of a path is the
	// value of that person in that job, and the solver's searches start
	// at the jobs it fills (see flow.MinCostFlow). The arc of a job →
	// person edge is its index in arcs.
	//
	// The arcs first, then the edges at their exact size: the largest
	// components have a million arcs, and growing slices that large step
	// by step (by a quarter each time) costs more than building them.
	arcs, ends := sc.arcs[:0], grow(sc.ends, len(people))
	for li, i := range people {
		for _, a := range gr.arcsOf(int(i), sc) {
			arcs = append(growFor(arcs, 1), a)
			kb += int64(a.kept)
		}
		ends[li] = int32(len(arcs))
	}
	sc.ends = ends
	edges := grow(sc.edges, len(arcs)+len(jobs)+len(people))[:0]
	first := int32(0)
	for li := range people {
		for n := first; n < ends[li]; n++ {
			edges = append(edges, fedge{from: jNode(local[arcs[n].job]), to: pNode(li), cap: 1, km: int64(arcs[n].km), arc: n})
		}
		first = ends[li]
	}
	mt := kb + 1
	mp := tb*mt + kb + 1
	best := grow(sc.best, len(jobs))
	clear(best)
	for e := range edges {
		a := arcs[edges[e].arc]
		v := int64(a.priority)*mp + int64(a.tit)*mt + int64(a.kept)
		edges[e].cost = v // the shortfall below, once the best is known
		best[local[a.job]] = max(best[local[a.job]], v)
	}
	for e := range edges {
		edges[e].cost = best[local[arcs[edges[e].arc].job]] - edges[e].cost
	}
	for li := range jobs {
		if best[li] > 0 {
			edges = append(edges, fedge{from: src, to: jNode(int32(li)), cap: 1, cost: -best[li], arc: -1})
		}
	}
	for li := range people {
		edges = append(edges, fedge{from: pNode(li), to: snk, cap: 1, arc: -1})
	}

	// Kept for the next component; sc.arcs also tells the search how
	// large this one is.
	sc.edges, sc.arcs, sc.best = edges, arcs, best

	// Stage 1: tiers 1-3.
	g := sc.stage1
	solveStage1(g, edges, nodes)

	// Stage 2: travel over the arcs stage 1 left free (see splitTravel),
	// persons and jobs making up the pieces. Each piece is solved by
	// primal-dual phases (MinCostMaxFlow), as this model always was: the
	// relaxations' local solve (compSolver.stage2) reaches the same travel
	// but may pick another assignment among equals, which would change
	// the incumbent. The closing t→s arc is above any flow the piece's
	// persons can take.
	flows, supply, at := grow(sc.flows, len(edges)), grow(sc.supply, nodes), grow(sc.at, nodes)
	sc.flows, sc.supply, sc.at = flows, supply, at
	for _, pc := range splitTravel(g, edges, nodes, flows, supply) {
		sc.ids = pc.network(sc.piece, sc.ids, edges, supply, at, int64(len(pc.nodes))+1, 0)
		sc.piece.MinCostMaxFlow(2, 3)
		for k, e := range pc.edges {
			flows[e] = sc.piece.Flow(sc.ids[k])
		}
	}
	for e, ed := range edges {
		if ed.arc >= 0 && flows[e] > 0 {
			taken[people[ed.to-pNode(0)]] = arcs[ed.arc] // to: the person's node
		}
	}
}
