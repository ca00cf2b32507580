package proxies

import (
	"math"
	"slices"
	"sync/atomic"

	"scrutin/logistics/places"
)

// roundGraph is the matching problem of one round: demands (left, oldest
// first) and supply slots (right: one per unit of capacity).
//
// It holds two views of the pairs. The sparse view keeps, for each demand,
// the K best pairs by internal cost (pseudo-random among equal costs), plus
// its current and preferred volunteers: the solver works on it. The full
// view enumerates every valid pair on the fly (nothing stored per pair): the
// solver uses it to make the number served exact and to check the optimal
// cost by pricing (see assign).
//
// Speed: supplies are grouped by site (identical coordinates: volunteers
// are located at their commune or bureau), sites bucketed in a grid of
// GlobalMaxKm cells; demands at one site share one scan of the nearby
// sites, with a cheap planar bound before places.DistanceKm, which
// measures every pair once per pair of sites.
type roundGraph struct {
	p      *planner
	ds, ss []int32 // demand and supply indices (into planner slices)

	// Sparse view: the pairs of demand i are lists[i] (slices of large
	// shared blocks).
	lists [][]arc
	// complete: the sparse view holds every valid pair.
	complete bool
	// icK[i] bounds the internal cost of demand i's pairs left out of the
	// sparse view: every such pair costs >= icK[i] (maxInt64: none left out).
	icK []int64
	// totalPairs counts the valid pairs (the full view), totalKept those
	// of the sparse view before the supply side.
	totalPairs, totalKept int64

	// Slots: supply j (index into ss) owns slots slot0[j]..slot0[j+1]-1.
	slot0      []int32
	slotSupply []int32 // slot -> index into ss

	// Full view.
	sites     []site
	siteOrder []int32      // indices into ss grouped by site
	group     []int32      // demand i -> its site group
	nearOf    [][]nearSite // nearby sites of group g (sparse graphs only)
	icOf      icFunc

	roundPlaces

	// Spatial numbering of demands and slots (see plan_locality.go).
	dOrd, dPos []int32
	sOrd, sPos []int32
}

type site struct {
	at    places.Point
	first int32 // supplies of the site: siteOrder[first:next site's first]
}

// sharedList is the list of pairs of the plain demands of one point,
// commune and bureau (see newRoundGraph).
type sharedList struct {
	comm, bur int32
	list      []arc
}

type supplyPick struct {
	cand
	d int32 // demand index
}

type nearSite struct {
	km   float64
	site int32
	oct  int8 // direction from the demand (see octant)
}

// arc is a pair of the sparse view: supply (index into ss) and internal
// cost.
type arc struct{ s, ic int32 }

// arcs are the pairs of demand d in the sparse view.
func (rg *roundGraph) arcs(d int) []arc { return rg.lists[d] }

// cand is a pair while the sparse view is built.
type cand struct {
	tie  uint64 // pseudo-random order among equal costs
	ic   int32  // internal cost (see solveRound)
	s    int32  // supply, index into roundGraph.ss
	cost int32  // the pair's Cost
	keep bool   // current offer or preferred volunteer: always kept
	oct  int8   // direction (see octant)
}

func pointCmp(pa, pb places.Point) int {
	switch {
	case pa.Lat < pb.Lat:
		return -1
	case pa.Lat > pb.Lat:
		return 1
	case pa.Lon < pb.Lon:
		return -1
	case pa.Lon > pb.Lon:
		return 1
	}
	return 0
}

