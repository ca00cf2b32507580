package proxies

// Exact min-cost maximum-cardinality matching of one round's demands with
// supply slots (the core of Plan on sparse graphs; on the graph of every
// pair, Plan solves groups of interchangeable people instead: see
// plan_group.go, which reuses steps 1 and 2 and generalises step 3 to
// capacities).
//
//  1. Maximum matching on the sparse view (the graph of every pair when it
//     is complete), from a greedy start on the cheapest pairs: depth-first
//     phases (Pothen-Fan) while they augment many paths at once, then
//     push-relabel for the last ones, which on national graphs are long
//     chains across regions (see maxMatching). In exact mode, one breadth-first
//     augmenting-path search per free demand then runs on the full view
//     (every valid pair); a search that fails marks what it visited dead
//     (a Hungarian tree: no augmenting path can go through it again), so
//     failed searches cost O(pairs) in all.
//  2. Dulmage-Mendelsohn: Dr and Sr, the demands and slots reachable by
//     alternating paths from the demands left free (the dead ones in exact
//     mode). Every slot of Sr is matched into Dr, the neighbours of Dr are
//     all in Sr, and |Dr| = |Sr| + free. So every maximum matching matches
//     all of Sr with demands of Dr (the "scarce" part: which demands to
//     serve) and all other demands D' with slots outside Sr (the
//     "abundant" part), never a D'-Sr pair. The lexicographic objective
//     (served, then cost) splits into two min-cost problems that saturate
//     one side: D' into the other slots, and Sr into Dr.
//  3. Each is solved by successive shortest paths from one node at a time
//     (Jonker-Volgenant style): a greedy start on zero-reduced-cost pairs,
//     then for each node still unmatched a Dijkstra on reduced costs (a
//     bucket queue: they are small integers) that stops at the first free
//     node of the other side, potentials updated on the settled nodes only.
//     Searches are local (they stop at the nearest free volunteer or
//     request); every augmentation keeps reduced-cost optimality, so each
//     part is optimal on its graph (the sparse view, plus in exact mode the
//     pairs of the maximum matching). The two parts are solved at once,
//     the searches of each one after the other (see searchEach). In the
//     scarce part,
//     the searches reach interchangeable demands through hubs (see
//     hubView), which scans a third as many arcs on national rounds.
//  4. Pricing (exact mode): the potentials certify optimality over all
//     valid pairs when no pair left out of the graph has a negative reduced
//     cost. The K-th best cost of each demand bounds those it left out, so
//     most demands are cleared without looking at their pairs; violating
//     pairs are added and the part solved again.

import (
	"cmp"
	"math"
	"slices"
	"sync"
)

// bip is a bipartite graph in CSR form: the arcs of left node l are
// start[l]..start[l+1]-1, to right node to[a] at cost cost[a].
type bip struct {
	nL, nR int
	start  []int32
	to     []int32
	cost   []int32
}

