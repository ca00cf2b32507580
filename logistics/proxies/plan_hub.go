package proxies

import (
	"math"
	"slices"
	"sync/atomic"

	"scrutin/logistics/places"
)

// hubView is the scarce part's graph (slots on the left, demands on the
// right) with the arcs to interchangeable demands folded: the plain
// demands of one point and commune (no offer, no preference, no decline a
// slot of this part could meet) cost the same from any slot of another
// commune, so such a slot has one arc to their hub, and the hub one arc to
// each of them. The searches then scan a slot's hubs instead of its
// demands (a third as many arcs on the national instance), and each hub's
// members once per search.
//
// The folding changes no distance: l -> hub -> r costs what l -> r does.
// A hub has no potential of its own; pi[h] bounds its members' from above
// (potentials only go down), which keeps its arc's reduced cost >= 0.
//
// Slots of one point, commune and travel limit have the same hub arcs:
// they share one list (list[l]), and a search scans a list again only
// from a slot nearer than the last one that scanned it (see
// searcher.scanList): the arcs relaxed again from a farther slot would
// improve nothing. On the national instance that skips a quarter of the
// hub arcs.
type hubView struct {
	nH      int32
	list    []int32  // the hub list of left l (-1: none)
	lstart  []int32  // arcs of list k: arcs[lstart[k]:lstart[k+1]]
	arcs    []hubArc // hub and cost side by side: a search reads both
	dstart  []int32  // direct arcs of left l
	dto     []int32
	dcost   []int32
	mstart  []int32 // members of hub h: members[mstart[h]:mstart[h+1]]
	members []int32
	hubOf   []int32 // right node -> hub (-1: direct)
	pi      []int64 // upper bound of the members' potentials
}

// hubArc is an arc from a slot to a hub.
type hubArc struct{ h, c int32 }

// hubArcs returns the hub arcs of left node l.
func (hv *hubView) hubArcs(l int32) []hubArc {
	k := hv.list[l]
	if k < 0 {
		return nil
	}
	return hv.arcs[hv.lstart[k]:hv.lstart[k+1]]
}