// newRoundGraph builds the round's graph. K < 0 keeps every valid pair; if
// there are more than budget (budget > 0), it returns nil.
func (p *planner) newRoundGraph(ds, ss []int32, pl roundPlaces, K int, budget int64, icOf icFunc) *roundGraph {
	demands, supplies := p.demands, p.supplies
	R := p.opt.GlobalMaxKm
	rg := &roundGraph{p: p, ds: ds, ss: ss, icOf: icOf, roundPlaces: pl}

	rg.slot0 = make([]int32, len(ss)+1)
	for j, s := range ss {
		rg.slot0[j+1] = rg.slot0[j] + int32(supplies[s].capacity())
		for k := 0; k < supplies[s].capacity(); k++ {
			rg.slotSupply = append(rg.slotSupply, int32(j))
		}
	}

	// The sites of the supplies and the demands grouped by point: two
	// sorts of up to 100,000 points, at once.
	var sites *siteIndex
	byPoint := make([]int32, len(ds))
	inParallel(2, func(k int) {
		if k == 1 {
			for i := range byPoint {
				byPoint[i] = int32(i)
			}
			slices.SortStableFunc(byPoint, func(a, b int32) int { return pointCmp(demands[ds[a]].At, demands[ds[b]].At) })
			return
		}
		order := make([]int32, len(ss))
		for j := range order {
			order[j] = int32(j)
		}
		slices.SortFunc(order, func(a, b int32) int {
			if c := pointCmp(supplies[ss[a]].At, supplies[ss[b]].At); c != 0 {
				return c
			}
			return int(a - b)
		})
		sites = rg.indexSites(order)
	})
	rg.group = make([]int32, len(ds))
	rg.lists = make([][]arc, len(ds))
	rg.icK = make([]int64, len(ds))
	rg.complete = true
	// Internal cost of a pair with neither the current offer nor a
	// preferred volunteer (see solveRound): 2*(c+plainExtra)+1.
	plainExtra := p.opt.ChangeCost + p.opt.SameVolunteerBonus
	// Supply side: each supply also keeps its K2 best demands, so that a
	// volunteer is never cut off from the requests it could serve because
	// nearer volunteers fill their lists (a village next to a town).
	K2 := K / 2
	if K < 0 {
		K2 = 0
	}
	supTop := make([]supplyPick, len(ss)*K2)
	supN := make([]int8, len(ss))
	supWorst := make([]int8, len(ss))
	// The demand sites are independent: without the supply side (K2 0)
	// two workers build the two halves (plan_build.go), each numbering its
	// groups and pairs from 0, merged below.
	var total atomic.Int64
	build := func(wk *buildWorker, from, to int) bool {
		for i := from; i < to; {
			at := demands[ds[byPoint[i]]].At
			j := i
			for j < len(byPoint) && demands[ds[byPoint[j]]].At == at {
				j++
			}
			// Sites within R of this point whose volunteers may come (see
			// siteIndex.reach); pc: the commune of its demands (-3: several).
			pc := rg.dComm[byPoint[i]]
			for _, di := range byPoint[i:j] {
				if rg.dComm[di] != pc {
					pc = -3
					break
				}
			}
			g := int32(len(wk.nearOf))
			curNear := sites.near(at, pc, wk.curNear[:0])
			// Kept for the full view (forEach), which only sparse graphs
			// read: a graph of every pair is its own full view.
			var nearHere []nearSite
			if K >= 0 {
				nearHere = wk.near.take(len(curNear))
				copy(nearHere, curNear)
			}
			wk.curNear = curNear
			wk.nearOf = append(wk.nearOf, nearHere)
			shared := wk.shared[:0]
			for _, di := range byPoint[i:j] {
				rg.group[di] = g
				d := &demands[ds[di]]
				scratch := wk.scratch[:0]
				// The full view of d, inlined (the hot loop of the graph build):
				// see forEach.
				plain := d.Offered == 0 && !(d.BothRounds && p.opt.SameVolunteerBonus > 0)
				dc, db := rg.dComm[di], rg.dBur[di]
				// Every pair kept, a plain demand without declines has the
				// list of an earlier such demand of the same point, commune
				// and bureau: share it (the lists are read only).
				alike := K < 0 && plain && len(d.Declined) == 0
				if alike {
					if k := slices.IndexFunc(shared, func(x sharedList) bool { return x.comm == dc && x.bur == db }); k >= 0 {
						rg.lists[di] = shared[k].list
						rg.icK[di] = math.MaxInt64
						wk.kept += int64(len(shared[k].list))
						if t := total.Add(int64(len(shared[k].list))); budget > 0 && t > budget || t > math.MaxInt32 {
							return false
						}
						continue
					}
				}
				if K < 0 {
					// Every pair kept: straight to the list, no ranking.
					arcs := wk.arcs[:0]
					for _, nb := range curNear {
						for _, sj := range rg.siteOrder[rg.sites[nb.site].first:rg.sites[nb.site+1].first] {
							c, ok := score(dc == rg.sComm[sj], db == rg.sBur[sj], rg.sMaxKm[sj], nb.km, R)
							if !ok || len(d.Declined) > 0 && slices.Contains(d.Declined, rg.sVol[sj]) {
								continue
							}
							ic := 2*(c+plainExtra) + 1
							if !plain {
								ic, _ = icOf(d, &supplies[ss[sj]], c)
							}
							arcs = append(arcs, arc{sj, int32(ic)})
						}
					}
					wk.arcs = arcs
					if t := total.Add(int64(len(arcs))); budget > 0 && t > budget || t > math.MaxInt32 {
						return false
					}
					list := wk.pairs.take(len(arcs))
					copy(list, arcs)
					rg.icK[di] = math.MaxInt64
					wk.kept += int64(len(list))
					rg.lists[di] = list
					if alike {
						shared = append(shared, sharedList{dc, db, list})
					}
					continue
				}
				for _, nb := range curNear {
					for _, sj := range rg.siteOrder[rg.sites[nb.site].first:rg.sites[nb.site+1].first] {
						c, ok := score(dc == rg.sComm[sj], db == rg.sBur[sj], rg.sMaxKm[sj], nb.km, R)
						if !ok || len(d.Declined) > 0 && slices.Contains(d.Declined, rg.sVol[sj]) {
							continue
						}
						var ic int64
						keep := false
						if plain {
							ic = 2*(c+plainExtra) + 1
						} else {
							ic, keep = icOf(d, &supplies[ss[sj]], c)
						}
						x := cand{ic: int32(ic), tie: mix(d.RequestID, rg.sVol[sj]), s: sj, cost: int32(c), keep: keep, oct: nb.oct}
						scratch = append(scratch, x)
						if K2 == 0 {
							continue
						}
						top := supTop[int(sj)*K2 : int(sj+1)*K2]
						if n := int(supN[sj]); n < K2 {
							top[n] = supplyPick{x, di}
							supN[sj]++
							if n == 0 || candLess(top[supWorst[sj]].cand, x) {
								supWorst[sj] = int8(n)
							}
							continue
						}
						if !candLess(x, top[supWorst[sj]].cand) {
							continue
						}
						top[supWorst[sj]] = supplyPick{x, di}
						w := 0
						for k := 1; k < K2; k++ {
							if candLess(top[w].cand, top[k].cand) {
								w = k
							}
						}
						supWorst[sj] = int8(w)
					}
				}
				wk.scratch = scratch
				if t := total.Add(int64(len(scratch))); budget > 0 && t > budget || t > math.MaxInt32 {
					return false
				}
				kept, bound := selectBest(scratch, K)
				rg.icK[di] = bound
				if len(kept) < len(scratch) {
					wk.incomplete = true
				}
				if K >= 0 && len(kept) < len(scratch) {
					// Reach: the farthest left-out pair in each of 8 directions,
					// so that flow can cross a region in few hops (maximum
					// matchings on geographic graphs use long chains).
					var far [8]int32
					for k := range far {
						far[k] = -1
					}
					rest := scratch[len(kept):]
					for k, x := range rest {
						if f := far[x.oct]; f < 0 || rest[f].cost < x.cost || rest[f].cost == x.cost && rest[f].tie < x.tie {
							far[x.oct] = int32(k)
						}
					}
					idx := far[:0]
					for _, f := range far {
						if f >= 0 && !slices.Contains(idx, f) {
							idx = append(idx, f)
						}
					}
					slices.Sort(idx)
					for t, f := range idx {
						rest[t], rest[f] = rest[f], rest[t]
					}
					kept = scratch[:len(kept)+len(idx)]
				}
				list := wk.pairs.take(len(kept))
				for k, c := range kept {
					list[k] = arc{c.s, c.ic}
				}
				wk.kept += int64(len(kept))
				rg.lists[di] = list
				if alike {
					shared = append(shared, sharedList{dc, db, list})
				}
			}
			wk.shared = shared
			i = j
		}
		return true
	}
	if !rg.buildParallel(byPoint, K2 == 0, build) {
		return nil
	}
	rg.totalPairs = total.Load()
	if K2 == 0 {
		return rg
	}
	// Merge the supply side into the demands' lists (a compacting copy).
	type extra struct {
		d int32
		a arc
	}
	var extras []extra
	for sj := range ss {
		for _, pk := range supTop[sj*K2 : sj*K2+int(supN[sj])] {
			if !slices.ContainsFunc(rg.arcs(int(pk.d)), func(a arc) bool { return a.s == int32(sj) }) {
				extras = append(extras, extra{pk.d, arc{pk.s, pk.ic}})
			}
		}
	}
	slices.SortFunc(extras, func(a, b extra) int { return int(a.d - b.d) })
	pairs := make([]arc, 0, rg.totalKept+int64(len(extras)))
	for d, k := 0, 0; d < len(ds); d++ {
		lo := len(pairs)
		pairs = append(pairs, rg.arcs(d)...)
		for ; k < len(extras) && int(extras[k].d) == d; k++ {
			pairs = append(pairs, extras[k].a)
		}
		rg.lists[d] = pairs[lo:len(pairs):len(pairs)]
	}
	return rg
}