// saturate computes a minimum-cost matching of g that matches every left
// node (when possible; a left node that cannot be matched is left free),
// processing the left nodes in the given order. rank breaks ties between
// free right nodes at the same distance (smaller first); nil: none.
//
// The searches run one after the other (see searchEach).
func saturate(g *bip, order []int32, rank []int32, hv *hubView) (mateL []int32, piL, piR []int64) {
	nL, nR := g.nL, g.nR
	mateL = make([]int32, nL)
	mateR := make([]int32, nR)
	mateCost := make([]int64, nR) // cost of the matched pair of a right node
	for i := range mateL {
		mateL[i] = -1
	}
	for i := range mateR {
		mateR[i] = -1
	}
	// Reduced cost of arc l->r: cost + piL[l] - piR[r] >= 0; of a matched
	// pair's reverse arc r->l: -cost + piR[r] - piL[l] >= 0 (so = 0).
	piL = make([]int64, nL)
	piR = make([]int64, nR)
	tieR := func(r int32) int32 {
		if rank == nil {
			return 0
		}
		return rank[r]
	}
	// g's arcs, or when g holds none (see solvePart), hv's.
	folded := g.start == nil
	hasArcs := func(l int32) bool {
		if folded {
			return hv.dstart[l] < hv.dstart[l+1] || hv.list[l] >= 0
		}
		return g.start[l] < g.start[l+1]
	}
	// Greedy start: each left node's cheapest arcs have reduced cost 0;
	// take a free right node among them.
	for _, l := range order {
		if folded {
			if m, r, ok := hv.cheapest(l, mateR, rank); ok {
				piL[l] = -m
				if r >= 0 {
					mateL[l], mateR[r], mateCost[r] = r, l, m
				}
			}
			continue
		}
		lo, hi := g.start[l], g.start[l+1]
		if lo == hi {
			continue
		}
		m := int64(g.cost[lo])
		for a := lo + 1; a < hi; a++ {
			m = min(m, int64(g.cost[a]))
		}
		piL[l] = -m
		best := int32(-1)
		for a := lo; a < hi; a++ {
			if r := g.to[a]; int64(g.cost[a]) == m && mateR[r] < 0 && (best < 0 || tieR(r) < tieR(g.to[best])) {
				best = a
			}
		}
		if best >= 0 {
			r := g.to[best]
			mateL[l], mateR[r], mateCost[r] = r, l, m
		}
	}

	// Augmenting row reduction (Jonker-Volgenant): a free left node takes
	// its best right node at the price of the second best, displacing the
	// previous holder; the right node's potential drops by the difference,
	// which keeps every reduced cost >= 0 (free right nodes keep potential
	// 0, matched ones <= 0). Two passes, a bounded number of steps: it
	// settles most conflicts without a Dijkstra.
	var free, next []int32
	for _, l := range order {
		if mateL[l] < 0 && hasArcs(l) {
			free = append(free, l)
		}
	}
	steps := 4 * len(free)
	for pass := 0; pass < 2 && steps > 0; pass++ {
		next = next[:0]
		for k := 0; k < len(free) && steps > 0; k++ {
			steps--
			l := free[k]
			var b best2
			if folded {
				hv.best2(l, piR, &b)
			} else {
				b.reset()
				for a := g.start[l]; a < g.start[l+1]; a++ {
					r := g.to[a]
					b.add(r, int64(g.cost[a]), int64(g.cost[a])-piR[r])
				}
			}
			u1, u2, r1, c1 := b.u1, b.u2, b.r1, b.c1
			if b.r2 < 0 {
				// One arc: take it only if free.
				if mateR[r1] >= 0 {
					next = append(next, l)
					continue
				}
				u2 = u1
			} else if u1 < u2 {
				piR[r1] -= u2 - u1
			} else if mateR[r1] >= 0 && mateR[b.r2] < 0 {
				r1, c1 = b.r2, b.c2
			}
			piL[l] = -u2
			old := mateR[r1]
			mateL[l], mateR[r1], mateCost[r1] = r1, l, c1
			if old >= 0 {
				mateL[old] = -1
				if u1 < u2 {
					free[k] = old // again, at once: its best got dearer
					k--
				} else {
					next = append(next, old)
				}
			}
		}
		free, next = next, free
	}

	// One Dijkstra per left node still free, in order (see searcher).
	sh := &shared{g: g, mateL: mateL, mateR: mateR, mateCost: mateCost, piL: piL, piR: piR, rank: rank, hv: hv}
	if hv != nil {
		for h := range hv.nH {
			hv.refresh(h, piR)
		}
	}
	var queue []int32
	for _, l := range order {
		if mateL[l] < 0 && hasArcs(l) {
			queue = append(queue, l)
		}
	}
	searchEach(queue, newSearcher(sh), func(l int32) bool { return mateL[l] >= 0 })
	return mateL, piL, piR
}

// best2 is the two best arcs of a left node by reduced value h: right
// nodes r1 and r2 (-1: none), values u1 <= u2, costs c1 and c2. Among
// equal values the first added comes first.
type best2 struct {
	u1, u2 int64
	r1, r2 int32
	c1, c2 int64
}