// newHubView folds g. hubOf gives the hub of each right node (-1: none).
// A slot's arcs fold into its hub's only when they reach every member of
// the hub at one cost: so on the graph of every pair, always; on a sparse
// graph, where a demand keeps only its best slots, only then (else the
// hub would give the slot pairs the graph does not have). On two
// workers, two passes (count, then fill) over two halves of the left
// nodes at once: a national round has 8 million arcs; on one (beside the
// maximum matching), one pass.
//
// whole says that g holds every valid pair: then a slot that reaches a
// member of a hub reaches them all at one cost, and nothing is counted.
func newHubView(g *bip, hubOf []int32, nH int, leftC, rightC []int32, workers int, whole bool) *hubView {
	hv := &hubView{nH: int32(nH), hubOf: hubOf,
		dstart: make([]int32, g.nL+1), pi: make([]int64, nH)}
	hstart := make([]int32, g.nL+1) // hub arcs of left l, before sharing (two workers)
	size := make([]int32, nH)
	for _, h := range hubOf {
		if h >= 0 {
			size[h]++
		}
	}
	cut := []int{0, g.nL}
	if workers > 1 {
		cut = []int{0, g.nL / 2, g.nL}
	}
	// scratch is one worker's per-hub state for the slot at hand (stamped
	// with it: no clearing between slots).
	type scratch struct {
		stamp, n, cost []int32
		mixed, told    []bool
		member         []int32 // the slot that last counted a right node (a graph may hold a pair twice)
	}
	newScratch := func() *scratch {
		sc := &scratch{stamp: make([]int32, nH), n: make([]int32, nH), cost: make([]int32, nH),
			mixed: make([]bool, nH), told: make([]bool, nH), member: make([]int32, g.nR)}
		for i := range sc.stamp {
			sc.stamp[i] = -1
		}
		for i := range sc.member {
			sc.member[i] = -1
		}
		return sc
	}
	foldable := func(l int, r int32) int32 {
		if h := hubOf[r]; h >= 0 && rightC[r] != leftC[l] {
			return h
		}
		return -1
	}
	// fold visits l's arcs: to the hubs it reaches whole (each once), and
	// to its other demands.
	fold := func(l int, sc *scratch, hub func(h int32, c int32), direct func(r, c int32)) {
		lo, hi := g.start[l], g.start[l+1]
		for a := lo; a < hi; a++ {
			r := g.to[a]
			if h := foldable(l, r); h >= 0 {
				if sc.stamp[h] != int32(l) {
					sc.stamp[h], sc.n[h], sc.cost[h], sc.mixed[h], sc.told[h] = int32(l), 0, g.cost[a], false, false
				}
				if sc.member[r] != int32(l) {
					sc.member[r] = int32(l)
					sc.n[h]++
				}
				sc.mixed[h] = sc.mixed[h] || g.cost[a] != sc.cost[h]
			}
		}
		for a := lo; a < hi; a++ {
			r := g.to[a]
			if h := foldable(l, r); h >= 0 && sc.n[h] == size[h] && !sc.mixed[h] {
				if !sc.told[h] {
					sc.told[h] = true
					hub(h, g.cost[a])
				}
				continue
			}
			direct(r, g.cost[a])
		}
	}
	if whole {
		fold = func(l int, sc *scratch, hub func(h int32, c int32), direct func(r, c int32)) {
			for a := g.start[l]; a < g.start[l+1]; a++ {
				r := g.to[a]
				if h := foldable(l, r); h >= 0 {
					if sc.stamp[h] != int32(l) {
						sc.stamp[h] = int32(l)
						hub(h, g.cost[a])
					}
					continue
				}
				direct(r, g.cost[a])
			}
		}
	}
	ls := newListSharer(g.nL)
	if len(cut) == 2 {
		// One worker (beside another task): one pass, each slot's hub
		// arcs kept only when no slot before had the same.
		sc := newScratch()
		// Sized for national rounds' third of arcs to hubs and
		// twenty-fifth left direct, shared lists taken back.
		ls.arcs = hugeMake[hubArc](0, len(g.to)/3)
		hv.dto, hv.dcost = make([]int32, 0, len(g.to)/16), make([]int32, 0, len(g.to)/16)
		for l := 0; l < g.nL; l++ {
			fold(l, sc, func(h, c int32) { ls.arcs = append(ls.arcs, hubArc{h, c}) },
				func(r, c int32) { hv.dto, hv.dcost = append(hv.dto, r), append(hv.dcost, c) })
			ls.close(l)
			hv.dstart[l+1] = int32(len(hv.dto))
		}
		hv.list, hv.lstart, hv.arcs = ls.list, ls.lstart, ls.arcs
	} else {
		inParallel(len(cut)-1, func(k int) {
			sc := newScratch()
			for l := cut[k]; l < cut[k+1]; l++ {
				fold(l, sc, func(int32, int32) { hstart[l+1]++ }, func(int32, int32) { hv.dstart[l+1]++ })
			}
		})
		for l := 0; l < g.nL; l++ {
			hstart[l+1] += hstart[l]
			hv.dstart[l+1] += hv.dstart[l]
		}
		harcs := hugeMake[hubArc](int(hstart[g.nL]), 0)
		hv.dto, hv.dcost = make([]int32, hv.dstart[g.nL]), make([]int32, hv.dstart[g.nL])
		inParallel(len(cut)-1, func(k int) {
			sc := newScratch()
			for l := cut[k]; l < cut[k+1]; l++ {
				hi, di := hstart[l], hv.dstart[l]
				fold(l, sc, func(h, c int32) { harcs[hi] = hubArc{h, c}; hi++ },
					func(r, c int32) { hv.dto[di], hv.dcost[di] = r, c; di++ })
			}
		})
		for l := 0; l < g.nL; l++ {
			ls.arcs = append(ls.arcs, harcs[hstart[l]:hstart[l+1]]...)
			ls.close(l)
		}
		hv.list, hv.lstart, hv.arcs = ls.list, ls.lstart, ls.arcs
	}
	hv.mstart = make([]int32, nH+1)
	for _, h := range hubOf {
		if h >= 0 {
			hv.mstart[h+1]++
		}
	}
	for h := 0; h < nH; h++ {
		hv.mstart[h+1] += hv.mstart[h]
	}
	hv.members = make([]int32, hv.mstart[nH])
	at := append([]int32(nil), hv.mstart[:nH]...)
	for r, h := range hubOf {
		if h >= 0 {
			hv.members[at[h]] = int32(r)
			at[h]++
		}
	}
	return hv
}

// listSharer makes the hub lists: each left node's hub arcs, appended to
// arcs, become a list of their own unless an earlier node's are the same
// (then they are taken back and the node has that list).
type listSharer struct {
	list   []int32 // of each left node (-1: none)
	lstart []int32
	arcs   []hubArc
	byHash map[uint64][]int32 // lists by hash of their arcs
}