// siteIndex is where the supplies are: their sites (distinct points) in a
// grid, and how far each site's volunteers go.
type siteIndex struct {
	R    float64
	at   []places.Point
	grid *grid
	// The farthest own limit of a site's volunteers (R for none), and
	// their commune (-3: several). Beyond that, a site holds no valid pair
	// for a demand of another commune: skipped before measuring (with the
	// usual 10 km limit under the 20 km cap, three sites of four).
	reach []float64
	comm  []int32
}

// indexSites sets the round's sites from order (the supplies, indices
// into ss, sorted by point) and indexes them.
func (rg *roundGraph) indexSites(order []int32) *siteIndex {
	sup := rg.p.supplies
	R := rg.p.opt.GlobalMaxKm
	idx := &siteIndex{R: R}
	for i, j := range order {
		at := sup[rg.ss[j]].At
		if i == 0 || at != sup[rg.ss[order[i-1]]].At {
			rg.sites = append(rg.sites, site{at: at, first: int32(i)})
			idx.at = append(idx.at, at)
			idx.reach = append(idx.reach, 0)
			idx.comm = append(idx.comm, rg.sComm[j])
		}
		si := len(idx.at) - 1
		mk := rg.sMaxKm[j]
		if mk < 0 || mk > R {
			mk = R
		}
		idx.reach[si] = max(idx.reach[si], mk)
		if idx.comm[si] != rg.sComm[j] {
			idx.comm[si] = -3
		}
	}
	rg.sites = append(rg.sites, site{first: int32(len(order))}) // sentinel
	rg.siteOrder = order
	idx.grid = newGrid(idx.at, R)
	return idx
}

