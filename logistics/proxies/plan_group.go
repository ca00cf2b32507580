package proxies

// Aggregation of interchangeable people (the complete graph's solver).
//
// Plain demands at the same point, of the same commune and bureau (no
// pending offer, no declined volunteer, no same-volunteer preference) have
// the same pairs at the same internal costs: they form one demand group.
// Likewise the ordinary supplies at the same point, of the same commune and
// bureau, with the same own travel limit (holding no offer, declined by no
// demand, preferred by none: every pair of theirs costs what the plain
// formula says) form one supply group whose capacity is the sum of theirs.
// Every other demand or supply is a group of its own.
//
// The round is then a transportation problem between groups: source ->
// demand group (capacity its size), demand group -> supply group (the
// pair's internal cost), supply group -> sink (its capacity). Any
// integral flow splits into a matching of the people with the same number
// served and the same cost, and conversely, so a minimum-cost maximum flow
// of the groups is an exact optimum of Plan's objective. Within a demand
// group the oldest demands are served.
//
// The groups' graph is built from the groups (plan_group_build.go): each
// demand group meets the supply groups of the sites near its point once.
// Solving it (groupBip.solve) follows the slot solver (plan_assign.go):
//
//  1. Dulmage-Mendelsohn sets from a maximum preflow of the groups' graph
//     (push-relabel, plan_groupflow.go). A group lies wholly on one side
//     (its members have the same neighbours). The scarce part (the reached
//     supply groups, saturated by the reached demand groups in every
//     maximum flow) and the abundant part (the other demand groups,
//     saturated by the other supply groups) are two independent min-cost
//     problems that saturate one side: solved at once.
//  2. Each by capSaturate: successive shortest paths with capacities,
//     from the side to saturate (supply groups in the scarce part, demand
//     groups oldest first in the abundant one), on a spatial numbering of
//     the groups; in the scarce part, among free demand groups at the
//     same distance the oldest is taken (the heuristic of the slot
//     solver).
//
// Grouping pays most when people are crowded on few points (the batch
// load: 33k × 33k groups, 0.8M group pairs for 7.2M pairs); on national
// instances spread over the communes it saves less (71k × 87k groups,
// 5.3M group pairs).

import (
	"slices"
	"sync"

	"scrutin/logistics/places"
)

// groupGain: the groups are solved when they have at most this share (%)
// of the pairs. Their solver's Dijkstras cost about as much as the slot
// solver's per arc scanned, plus the grouping and a second graph: on the
// national benchmark (74% of the pairs) both take about the same time and
// the slot solver less memory; on the batch load (11%) groups are about
// twice as fast.
const groupGain = 50

// groupBip is the groups' transportation problem: left node l (a demand
// group, size[l] demands) has arcs start[l]..start[l+1]-1 to right nodes
// to[a] (supply groups, capR[r] slots) at cost cost[a], uncapacitated.
type groupBip struct {
	nL, nR int
	start  []int32
	to     []int32
	cost   []int64
	size   []int64
	capR   []int64
	// Points of the nodes (spatial numbering of the parts).
	atL, atR []places.Point
}