func (b *best2) reset() { *b = best2{u1: math.MaxInt64, u2: math.MaxInt64, r1: -1, r2: -1} }

func (b *best2) add(r int32, c, h int64) {
	if h < b.u1 {
		b.u2, b.r2, b.c2 = b.u1, b.r1, b.c1
		b.u1, b.r1, b.c1 = h, r, c
	} else if h < b.u2 {
		b.u2, b.r2, b.c2 = h, r, c
	}
}

// addByNode is add with ties to the smaller right node: what add gives
// over arcs in the order of their right nodes.
func (b *best2) addByNode(r int32, c, h int64) {
	if h < b.u1 || h == b.u1 && r < b.r1 {
		b.u2, b.r2, b.c2 = b.u1, b.r1, b.c1
		b.u1, b.r1, b.c1 = h, r, c
	} else if h < b.u2 || h == b.u2 && r < b.r2 {
		b.u2, b.r2, b.c2 = h, r, c
	}
}

// edge is a pair added to a part's graph beyond the sparse view.
type edge struct {
	l, r int32
	ic   int64
}

// solve returns the slot of each demand (-1: unserved). With exact, the
// number served is made maximum over all valid pairs and the cost checked
// by pricing over all valid pairs; otherwise both are exact on the sparse
// view.
func (rg *roundGraph) solve(exact bool) []int32 {
	nD, nS := len(rg.ds), len(rg.slotSupply)
	mate := make([]int32, nD)
	for i := range mate {
		mate[i] = -1
	}
	// The maximum matching runs on the spatial numbering (plan_locality.go),
	// from the slots: when volunteers are scarce, the alternating searches
	// from the free demands would cover most of the graph at every phase
	// (the demands that stay unserved and all they reach), those from the
	// free slots only the abundant region.
	inParallel(2, func(k int) { // two sorts of 100,000 points at once
		if k == 0 {
			rg.demandOrder()
		} else {
			rg.slotOrder()
		}
	})
	dOrd, dPos := rg.demandOrder()
	sOrd, sPos := rg.slotOrder()
	g := rg.partGraph(sPos, dPos, nS, nD, true, nil)
	var deadD, deadS []bool
	exact = exact && !rg.complete // a complete graph is the full view
	// Without pairs of the full view, the scarce part's graph is g
	// restricted: its hubs are folded from g on the other core while the
	// maximum matching runs on this one, and restricted in turn.
	var fold func() *hubView
	if !exact && !rg.p.opt.noHubs {
		ch := make(chan *hubView, 1)
		go func(g *bip) { ch <- rg.hubView(g, sOrd, dOrd, 1, rg.complete) }(g)
		fold = sync.OnceValue(func() *hubView { return <-ch })
		// Not left running when the scarce part is empty.
		defer fold()
	}
	mL, mR := maxMatching(g, rg.pfRatio(), &reverse{lists: rg.lists, rightOrd: dOrd, leftPos: sPos, slot0: rg.slot0})
	mateD, mateS := make([]int32, nD), make([]int32, nS)
	for x := range mateS {
		mateS[x] = -1
		if r := mL[sPos[x]]; r >= 0 {
			mateS[x] = dOrd[r]
		}
	}
	for d := range mateD {
		mateD[d] = -1
		if l := mR[dPos[d]]; l >= 0 {
			mateD[d] = sOrd[l]
		}
	}
	if exact {
		deadD, deadS = rg.augmentAll(mateD, mateS, true)
	} else {
		deadD, deadS = rg.alternatingReach(mateD, mateS)
	}
	// Abundant part: demands D' (alive) into slots S' (alive).
	var alive []int32
	for d := 0; d < nD; d++ {
		if !deadD[d] {
			alive = append(alive, int32(d))
		}
	}
	// Scarce part: slots Sr (dead) into demands Dr (dead).
	var order []int32
	for x := 0; x < nS; x++ {
		if deadS[x] {
			order = append(order, int32(x))
		}
	}
	// The scarce part's graph is the maximum matching's restricted
	// (same arcs in the same order) unless pairs of the full view are
	// added.
	var base *bip
	if !exact {
		base = g
	}
	g = nil
	// The parts share no node: solved at once (they read rg and mateD,
	// and write disjoint entries of mate).
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		rg.solvePart(alive, deadS, mateD, false, exact, mate, nil, nil)
	}()
	rg.solvePart(order, deadD, mateD, true, exact, mate, base, fold)
	wg.Wait()
	return mate
}

