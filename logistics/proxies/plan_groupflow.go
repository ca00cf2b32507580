package proxies

// deadGroups returns the Dulmage-Mendelsohn sets of the groups' problem
// (the groups of the slot solver's Dr and Sr, plan_assign.go: a group's
// members have the same neighbours, so a group lies wholly on one side),
// computed on the groups' graph, a tenth of the slots' graph.
//
// In the network source → supply groups (capR units) → demand groups
// (size units) → sink, an alternating path from a demand left unserved is,
// read backwards, a residual path to the sink: Dr and Sr are the groups
// that can still reach the sink once the flow is maximum. A maximum
// preflow is enough (push-relabel's first phase): the excess it leaves
// sits on groups that cannot reach the sink, and returning it to the
// source would not change which groups can.
func (gb *groupBip) deadGroups() (deadL, deadR []bool) {
	pr := newPreflow(gb.transpose())
	pr.run()
	reach := pr.sinkReach()
	// In the transposed graph, supply groups are on the left.
	return reach[pr.g.nL:], reach[:pr.g.nL]
}

// transpose is gb with the sides swapped (left sizes and right capacities
// too); arc costs are dropped.
func (gb *groupBip) transpose() *groupBip {
	t := &groupBip{nL: gb.nR, nR: gb.nL, start: make([]int32, gb.nR+1), to: make([]int32, len(gb.to)),
		size: gb.capR, capR: gb.size}
	for _, r := range gb.to {
		t.start[r+1]++
	}
	for r := 0; r < gb.nR; r++ {
		t.start[r+1] += t.start[r]
	}
	next := append([]int32(nil), t.start[:gb.nR]...)
	for l := 0; l < gb.nL; l++ {
		for _, r := range gb.to[gb.start[l]:gb.start[l+1]] {
			t.to[next[r]] = int32(l)
			next[r]++
		}
	}
	return t
}

// preflow is push-relabel (first phase, with global relabelling) on the
// network source → left node l (size[l]) → right node r (uncapacitated
// arcs of g) → sink (capR[r]). Nodes are the left ones 0..nL-1 then the
// right ones; the sink has label 0, and a label of n or more means no
// residual path to the sink.
type preflow struct {
	g      *groupBip
	n      int32
	f      []int64 // flow of each arc of g
	toSink []int64 // flow from each right node to the sink
	excess []int64
	label  []int32
	cur    []int32 // current arc of each node (left: into g.to, right: into rArcs)
	arcL   []int32
	// Arcs into right node r: rArcs[rStart[r]:rStart[r+1]], their left
	// ends at the same places of rLeft (read in one run by the global
	// relabelling rather than at arcs all over arcL).
	rStart, rArcs, rLeft []int32
	active               []int32
}

func newPreflow(g *groupBip) *preflow {
	nL, nR, m := g.nL, g.nR, len(g.to)
	pr := &preflow{g: g, n: int32(nL + nR + 1), f: make([]int64, m), toSink: make([]int64, nR),
		excess: make([]int64, nL+nR), label: make([]int32, nL+nR), cur: make([]int32, nL+nR),
		arcL: make([]int32, m), rStart: make([]int32, nR+1), rArcs: make([]int32, m), rLeft: make([]int32, m)}
	for l := 0; l < nL; l++ {
		for a := g.start[l]; a < g.start[l+1]; a++ {
			pr.arcL[a] = int32(l)
			pr.rStart[g.to[a]+1]++
		}
	}
	for r := 0; r < nR; r++ {
		pr.rStart[r+1] += pr.rStart[r]
	}
	next := append([]int32(nil), pr.rStart[:nR]...)
	for a, r := range g.to {
		pr.rArcs[next[r]] = int32(a)
		pr.rLeft[next[r]] = pr.arcL[a]
		next[r]++
	}
	return pr
}

// run saturates the source's arcs, sends what it can straight to the
// sink (first fit), then discharges the nodes left with excess.
func (pr *preflow) run() {
	g := pr.g
	nL := int32(g.nL)
	for l := int32(0); l < nL; l++ {
		e := g.size[l]
		for a := g.start[l]; a < g.start[l+1] && e > 0; a++ {
			r := g.to[a]
			if x := min(e, g.capR[r]-pr.toSink[r]); x > 0 {
				pr.f[a] += x
				pr.toSink[r] += x
				e -= x
			}
		}
		pr.excess[l] = e
	}
	pr.relabelAll()
	// Global relabelling again after about as much work as it costs. The
	// active nodes are taken first in, first out: on the national batch
	// that halves both the pushes and the global relabellings of a stack.
	work, limit := 0, (len(g.to) + int(pr.n))
	for h := 0; h < len(pr.active); h++ {
		v := pr.active[h]
		if pr.label[v] >= pr.n || pr.excess[v] == 0 {
			continue
		}
		work += pr.discharge(v)
		if work > limit {
			pr.relabelAll() // a new queue
			h, work = -1, 0
		}
	}
}