// solve returns the flow of each arc: a maximum flow of minimum cost, given
// the Dulmage-Mendelsohn sets (deadL, deadR: the groups of Dr and Sr). The
// dead right nodes are saturated, by dead left nodes only, in every
// maximum flow, and the live left nodes by live right nodes only: two
// independent min-cost problems, each saturating one side, solved at once
// (one core each) by capSaturate (its searches never fail). settled, if
// not nil, is called with the flow as soon as the abundant part's is in it
// (the scarce part's is not yet), on that part's goroutine.
func (gb *groupBip) solve(deadL, deadR []bool, bandDeg float64, settled func(fl []int64)) []int64 {
	// The two parts, solved at once.
	out := make([]int64, len(gb.to))
	part := func(scarce bool) {
		sub, order, rank, arcOf := gb.restrict(deadL, deadR, scarce, bandDeg)
		if sub.nL == 0 {
			return
		}
		if !scarce {
			rank = nil // ties between supplies: any
		}
		fs := capSaturate(sub, order, rank)
		for k, a := range arcOf {
			out[a] = fs[k]
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		part(false)
		if settled != nil {
			settled(out)
		}
	}()
	part(true)
	wg.Wait()
	return out
}

// restrict returns the part of gb whose nodes have deadL/deadR == scarce:
// as is for the abundant part (demand groups on the left), transposed for
// the scarce part (supply groups on the left, demand groups on the right).
// Both sides are numbered in spatial order (plan_locality.go); order is
// the part's left nodes in gb's order (the processing order), rank the
// gb number of each right node (ties: smaller first), arcOf maps the
// part's arcs to gb's.
func (gb *groupBip) restrict(deadL, deadR []bool, scarce bool, bandDeg float64) (sub *groupBip, order, rank, arcOf []int32) {
	transpose := scarce
	// Old numbers of the part's nodes, each side in spatial order.
	pick := func(dead []bool, at []places.Point) (old, id []int32) {
		var keep []int32
		for v, d := range dead {
			if d == scarce {
				keep = append(keep, int32(v))
			}
		}
		ord, _ := spatialOrder(len(keep), func(i int) places.Point { return at[keep[i]] }, bandDeg)
		id = make([]int32, len(dead))
		for v := range id {
			id[v] = -1
		}
		old = make([]int32, len(keep))
		for k, i := range ord {
			old[k] = keep[i]
			id[keep[i]] = int32(k)
		}
		return old, id
	}
	oldL, idL := pick(deadL, gb.atL)
	oldR, idR := pick(deadR, gb.atR)
	sub = &groupBip{}
	// Arcs of the part as (new left, new right, gb arc), grouped by the
	// part's left node.
	lOld, rOld, lOf, rOf := oldL, oldR, idL, idR
	lSize, rCap, lAt, rAt := gb.size, gb.capR, gb.atL, gb.atR
	if transpose {
		lOld, rOld, lOf, rOf = oldR, oldL, idR, idL
		lSize, rCap, lAt, rAt = gb.capR, gb.size, gb.atR, gb.atL
	}
	nl, nr := len(lOld), len(rOld)
	sub.size, sub.capR = make([]int64, nl), make([]int64, nr)
	sub.atL, sub.atR = make([]places.Point, nl), make([]places.Point, nr)
	for k, x := range lOld {
		sub.size[k], sub.atL[k] = lSize[x], lAt[x]
	}
	for k, x := range rOld {
		sub.capR[k], sub.atR[k] = rCap[x], rAt[x]
	}
	rank = rOld
	sub.nL, sub.nR = nl, nr
	sub.start = make([]int32, nl+1)
	ends := func(l int, a int32) (int32, int32) { // part's (left, right) of gb arc a from gb left l
		if transpose {
			return lOf[gb.to[a]], rOf[l]
		}
		return lOf[l], rOf[gb.to[a]]
	}
	for l := 0; l < gb.nL; l++ {
		if idL[l] < 0 {
			continue
		}
		for a := gb.start[l]; a < gb.start[l+1]; a++ {
			if x, y := ends(l, a); x >= 0 && y >= 0 {
				sub.start[x+1]++
			}
		}
	}
	for x := 0; x < nl; x++ {
		sub.start[x+1] += sub.start[x]
	}
	m := sub.start[nl]
	sub.to, sub.cost, arcOf = make([]int32, m), make([]int64, m), make([]int32, m)
	next := slices.Clone(sub.start[:nl])
	for l := 0; l < gb.nL; l++ {
		if idL[l] < 0 {
			continue
		}
		for a := gb.start[l]; a < gb.start[l+1]; a++ {
			if x, y := ends(l, a); x >= 0 && y >= 0 {
				k := next[x]
				sub.to[k], sub.cost[k], arcOf[k] = y, gb.cost[a], a
				next[x]++
			}
		}
	}
	// Processing order: gb's order of the part's left nodes.
	order = make([]int32, 0, nl)
	if transpose {
		for _, r := range slices.Sorted(slices.Values(oldR)) {
			order = append(order, idR[r])
		}
	} else {
		for _, l := range slices.Sorted(slices.Values(oldL)) {
			order = append(order, idL[l])
		}
	}
	return sub, order, rank, arcOf
}

// capSaturate is saturate (plan_assign.go) with capacities: a minimum-cost
// flow of gb that sends size[l] units from every left node (when possible)
// into right nodes of capacity capR, left nodes processed in the given
// order. Successive shortest paths: a greedy start on the cheapest arcs,
// then for each unit still to send a Dijkstra on reduced costs (bucket
// queue) from its left node to the nearest right node with capacity left
// (among those at the same distance, the best ranked; rank nil: any),
// potentials updated on the settled nodes only. An arc carrying flow has
// reduced cost 0 both ways, so its reverse arc is free to follow. It
// returns the flow of each arc.
//
// The searches run one after the other (searchEach): searching ahead of
// the turn on the other core made the batch load's scarce part slower,
// 1.29-1.45 s against 0.89-1.09 s alternated: its last tenth of searches,
// which settle nine nodes in ten, each cross most of a balanced region, so
// a search ahead of its turn is nearly always stale.
func capSaturate(gb *groupBip, order, rank []int32) []int64 {
	nL, nR := gb.nL, gb.nR
	st := &capState{gb: gb, rank: rank, f: make([]int64, len(gb.to)), outL: make([]int64, nL), inR: make([]int64, nR),
		piL: make([]int64, nL), piR: make([]int64, nR), arcL: make([]int32, len(gb.to)),
		flowStart: make([]int32, nR+1), flowN: make([]int32, nR)}
	for l := 0; l < nL; l++ {
		for a := gb.start[l]; a < gb.start[l+1]; a++ {
			st.arcL[a] = int32(l)
			st.flowStart[gb.to[a]+1]++
		}
	}
	// Each arc carrying flow into r carries at least one of its capR[r]
	// units.
	for r := 0; r < nR; r++ {
		st.flowStart[r+1] = st.flowStart[r] + int32(min(int64(st.flowStart[r+1]), gb.capR[r]))
	}
	st.flowAt = make([]int32, st.flowStart[nR])
	st.flowL, st.flowC = make([]int32, st.flowStart[nR]), make([]int32, st.flowStart[nR])
	st.arcs = make([]packedArc, len(gb.to))
	for a, r := range gb.to {
		st.arcs[a] = packedArc{r, int32(gb.cost[a])}
	}
	// Greedy start: the cheapest arcs of each left node have reduced cost 0.
	for _, l := range order {
		lo, hi := gb.start[l], gb.start[l+1]
		if lo == hi {
			continue
		}
		m := gb.cost[lo]
		for a := lo + 1; a < hi; a++ {
			m = min(m, gb.cost[a])
		}
		st.piL[l] = -m
		for a := lo; a < hi && st.outL[l] < gb.size[l]; a++ {
			if r := gb.to[a]; gb.cost[a] == m && st.inR[r] < gb.capR[r] {
				x := min(gb.size[l]-st.outL[l], gb.capR[r]-st.inR[r])
				st.addFlow(a, x)
				st.outL[l] += x
				st.inR[r] += x
			}
		}
	}
	// One search per unit left, in order.
	var queue []int32
	for _, l := range order {
		if gb.start[l] < gb.start[l+1] {
			for k := st.outL[l]; k < gb.size[l]; k++ {
				queue = append(queue, l)
			}
		}
	}
	searchEach(queue, newCapSearcher(st), func(l int32) bool { return st.outL[l] >= gb.size[l] })
	return st.f
}

// capState is the state of capSaturate that the searches read and commit.
type capState struct {
	gb        *groupBip
	rank      []int32
	f         []int64 // flow of each arc
	outL, inR []int64 // flow out of each left node, into each right node
	piL, piR  []int64
	arcL      []int32 // left end of each arc
	// The arcs carrying flow into right node r:
	// flowAt[flowStart[r]:flowStart[r]+flowN[r]], with their left ends
	// and costs at the same places of flowL and flowC.
	flowStart, flowAt, flowN []int32
	flowL, flowC             []int32
	// arcs is gb.to and gb.cost side by side: the searches read both of
	// every arc they scan, and the flow lists hold what the reverse scans
	// read, in one run rather than at arcs scattered over the graph (the
	// searches wait on memory more than they compute).
	arcs []packedArc
}

type packedArc struct{ to, cost int32 }

// addFlow adds x to the flow of arc a.
func (st *capState) addFlow(a int32, x int64) {
	f := st.f
	r := st.gb.to[a]
	lo, n := st.flowStart[r], st.flowN[r]
	if f[a] == 0 {
		st.flowAt[lo+n] = a
		st.flowL[lo+n] = st.arcL[a]
		st.flowC[lo+n] = st.arcs[a].cost
		st.flowN[r] = n + 1
	}
	f[a] += x
	if f[a] == 0 {
		k := lo + int32(slices.Index(st.flowAt[lo:lo+n], a))
		last := lo + n - 1
		st.flowAt[k] = st.flowAt[last]
		st.flowL[k] = st.flowL[last]
		st.flowC[k] = st.flowC[last]
		st.flowN[r] = n - 1
	}
}

// capSearcher is one search of capSaturate (see dial).
type capSearcher struct {
	dial
	st   *capState
	viaR []int32 // forward arc that reached a right node
	viaL []int32 // arc whose reverse reached a left node
}

func newCapSearcher(st *capState) *capSearcher {
	nL, nR := st.gb.nL, st.gb.nR
	return &capSearcher{dial: newDial(nL + nR), st: st, viaR: make([]int32, nR), viaL: make([]int32, nL)}
}

// search reads the shared state (of the nodes it touches only) and writes
// only s.
func (s *capSearcher) search(l0 int32) {
	st := s.st
	gb := st.gb
	nL := gb.nL
	dist, done, viaR, viaL := s.dist, s.done, s.viaR, s.viaL
	keyR := s.key[nL:]
	piL, piR, inR, capR, rank := st.piL, st.piR, st.inR, gb.capR, st.rank
	room := func(r int32) bool { return inR[r] < capR[r] }
	touched, settled := s.begin(l0)
scan:
	for b := 0; b < len(s.head); b++ {
		for k := s.head[b]; k >= 0; k = s.q[k].next {
			v := s.q[k].v
			if done[v] || dist[v] != int64(b) {
				continue
			}
			if int(v) >= nL {
				r := v - int32(nL)
				if room(r) {
					// The nearest.
					s.target, s.D = s.bestRoom(k, int32(nL), r, rank, room), int64(b)
					break scan
				}
				done[v] = true
				settled = append(settled, v)
				// Reverse arcs of the arcs carrying flow into r.
				lo, n := st.flowStart[r], st.flowN[r]
				base := int64(b) + piR[r]
				for k := lo; k < lo+n; k++ {
					m := st.flowL[k]
					nd := base - int64(st.flowC[k]) - piL[m]
					if nd < dist[m] {
						if dist[m] == unseen {
							touched = append(touched, m)
						}
						dist[m] = nd
						viaL[m] = st.flowAt[k]
						s.push(m, nd)
					}
				}
				continue
			}
			l := v
			done[v] = true
			settled = append(settled, v)
			base := int64(b) + piL[l]
			lo, hi := gb.start[l], gb.start[l+1]
			// dial.improve and dial.push, inlined: the hot loop of the
			// solve.
			for i, a := range st.arcs[lo:hi] {
				r := a.to
				k := base + int64(a.cost)
				kr := keyR[r] // see dial.key
				if k >= kr {
					continue
				}
				rv := int32(nL) + r
				var nd int64
				if kr == unseen {
					nd = k - piR[r]
					touched = append(touched, rv)
				} else {
					nd = k - (kr - dist[rv])
				}
				keyR[r], dist[rv] = k, nd
				viaR[r] = lo + int32(i)
				if uint64(nd) >= uint64(len(s.head)) && !s.grow(nd) {
					continue
				}
				e := int32(len(s.q))
				s.q = append(s.q, qEntry{rv, -1})
				if t := s.tail[nd]; t >= 0 {
					s.q[t].next = e
				} else {
					s.head[nd] = e
				}
				s.tail[nd] = e
			}
		}
	}
	s.touched, s.settled = touched, settled
}

// commit applies the last search: potentials on the settled nodes, then
// the augmentation by as much as the path, the source and the target
// allow.
func (s *capSearcher) commit() {
	if s.target < 0 {
		return
	}
	st := s.st
	gb := st.gb
	s.shiftPotentials(st.piL, st.piR)
	l0, target := s.l0, s.target
	x := min(gb.size[l0]-st.outL[l0], gb.capR[target]-st.inR[target])
	for r := target; ; {
		l := st.arcL[s.viaR[r]]
		if l == l0 {
			break
		}
		b := s.viaL[l]
		x = min(x, st.f[b])
		r = gb.to[b]
	}
	for r := target; ; {
		a := s.viaR[r]
		st.addFlow(a, x)
		l := st.arcL[a]
		if l == l0 {
			break
		}
		b := s.viaL[l]
		st.addFlow(b, -x)
		r = gb.to[b]
	}
	st.outL[l0] += x
	st.inR[target] += x
}