// near appends to out the sites within reach of a point whose demands are
// of commune pc (-3: several), with their distance and direction, after a
// cheap planar bound: places.DistanceKm measures each pair of sites once.
func (idx *siteIndex) near(at places.Point, pc int32, out []nearSite) []nearSite {
	R := idx.R
	r2 := (R*1.01 + 0.01) * (R*1.01 + 0.01)
	cosLat := math.Cos(at.Lat * math.Pi / 180)
	idx.grid.near(at, R, func(si int32) {
		reach, lim2 := idx.reach[si], r2
		if sc := idx.comm[si]; sc == pc || sc == -3 || pc == -3 {
			reach = R
		} else {
			lim2 = (reach*1.01 + 0.01) * (reach*1.01 + 0.01)
		}
		q := idx.at[si]
		dy := (q.Lat - at.Lat) * kmPerDegree
		dx := (q.Lon - at.Lon) * kmPerDegree * cosLat
		if dx*dx+dy*dy > lim2 {
			return
		}
		if km := places.DistanceKm(at, q); km <= reach {
			out = append(out, nearSite{km: km, site: si, oct: int8(octant(dy, dx))})
		}
	})
	return out
}

// roundPlaces holds a round's places as small integers: commune and bureau
// ids of demands and supplies (-1 for a demand without, -2 for a supply
// without, so that they never match).
type roundPlaces struct {
	dComm, dBur []int32
	sComm, sBur []int32
	sVol        []int64   // supply j's volunteer
	sMaxKm      []float64 // supply j's own limit
}