// alternatingReach returns the demands and slots reachable by alternating
// paths from the free demands of a maximum matching on the sparse view (the
// Dulmage-Mendelsohn sets Dr and Sr).
func (rg *roundGraph) alternatingReach(mateD, mateS []int32) (inD, inS []bool) {
	inD, inS = make([]bool, len(mateD)), make([]bool, len(mateS))
	var queue []int32
	for d := range mateD {
		if mateD[d] < 0 {
			inD[d] = true
			queue = append(queue, int32(d))
		}
	}
	for h := 0; h < len(queue); h++ {
		for _, c := range rg.arcs(int(queue[h])) {
			for x := rg.slot0[c.s]; x < rg.slot0[c.s+1]; x++ {
				if inS[x] {
					continue
				}
				inS[x] = true
				if m := mateS[x]; m >= 0 && !inD[m] {
					inD[m] = true
					queue = append(queue, m)
				}
			}
		}
	}
	return inD, inS
}

// augmentAll runs one augmenting-path search per free demand (oldest
// first) on the sparse or the full view, and returns the dead demands and
// slots: those of the searches that failed.
func (rg *roundGraph) augmentAll(mateD, mateS []int32, full bool) (deadD, deadS []bool) {
	nD, nS := len(mateD), len(mateS)
	deadD, deadS = make([]bool, nD), make([]bool, nS)
	seenD, seenS := make([]bool, nD), make([]bool, nS)
	from := make([]int32, nD) // demand that reached this demand's slot
	var queue, slots []int32
	for root := int32(0); int(root) < nD; root++ {
		if mateD[root] >= 0 || deadD[root] {
			continue
		}
		queue = append(queue[:0], root)
		slots = slots[:0]
		seenD[root] = true
		free, freeFrom := int32(-1), int32(-1)
		visit := func(u int32, sj int32) bool {
			for x := rg.slot0[sj]; x < rg.slot0[sj+1]; x++ {
				if seenS[x] || deadS[x] {
					continue
				}
				seenS[x] = true
				slots = append(slots, x)
				m := mateS[x]
				if m < 0 {
					free, freeFrom = x, u
					return true
				}
				if !seenD[m] && !deadD[m] {
					seenD[m] = true
					from[m] = u
					queue = append(queue, m)
				}
			}
			return false
		}
		for h := 0; h < len(queue) && free < 0; h++ {
			u := queue[h]
			if full {
				rg.forEachValid(int(u), func(sj int32) bool { return visit(u, sj) })
			} else {
				for _, c := range rg.arcs(int(u)) {
					if visit(u, c.s) {
						break
					}
				}
			}
		}
		if free >= 0 {
			// Augment: u takes the free slot, its old slot goes to the
			// demand that reached it, and so on back to the root.
			x, u := free, freeFrom
			for {
				old := mateD[u]
				mateD[u], mateS[x] = x, u
				if u == root {
					break
				}
				x, u = old, from[u]
			}
			for _, d := range queue {
				seenD[d] = false
			}
			for _, x := range slots {
				seenS[x] = false
			}
			continue
		}
		// Hungarian tree: dead for good.
		for _, d := range queue {
			deadD[d] = true
		}
		for _, x := range slots {
			deadS[x] = true
		}
	}
	return deadD, deadS
}