// relabelAll sets every label to the residual distance to the sink (a
// breadth-first search backwards from it), n where there is none, and
// lists the nodes with excess that can still reach it.
func (pr *preflow) relabelAll() {
	g := pr.g
	nL := int32(g.nL)
	for i := range pr.label {
		pr.label[i] = pr.n
	}
	var queue []int32
	for r := int32(0); r < int32(g.nR); r++ {
		if pr.toSink[r] < g.capR[r] {
			pr.label[nL+r] = 1
			queue = append(queue, nL+r)
		}
	}
	for h := 0; h < len(queue); h++ {
		v := queue[h]
		if v >= nL {
			// Residual arcs into r: from every left node with an arc to r.
			r := v - nL
			for _, l := range pr.rLeft[pr.rStart[r]:pr.rStart[r+1]] {
				if pr.label[l] == pr.n {
					pr.label[l] = pr.label[v] + 1
					queue = append(queue, l)
				}
			}
			continue
		}
		// Residual arcs into l: back from the right nodes it sends to.
		for a := g.start[v]; a < g.start[v+1]; a++ {
			if w := nL + g.to[a]; pr.f[a] > 0 && pr.label[w] == pr.n {
				pr.label[w] = pr.label[v] + 1
				queue = append(queue, w)
			}
		}
	}
	pr.active = pr.active[:0]
	for v, e := range pr.excess {
		if e > 0 && pr.label[v] < pr.n {
			pr.active = append(pr.active, int32(v))
		}
	}
	copy(pr.cur, g.start[:g.nL])
	copy(pr.cur[g.nL:], pr.rStart[:g.nR])
}

// discharge pushes v's excess along admissible arcs (to a node one label
// lower), relabelling v when it has none, until v has no excess or no
// residual path to the sink. It returns the arcs it looked at.
func (pr *preflow) discharge(v int32) int {
	g := pr.g
	nL := int32(g.nL)
	work := 0
	for pr.excess[v] > 0 && pr.label[v] < pr.n {
		pushed := false
		if v < nL {
			for ; pr.cur[v] < g.start[v+1]; pr.cur[v]++ {
				a := pr.cur[v]
				if w := nL + g.to[a]; pr.label[w] == pr.label[v]-1 {
					pr.f[a] += pr.excess[v]
					pr.gain(w, pr.excess[v])
					pr.excess[v] = 0
					pushed = true
					break
				}
			}
			work += int(g.start[v+1]-g.start[v]) + 1
		} else {
			r := v - nL
			if pr.label[v] == 1 {
				if x := min(pr.excess[v], g.capR[r]-pr.toSink[r]); x > 0 {
					pr.toSink[r] += x
					pr.excess[v] -= x
					pushed = pr.excess[v] == 0
				}
			}
			for ; !pushed && pr.cur[v] < pr.rStart[r+1]; pr.cur[v]++ {
				a := pr.rArcs[pr.cur[v]]
				if l := pr.arcL[a]; pr.f[a] > 0 && pr.label[l] == pr.label[v]-1 {
					x := min(pr.excess[v], pr.f[a])
					pr.f[a] -= x
					pr.gain(l, x)
					pr.excess[v] -= x
					pushed = pr.excess[v] == 0
				}
			}
			work += int(pr.rStart[r+1]-pr.rStart[r]) + 1
		}
		if !pushed {
			pr.relabel(v)
		}
	}
	return work
}

// gain adds x to w's excess, making w active.
func (pr *preflow) gain(w int32, x int64) {
	if pr.excess[w] == 0 {
		pr.active = append(pr.active, w)
	}
	pr.excess[w] += x
}

// relabel raises v to one more than its lowest residual neighbour and
// rewinds its current arc.
func (pr *preflow) relabel(v int32) {
	g := pr.g
	nL := int32(g.nL)
	low := pr.n - 1
	if v < nL {
		for a := g.start[v]; a < g.start[v+1]; a++ {
			low = min(low, pr.label[nL+g.to[a]])
		}
		pr.cur[v] = g.start[v]
	} else {
		r := v - nL
		if pr.toSink[r] < g.capR[r] {
			low = 0
		}
		for _, a := range pr.rArcs[pr.rStart[r]:pr.rStart[r+1]] {
			if pr.f[a] > 0 {
				low = min(low, pr.label[pr.arcL[a]])
			}
		}
		pr.cur[v] = pr.rStart[r]
	}
	pr.label[v] = low + 1
}

// sinkReach reports, for each node, whether it has a residual path to the
// sink.
func (pr *preflow) sinkReach() []bool {
	pr.relabelAll()
	reach := make([]bool, len(pr.label))
	for v, d := range pr.label {
		reach[v] = d < pr.n
	}
	return reach
}