func newListSharer(nL int) *listSharer {
	return &listSharer{list: make([]int32, nL), lstart: []int32{0}, byHash: map[uint64][]int32{}}
}

// close ends left node l's run: the arcs appended since the last list.
func (ls *listSharer) close(l int) {
	from := ls.lstart[len(ls.lstart)-1]
	run := ls.arcs[from:]
	if len(run) == 0 {
		ls.list[l] = -1
		return
	}
	x := uint64(len(run))
	for _, a := range run {
		x = mix(int64(x), int64(a.h)<<32|int64(a.c))
	}
	for _, k := range ls.byHash[x] {
		if slices.Equal(ls.arcs[ls.lstart[k]:ls.lstart[k+1]], run) {
			ls.list[l] = k
			ls.arcs = ls.arcs[:from]
			return
		}
	}
	id := int32(len(ls.lstart) - 1)
	ls.byHash[x] = append(ls.byHash[x], id)
	ls.list[l] = id
	ls.lstart = append(ls.lstart, int32(len(ls.arcs)))
}

// restrict turns hv, folded from a graph with slots on the left (slot x
// its row leftPos[x]) and demands on the right (row r the demand
// rightOrd[r]), into the view for the slots leftOld (left node k is
// leftOld[k], rows ascending) and the demands with a rightID (its right
// node): the hubs folding that graph restricted would give, but those of
// hv's slots that did not reach members outside the part. A hub keeps its
// number and its members in the part; a list keeps its hubs that have
// some, in order.
//
// In place: hv is consumed. Every array shrinks from the front (a row's
// arcs move to a lower index or stay), so the part, nearly the whole
// round on national instances, reuses the fold's memory instead of
// faulting in 20 MB more.
func (hv *hubView) restrict(leftOld, leftPos, rightOrd, rightID []int32, nR int) *hubView {
	nL := len(leftOld)
	hubOf := hv.hubOf[:nR]
	for r := range hubOf {
		hubOf[r] = -1
	}
	w, lo := int32(0), int32(0)
	for h := range hv.nH {
		hi := hv.mstart[h+1]
		for _, m := range hv.members[lo:hi] {
			if r := rightID[rightOrd[m]]; r >= 0 {
				hv.members[w] = r
				hubOf[r] = h
				w++
			}
		}
		hv.mstart[h+1], lo = w, hi
	}
	hv.members, hv.hubOf = hv.members[:w], hubOf
	// Lists: those of the part's slots, kept in the order of their arcs
	// (the order they were made in) so that none is overwritten before it
	// is read.
	nLists := len(hv.lstart) - 1
	newList := make([]int32, nLists)
	for k := range newList {
		newList[k] = -1
	}
	for _, x := range leftOld {
		if k := hv.list[leftPos[x]]; k >= 0 {
			newList[k] = 0
		}
	}
	w, lo = 0, 0
	n := int32(0)
	for k := range nLists {
		hi := hv.lstart[k+1]
		if newList[k] < 0 {
			lo = hi
			continue
		}
		from := w
		for _, a := range hv.arcs[lo:hi] {
			if hv.mstart[a.h] < hv.mstart[a.h+1] {
				hv.arcs[w] = a
				w++
			}
		}
		lo = hi
		if w == from {
			newList[k] = -1
			continue
		}
		newList[k] = n
		n++
		hv.lstart[n] = w
	}
	hv.arcs, hv.lstart = hv.arcs[:w], hv.lstart[:n+1]
	// Direct arcs and lists of the part's slots, rows ascending.
	dstart := make([]int32, nL+1)
	w = 0
	for k, x := range leftOld {
		row := leftPos[x]
		for a := hv.dstart[row]; a < hv.dstart[row+1]; a++ {
			if r := rightID[rightOrd[hv.dto[a]]]; r >= 0 {
				hv.dto[w], hv.dcost[w] = r, hv.dcost[a]
				w++
			}
		}
		dstart[k+1] = w
		old := hv.list[row] // k <= row: read before written
		hv.list[k] = -1
		if old >= 0 {
			hv.list[k] = newList[old]
		}
	}
	hv.dto, hv.dcost, hv.dstart, hv.list = hv.dto[:w], hv.dcost[:w], dstart, hv.list[:nL]
	return hv
}