// solvePart solves one part at minimum cost and writes its matching into
// mate (demand -> slot). Abundant part (scarce false): left = the demands
// of order, right = the slots not in otherSide (dead slots). Scarce part:
// left = the slots of order, right = the demands in otherSide (dead
// demands). The pairs of the maximum matching mateD are always included so
// that every left node can be matched.
//
// base, if not nil, is the graph of every pair of the sparse view, slots
// on the left in spatial order (the maximum matching's): with no extra
// pairs, the part's graph is base restricted. fold, if not nil, gives
// base's hubs (nil: none folded): the scarce part's are those restricted,
// and its graph is then not built at all (saturate reads the hubs).
func (rg *roundGraph) solvePart(order []int32, otherSide []bool, mateD []int32, scarce, exact bool, mate []int32, base *bip, fold func() *hubView) {
	if len(order) == 0 {
		return
	}
	nD, nS := len(rg.ds), len(rg.slotSupply)
	// Renumber both sides.
	var nRight int
	var rightID []int32
	var leftID []int32
	if scarce {
		leftID = make([]int32, nS)
		rightID = make([]int32, nD)
	} else {
		leftID = make([]int32, nD)
		rightID = make([]int32, nS)
	}
	// Both sides are numbered in spatial order (plan_locality.go); proc
	// keeps the processing order of the left nodes.
	dOrd, _ := rg.demandOrder()
	sOrd, _ := rg.slotOrder()
	leftOrd, rightOrd := dOrd, sOrd
	if scarce {
		leftOrd, rightOrd = sOrd, dOrd
	}
	for i := range leftID {
		leftID[i] = -1
	}
	for _, l := range order {
		leftID[l] = 0
	}
	leftOld := make([]int32, 0, len(order))
	for _, l := range leftOrd {
		if leftID[l] >= 0 {
			leftID[l] = int32(len(leftOld))
			leftOld = append(leftOld, l)
		}
	}
	proc := make([]int32, len(order))
	for i, l := range order {
		proc[i] = leftID[l]
	}
	if scarce {
		// The slots' order decides nothing (ties go by the demands'
		// rank): they are processed in spatial order, so that one search
		// after another crosses the same region while its nodes are
		// still in cache. It settles a fifth more nodes on the national
		// round than the slots' input order, in a fifth less time.
		slices.Sort(proc)
	}
	var rightOld []int32
	for i := range rightID {
		rightID[i] = -1
	}
	for _, i := range rightOrd {
		if otherSide[i] == scarce { // scarce: the dead demands; abundant: the alive slots
			rightID[i] = int32(nRight)
			rightOld = append(rightOld, i)
			nRight++
		}
	}
	// Age rank of the right nodes (demands) in the scarce part: ds is
	// sorted oldest first, so the demand index is the rank.
	var rank []int32
	if scarce {
		rank = rightOld
	}
	var extra []edge
	// The maximum matching's pairs (only needed when it used pairs of the
	// full view).
	for d := 0; d < nD && exact; d++ {
		x := mateD[d]
		if x < 0 {
			continue
		}
		l, r := int32(d), x
		if scarce {
			l, r = x, int32(d)
		}
		if leftID[l] >= 0 && rightID[r] >= 0 {
			extra = append(extra, edge{leftID[l], rightID[r], rg.icOfSlot(d, x)})
		}
	}
	for {
		var g *bip
		var hv *hubView
		var full *hubView
		if fold != nil {
			full, fold = fold(), nil
		}
		switch {
		case base != nil && scarce && len(extra) == 0 && full != nil:
			hv = full.restrict(leftOld, rg.sPos, rg.dOrd, rightID, nRight)
			g = &bip{nL: len(leftOld), nR: nRight} // its arcs are hv's
			if checkHubs != nil {
				checkHubs(restrictGraph(base, leftOld, rg.sPos, rg.dOrd, rightID, nRight), hv)
			}
			base = nil
		case base != nil && scarce && len(extra) == 0:
			g = restrictGraph(base, leftOld, rg.sPos, rg.dOrd, rightID, nRight)
			base = nil
		default:
			g = rg.partGraph(leftID, rightID, len(order), nRight, scarce, extra)
		}
		if hv == nil && scarce && !rg.p.opt.noHubs {
			hv = rg.hubView(g, leftOld, rightOld, 2, rg.complete && len(extra) == 0)
		}
		m, piL, piR := saturate(g, proc, rank, hv)
		added := 0
		if exact {
			added = rg.price(order, leftID, rightID, scarce, piL, piR, &extra)
		}
		if added == 0 {
			for i, r := range m {
				if r < 0 {
					continue
				}
				if scarce {
					mate[rightOld[r]] = leftOld[i]
				} else {
					mate[leftOld[i]] = rightOld[r]
				}
			}
			return
		}
	}
}

