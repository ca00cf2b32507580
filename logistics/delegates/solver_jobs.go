package delegates

import (
	"cmp"
	"math"
	"slices"

	"scrutin/logistics/flow"
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

type scratch struct {
	stamp []int32
	acc   []arc
	gen   int32
	list  []arc
}

func (gr *grouped) newScratch() *scratch {
	return &scratch{stamp: make([]int32, len(gr.jobs)), acc: make([]arc, len(gr.jobs))}
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
			seat := &sv.p.Seats[s]
			if mask&roleBit(seat.Role) == 0 {
				continue
			}
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
	// at the jobs it fills (see flow.MinCostFlow).
	var edges []edge
	for li, i := range people {
		for _, a := range gr.arcsOf(int(i), sc) {
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