// places numbers the communes and bureaux of a round (demands ds and
// supplies ss): once per round, for the groups and the slots alike.
func (p *planner) places(ds, ss []int32) roundPlaces {
	var rg roundPlaces
	// Keyed by commune and bureau, no string built: a batch numbers
	// 200,000 of each.
	type place struct{ commune, bureau string }
	n := len(ds) + len(ss)
	comm := make(map[string]int32, n/4)
	bur := make(map[place]int32, n/2)
	id := func(c, b string, none int32) (int32, int32) {
		if c == "" {
			return none, none
		}
		vc, ok := comm[c]
		if !ok {
			vc = int32(len(comm))
			comm[c] = vc
		}
		if b == "" {
			return vc, none
		}
		vb, ok := bur[place{c, b}]
		if !ok {
			vb = int32(len(bur))
			bur[place{c, b}] = vb
		}
		return vc, vb
	}
	rg.dComm, rg.dBur = make([]int32, len(ds)), make([]int32, len(ds))
	for i, di := range ds {
		d := &p.demands[di]
		rg.dComm[i], rg.dBur[i] = id(d.Commune, d.Bureau, -1)
	}
	rg.sComm, rg.sBur = make([]int32, len(ss)), make([]int32, len(ss))
	rg.sVol, rg.sMaxKm = make([]int64, len(ss)), make([]float64, len(ss))
	for j, sj := range ss {
		s := &p.supplies[sj]
		rg.sVol[j], rg.sMaxKm[j] = s.VolunteerID, s.MaxKm
		rg.sComm[j], rg.sBur[j] = id(s.Commune, s.Bureau, -2)
	}
	return rg
}

// forEach calls fn for every valid pair of demand i (the full view): sj
// indexes ss, c is the pair's Cost, ic its internal cost.
func (rg *roundGraph) forEach(i int, fn func(sj int32, c, ic int64, keep bool)) {
	p := rg.p
	d := &p.demands[rg.ds[i]]
	R := p.opt.GlobalMaxKm
	g := rg.group[i]
	dc, db := rg.dComm[i], rg.dBur[i]
	for _, nb := range rg.nearOf[g] {
		for _, sj := range rg.siteOrder[rg.sites[nb.site].first:rg.sites[nb.site+1].first] {
			c, ok := score(dc == rg.sComm[sj], db == rg.sBur[sj], rg.sMaxKm[sj], nb.km, R)
			if !ok || len(d.Declined) > 0 && slices.Contains(d.Declined, rg.sVol[sj]) {
				continue
			}
			ic, keep := rg.icOf(d, &p.supplies[rg.ss[sj]], c)
			fn(sj, c, ic, keep)
		}
	}
}

// forEachValid calls fn for every valid pair of demand i, without costs,
// until fn returns true.
func (rg *roundGraph) forEachValid(i int, fn func(sj int32) bool) {
	p := rg.p
	d := &p.demands[rg.ds[i]]
	g := rg.group[i]
	dc := rg.dComm[i]
	for _, nb := range rg.nearOf[g] {
		for _, sj := range rg.siteOrder[rg.sites[nb.site].first:rg.sites[nb.site+1].first] {
			if dc != rg.sComm[sj] {
				if mk := rg.sMaxKm[sj]; mk >= 0 && nb.km > mk {
					continue
				}
			}
			if len(d.Declined) > 0 && slices.Contains(d.Declined, rg.sVol[sj]) {
				continue
			}
			if fn(sj) {
				return
			}
		}
	}
}

// octant numbers the 8 directions of a vector.
func octant(dy, dx float64) int {
	o := 0
	if dy < 0 {
		o |= 4
	}
	if dx < 0 {
		o |= 2
	}
	if math.Abs(dy) < math.Abs(dx) {
		o |= 1
	}
	return o
}

// selectBest reorders c so that its first elements are the k best by
// (ic, tie) plus every kept one, and returns them (unsorted) with a lower
// bound of the internal cost of the others (math.MaxInt64 when none is
// left out). k < 0: all.
func selectBest(c []cand, k int) ([]cand, int64) {
	if k < 0 || len(c) <= k {
		return c, math.MaxInt64
	}
	// Partition around the k-th best with quickselect on (ic, tie).
	lo, hi := 0, len(c)-1
	for lo < hi {
		p := c[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for candLess(c[i], p) {
				i++
			}
			for candLess(p, c[j]) {
				j--
			}
			if i <= j {
				c[i], c[j] = c[j], c[i]
				i++
				j--
			}
		}
		switch {
		case k-1 <= j:
			hi = j
		case k-1 >= i:
			lo = i
		default:
			lo = hi
		}
	}
	bound := int64(math.MaxInt64)
	n := k
	for i := k; i < len(c); i++ {
		if c[i].keep {
			c[n], c[i] = c[i], c[n]
			n++
		} else {
			bound = min(bound, int64(c[i].ic))
		}
	}
	return c[:n], bound
}

func candLess(a, b cand) bool { return a.ic < b.ic || a.ic == b.ic && a.tie < b.tie }