func seq(n int) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = int32(i)
	}
	return s
}

// icOfSlot is the internal cost of demand d with slot x.
func (rg *roundGraph) icOfSlot(d int, x int32) int64 {
	sj := rg.slotSupply[x]
	for _, c := range rg.arcs(d) {
		if c.s == sj {
			return int64(c.ic)
		}
	}
	ic := int64(-1)
	rg.forEach(d, func(s int32, _, i int64, _ bool) {
		if s == sj {
			ic = i
		}
	})
	if ic < 0 {
		panic("proxies: matched pair not in the full view")
	}
	return ic
}

// partGraph builds a part's graph from the sparse view and extra pairs.
// The arcs of a left node come in the spatial order of the demands
// (plan_locality.go), then the extra pairs; the demands are counted and
// filled in two halves at once on large graphs, with the same result.
// In spatial order, the demands one after the other write to the rows of
// nearby slots, a few cache lines, where in age order each wrote all over
// the graph.
func (rg *roundGraph) partGraph(leftID, rightID []int32, nL, nR int, scarce bool, extra []edge) *bip {
	g := &bip{nL: nL, nR: nR, start: make([]int32, nL+1)}
	nD := len(rg.ds)
	rg.demandOrder() // partScan reads it on both cores
	cuts := []int{0, nD}
	if nD >= 4096 && rg.totalKept >= 1<<18 {
		cuts = []int{0, nD / 2, nD}
	}
	nW := len(cuts) - 1
	// Count: cnt[k][l] arcs of left node l from worker k's demands.
	cnt := make([][]int32, nW)
	for k := range cnt {
		cnt[k] = make([]int32, nL)
	}
	inParallel(nW, func(k int) { rg.partScan(cuts[k], cuts[k+1], leftID, rightID, scarce, cnt[k], nil, nil) })
	for _, e := range extra {
		cnt[nW-1][e.l]++
	}
	// Offsets: cnt[k][l] becomes where worker k writes l's next arc.
	for l := 0; l < nL; l++ {
		off := g.start[l]
		for k := range cnt {
			c := cnt[k][l]
			cnt[k][l] = off
			off += c
		}
		g.start[l+1] = off
	}
	g.to = hugeMake[int32](int(g.start[nL]), 0)
	g.cost = hugeMake[int32](int(g.start[nL]), 0)
	inParallel(nW, func(k int) { rg.partScan(cuts[k], cuts[k+1], leftID, rightID, scarce, cnt[k], g.to, g.cost) })
	next := cnt[nW-1]
	for _, e := range extra {
		g.to[next[e.l]], g.cost[next[e.l]] = e.r, int32(e.ic)
		next[e.l]++
	}
	return g
}

// partScan goes over the pairs of the demands of spatial ranks d0..d1-1 in
// a part: with to nil it counts them per left node in next, else it
// writes them at next.
func (rg *roundGraph) partScan(d0, d1 int, leftID, rightID []int32, scarce bool, next, to, cost []int32) {
	slot0 := rg.slot0
	for _, d := range rg.dOrd[d0:d1] {
		ld, rd := int32(-1), int32(-1)
		if scarce {
			if rd = rightID[d]; rd < 0 {
				continue
			}
		} else if ld = leftID[d]; ld < 0 {
			continue
		}
		for _, c := range rg.lists[d] {
			for x := slot0[c.s]; x < slot0[c.s+1]; x++ {
				l, r := ld, rd
				if scarce {
					l = leftID[x]
				} else {
					r = rightID[x]
				}
				if l < 0 || r < 0 {
					continue
				}
				if to == nil {
					next[l]++
					continue
				}
				k := next[l]
				to[k], cost[k] = r, c.ic
				next[l] = k + 1
			}
		}
	}
}