// cheapest returns the smallest cost of l's arcs and, among the free
// right nodes it reaches at that cost, the best ranked (-1: none; rank
// nil: the first); ok is false when l has no arc.
func (hv *hubView) cheapest(l int32, mateR, rank []int32) (m int64, best int32, ok bool) {
	m = math.MaxInt64
	dto, dcost := hv.dto[hv.dstart[l]:hv.dstart[l+1]], hv.dcost[hv.dstart[l]:hv.dstart[l+1]]
	arcs := hv.hubArcs(l)
	for _, c := range dcost {
		m = min(m, int64(c))
	}
	for _, a := range arcs {
		m = min(m, int64(a.c))
	}
	if m == math.MaxInt64 {
		return 0, -1, false
	}
	best = -1
	take := func(r int32) {
		if mateR[r] < 0 && (best < 0 || rank != nil && rank[r] < rank[best]) {
			best = r
		}
	}
	for i, r := range dto {
		if int64(dcost[i]) == m {
			take(r)
		}
	}
	for _, a := range arcs {
		if int64(a.c) == m {
			for _, r := range hv.members[hv.mstart[a.h]:hv.mstart[a.h+1]] {
				take(r)
			}
		}
	}
	return m, best, true
}

// best2 sets b to l's two best arcs by cost - piR, unfolded, ties to the
// smaller right node: what best2.add gives over the graph hv folds, whose
// rows list their right nodes in order.
func (hv *hubView) best2(l int32, piR []int64, b *best2) {
	b.reset()
	lo := hv.dstart[l]
	for i, r := range hv.dto[lo:hv.dstart[l+1]] {
		c := int64(hv.dcost[lo+int32(i)])
		b.addByNode(r, c, c-piR[r])
	}
	for _, a := range hv.hubArcs(l) {
		c := int64(a.c)
		for _, r := range hv.members[hv.mstart[a.h]:hv.mstart[a.h+1]] {
			b.addByNode(r, c, c-piR[r])
		}
	}
}

// refresh lowers pi[h] to its members' largest potential.
func (hv *hubView) refresh(h int32, piR []int64) {
	m := int64(-1) << 62
	for _, r := range hv.members[hv.mstart[h]:hv.mstart[h+1]] {
		m = max(m, piR[r])
	}
	hv.pi[h] = m
}

// foldedArcs counts the arcs folded into hubs, and checkHubs, when set,
// sees each graph and its folding (tests).
var (
	foldedArcs atomic.Int64
	checkHubs  func(g *bip, hv *hubView)
)

// hubView folds g (left: slots leftOld, right: demands rightOld) on
// workers cores (1 or 2): the scarce part's graph, or the graph of every
// pair, whose hubs the scarce part's are then restricted from (see
// restrict).
func (rg *roundGraph) hubView(g *bip, leftOld, rightOld []int32, workers int, whole bool) *hubView {
	type key struct {
		at places.Point
		c  int32
	}
	hubs := map[key]int32{}
	hubOf := make([]int32, len(rightOld))
	rightC := make([]int32, len(rightOld))
	for r, d := range rightOld {
		rightC[r] = rg.dComm[d]
		hubOf[r] = -1
		if dm := &rg.p.demands[rg.ds[d]]; rg.hubPlain(dm) {
			k := key{dm.At, rg.dComm[d]}
			h, ok := hubs[k]
			if !ok {
				h = int32(len(hubs))
				hubs[k] = h
			}
			hubOf[r] = h
		}
	}
	leftC := make([]int32, len(leftOld))
	for l, x := range leftOld {
		leftC[l] = rg.sComm[rg.slotSupply[x]]
	}
	hv := newHubView(g, hubOf, len(hubs), leftC, rightC, workers, whole)
	if len(hv.arcs) == 0 {
		return nil // nothing folded
	}
	foldedArcs.Add(int64(len(g.to) - len(hv.dto)))
	if checkHubs != nil {
		checkHubs(g, hv)
	}
	return hv
}

// hubPlain reports whether every slot of another commune in reach of dm
// sees it as any other demand of its point: no offer, no preference, and
// no declined volunteer within reach.
func (rg *roundGraph) hubPlain(dm *Demand) bool {
	p := rg.p
	if dm.Offered != 0 || dm.BothRounds && p.opt.SameVolunteerBonus > 0 {
		return false
	}
	for _, v := range dm.Declined {
		if si, ok := p.supplyAt[skey{v, dm.Round}]; ok && places.DistanceKm(dm.At, p.supplies[si].At) <= p.opt.GlobalMaxKm {
			return false
		}
	}
	return true
}