// inParallel runs fn(0..n-1) at once and waits.
func inParallel(n int, fn func(k int)) {
	var wg sync.WaitGroup
	for k := 1; k < n; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			fn(k)
		}(k)
	}
	fn(0)
	wg.Wait()
}

// price looks for pairs of the part left out of its graph with a negative
// reduced cost, adds them to extra and returns how many.
func (rg *roundGraph) price(order, leftID, rightID []int32, scarce bool, piL, piR []int64, extra *[]edge) int {
	added := 0
	// Reduced cost of a pair: ic + pi(left) - pi(right). Free right nodes
	// have potential 0 and matched ones <= 0, so maxPiR = 0.
	minPiL := int64(0)
	for _, v := range piL {
		minPiL = min(minPiL, v)
	}
	for d := range rg.ds {
		bound := rg.icK[d]
		if bound == math.MaxInt64 {
			continue // nothing left out
		}
		var piD int64
		if scarce {
			r := rightID[d]
			if r < 0 {
				continue
			}
			piD = piR[r]
			if bound+minPiL-piD >= 0 {
				continue
			}
		} else {
			l := leftID[d]
			if l < 0 {
				continue
			}
			piD = piL[l]
			if bound+piD >= 0 {
				continue
			}
		}
		rg.forEach(d, func(sj int32, _, ic int64, _ bool) {
			if ic < bound {
				return // in the sparse view
			}
			for x := rg.slot0[sj]; x < rg.slot0[sj+1]; x++ {
				if scarce {
					l := leftID[x]
					if l >= 0 && ic+piL[l]-piD < 0 {
						*extra = append(*extra, edge{l, rightID[d], ic})
						added++
					}
				} else {
					r := rightID[x]
					if r >= 0 && ic+piD-piR[r] < 0 {
						*extra = append(*extra, edge{leftID[d], r, ic})
						added++
					}
				}
			}
		})
	}
	return added
}

// byAge sorts demand indices oldest first.
func byAge(demands []Demand) func(a, b int32) int {
	return func(a, b int32) int {
		if c := cmp.Compare(demands[a].Seq, demands[b].Seq); c != 0 {
			return c
		}
		return cmp.Compare(demands[a].RequestID, demands[b].RequestID)
	}
}

// restrictGraph is base (slots on the left, numbered leftPos, demands on
// the right, numbered by their rank in rightOrd) restricted to the slots
// leftOld (new left node k = leftOld[k]) and the demands with a rightID.
// The arcs keep their order: the result is partGraph's.
func restrictGraph(base *bip, leftOld, leftPos, rightOrd, rightID []int32, nR int) *bip {
	nL := len(leftOld)
	g := &bip{nL: nL, nR: nR, start: make([]int32, nL+1)}
	// Two halves at once: a national scarce part keeps 8 million arcs.
	cut := []int{0, nL / 2, nL}
	inParallel(2, func(h int) {
		for k := cut[h]; k < cut[h+1]; k++ {
			row := leftPos[leftOld[k]]
			n := int32(0)
			for _, r := range base.to[base.start[row]:base.start[row+1]] {
				if rightID[rightOrd[r]] >= 0 {
					n++
				}
			}
			g.start[k+1] = n
		}
	})
	for k := 0; k < nL; k++ {
		g.start[k+1] += g.start[k]
	}
	g.to = hugeMake[int32](int(g.start[nL]), 0)
	g.cost = hugeMake[int32](int(g.start[nL]), 0)
	inParallel(2, func(h int) {
		for k := cut[h]; k < cut[h+1]; k++ {
			row := leftPos[leftOld[k]]
			lo := base.start[row]
			at := g.start[k]
			for a, r := range base.to[lo:base.start[row+1]] {
				if id := rightID[rightOrd[r]]; id >= 0 {
					g.to[at], g.cost[at] = id, base.cost[lo+int32(a)]
					at++
				}
			}
		}
	})
	return g
}
