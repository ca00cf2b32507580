package proxies

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"scrutin/logistics/places"
)

// icFunc is a pair's internal cost (see solveRound) and whether the pair
// must be kept (current offer or preferred volunteer).
type icFunc func(d *Demand, s *Supply, c int64) (int64, bool)

// groupRound solves a round of the complete graph on its groups (see the
// top of plan_group.go). The groups' graph is built from the groups: a
// demand group meets each supply group of the sites near its point once,
// and the pairs of people are counted, never listed (listing them took
// longer than the grouped solve's searches on the batch load). Demands and
// supplies whose pairs differ from the plain formula (pending offers,
// preferences, declines) are groups of one, their pairs scored one by one.
//
// It returns the supply (index into ss) serving each demand (index into
// ds, -1: unserved). nil: the round goes to the slot solver, with
// overBudget when it has more than budget valid pairs (budget > 0).
func (p *planner) groupRound(ds, ss []int32, pl roundPlaces, budget int64, icOf icFunc) (supplyOf []int32, overBudget bool) {
	rg := &roundGraph{p: p, ds: ds, ss: ss, roundPlaces: pl}
	// People spread evenly over the groups make about as many group pairs,
	// in proportion to the pairs, as the product of the groups' shares of
	// the people: give up before building them when that is already too
	// many (5.3M arcs for 8.4M pairs, 0.9 s, on the national benchmark),
	// and before forming the groups when counting at least that many
	// groups, a tenth of the time, does.
	tooMany := func(nDG, nSG int) bool { return 100*nDG*nSG > groupGain*len(ds)*len(ss) && !p.opt.groups }
	if tooMany(rg.fewestGroups()) {
		return nil, false
	}
	gr := newGroupRound(rg, icOf)
	if tooMany(len(gr.dStart)-1, len(gr.sCap)) {
		return nil, false
	}
	gb, pairs, ok := gr.graph(budget)
	if !ok {
		return nil, true
	}
	if int64(len(gb.to)) > pairs*groupGain/100 && !p.opt.groups {
		return nil, false // people spread out: the slot solver is as fast
	}
	deadL, deadR := gb.deadGroups()
	if p.opt.Saturated != nil {
		if vs := gr.saturated(deadR); len(vs) > 0 {
			p.opt.Saturated(p.demands[ds[0]].Round, vs)
		}
	}
	var settled func(fl []int64)
	if p.opt.Settled != nil {
		// The abundant part's demand groups: their flow is final when
		// that part is solved, while the scarce part still is.
		settled = func(fl []int64) {
			if as := p.assignments(ds, ss, gr.split(gb, fl, func(g int) bool { return !deadL[g] }), nil); len(as) > 0 {
				p.opt.Settled(as)
			}
		}
	}
	fl := gb.solve(deadL, deadR, rg.spatialBandDeg(), settled)
	return gr.split(gb, fl, nil), false
}

// fewestGroups counts groups the round has at least: the demands' and
// the supplies' keys (point, commune, bureau; and own limit for a supply),
// each demand with a decline, an offer or a preference apart. The groups
// (newGroupRound) split these further: a supply declined, holding an
// offer or preferred is a group of its own.
func (rg *roundGraph) fewestGroups() (nDG, nSG int) {
	type key struct {
		at        places.Point
		comm, bur int32
		maxKm     float64
	}
	p := rg.p
	inParallel(2, func(k int) {
		if k == 0 {
			seen := make(map[key]struct{}, len(rg.ds))
			for d, di := range rg.ds {
				dm := &p.demands[di]
				if len(dm.Declined) > 0 || dm.Offered != 0 || dm.BothRounds && p.opt.SameVolunteerBonus > 0 {
					nDG++
					continue
				}
				seen[key{dm.At, rg.dComm[d], rg.dBur[d], 0}] = struct{}{}
			}
			nDG += len(seen)
			return
		}
		seen := make(map[key]struct{}, len(rg.ss))
		for j, sj := range rg.ss {
			seen[key{p.supplies[sj].At, rg.sComm[j], rg.sBur[j], rg.sMaxKm[j]}] = struct{}{}
		}
		nSG = len(seen)
	})
	return nDG, nSG
}

// saturated lists the volunteers of the supply groups of the scarce part
// (deadR), once per place, but those holding an offer (Options.Saturated).
func (gr *groupRoundState) saturated(deadR []bool) []int64 {
	p, ss := gr.rg.p, gr.rg.ss
	var out []int64
	for g, dead := range deadR {
		if !dead {
			continue
		}
		for _, j := range gr.sMembers[gr.sStart[g]:gr.sStart[g+1]] {
			if s := &p.supplies[ss[j]]; s.Offered == 0 {
				for range s.capacity() {
					out = append(out, s.VolunteerID)
				}
			}
		}
	}
	return out
}

// groupRoundState holds the groups of a round while its graph is built.
type groupRoundState struct {
	rg         *roundGraph
	icOf       icFunc
	R          float64
	plainExtra int64

	// Sites: the distinct points of the supplies. Site si holds the
	// supply groups siteGroups[siteFirst[si]:siteFirst[si+1]].
	sites      *siteIndex
	siteFirst  []int32
	siteGroups []int32

	// Supply groups: members (indices into ss, ascending) of group g are
	// sMembers[sStart[g]:sStart[g+1]]; sCap is their slots.
	sStart, sMembers []int32
	sCap             []int64
	sAt              []places.Point
	special          []bool // supply j is a group of its own

	// Demand groups, numbered oldest first: members (indices into ds,
	// oldest first) of group g are dMembers[dStart[g]:dStart[g+1]].
	dStart, dMembers []int32
	plainD           []bool
}

func newGroupRound(rg *roundGraph, icOf icFunc) *groupRoundState {
	p := rg.p
	gr := &groupRoundState{rg: rg, icOf: icOf, R: p.opt.GlobalMaxKm, plainExtra: p.opt.ChangeCost + p.opt.SameVolunteerBonus}
	gr.markPlain()
	// The demands' groups need only which demands are plain: formed on
	// the other core while the supplies' are.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		gr.demandGroups()
	}()
	gr.indexSites()
	gr.markSpecial()
	gr.supplyGroups()
	wg.Wait()
	return gr
}

// markPlain finds the plain demands: no offer, no declined volunteer, no
// preference (see plan_group.go).
func (gr *groupRoundState) markPlain() {
	p := gr.rg.p
	gr.plainD = make([]bool, len(gr.rg.ds))
	for d, di := range gr.rg.ds {
		dm := &p.demands[di]
		gr.plainD[d] = len(dm.Declined) == 0 && dm.Offered == 0 && !gr.bonus(dm)
	}
}

// bonus reports whether the demand may have preferred volunteers.
func (gr *groupRoundState) bonus(dm *Demand) bool {
	return dm.BothRounds && gr.rg.p.opt.SameVolunteerBonus > 0
}

// indexSites sorts the supplies by point, commune, bureau and own limit (the
// key of a supply group) and indexes their sites.
func (gr *groupRoundState) indexSites() {
	rg := gr.rg
	sup := rg.p.supplies
	order := make([]int32, len(rg.ss))
	for j := range order {
		order[j] = int32(j)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := pointCmp(sup[rg.ss[a]].At, sup[rg.ss[b]].At); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(rg.sComm[a], rg.sComm[b]), cmp.Compare(rg.sBur[a], rg.sBur[b]),
			cmp.Compare(rg.sMaxKm[a], rg.sMaxKm[b]), cmp.Compare(a, b))
	})
	gr.sites = rg.indexSites(order)
}

// markSpecial finds the supplies that must be groups of their own: those
// holding an offer, declined by a demand, or whose pair with a demand
// holding an offer or a preference costs other than the plain formula.
func (gr *groupRoundState) markSpecial() {
	rg := gr.rg
	p := rg.p
	nS := len(rg.ss)
	gr.special = make([]bool, nS)
	for j, sj := range rg.ss {
		gr.special[j] = p.supplies[sj].Offered != 0
	}
	var volAt map[int64]int32
	var near []nearSite
	for d, di := range rg.ds {
		dm := &p.demands[di]
		if len(dm.Declined) > 0 {
			if volAt == nil {
				volAt = make(map[int64]int32, nS)
				for j := range rg.ss {
					volAt[rg.sVol[j]] = int32(j)
				}
			}
			for _, v := range dm.Declined {
				if j, ok := volAt[v]; ok {
					gr.special[j] = true
				}
			}
		}
		if dm.Offered == 0 && !gr.bonus(dm) {
			continue
		}
		near = gr.sites.near(dm.At, rg.dComm[d], near[:0])
		for _, nb := range near {
			for _, j := range rg.siteOrder[rg.sites[nb.site].first:rg.sites[nb.site+1].first] {
				c, ok := score(rg.dComm[d] == rg.sComm[j], rg.dBur[d] == rg.sBur[j], rg.sMaxKm[j], nb.km, gr.R)
				if !ok {
					continue
				}
				if ic, _ := gr.icOf(dm, &p.supplies[rg.ss[j]], c); ic != 2*(c+gr.plainExtra)+1 {
					gr.special[j] = true
				}
			}
		}
	}
}

// supplyGroups forms the supply groups: at each site, the ordinary
// supplies of one commune, bureau and own limit; every special supply
// alone. They are numbered in the order of their first supply.
func (gr *groupRoundState) supplyGroups() {
	rg := gr.rg
	caps := func(j int32) int64 { return int64(rg.p.supplies[rg.ss[j]].capacity()) }
	// Groups in site order first: the members of each are consecutive
	// in members, the group of member k is of[k].
	nSites := len(gr.sites.at)
	var first []int32 // first (smallest) member of each group
	of := make([]int32, len(rg.siteOrder))
	siteOf := []int32{}
	for si := 0; si < nSites; si++ {
		lo, hi := rg.sites[si].first, rg.sites[si+1].first
		plain := int32(-1) // the site's current ordinary group
		for k := lo; k < hi; k++ {
			j := rg.siteOrder[k]
			if !gr.special[j] {
				if plain >= 0 {
					pj := first[plain]
					if rg.sComm[pj] == rg.sComm[j] && rg.sBur[pj] == rg.sBur[j] && rg.sMaxKm[pj] == rg.sMaxKm[j] {
						of[k] = plain
						first[plain] = min(first[plain], j)
						continue
					}
				}
				plain = int32(len(first))
			}
			of[k] = int32(len(first))
			first = append(first, j)
			siteOf = append(siteOf, int32(si))
		}
	}
	// Renumber by first supply.
	nG := len(first)
	byFirst, id := byFirstMember(first)
	gr.sStart = make([]int32, nG+1)
	gr.sCap = make([]int64, nG)
	gr.sAt = make([]places.Point, nG)
	for k, j := range rg.siteOrder {
		g := id[of[k]]
		gr.sStart[g+1]++
		gr.sCap[g] += caps(j)
	}
	for g := 0; g < nG; g++ {
		gr.sStart[g+1] += gr.sStart[g]
	}
	gr.sMembers = make([]int32, len(rg.siteOrder))
	next := slices.Clone(gr.sStart[:nG])
	for k, j := range rg.siteOrder {
		g := id[of[k]]
		gr.sMembers[next[g]] = j
		next[g]++
	}
	for g := 0; g < nG; g++ {
		slices.Sort(gr.sMembers[gr.sStart[g]:gr.sStart[g+1]])
		gr.sAt[g] = gr.sites.at[siteOf[byFirst[g]]]
	}
	// Each site's groups, in the new numbering.
	gr.siteFirst = make([]int32, nSites+1)
	for g := 0; g < nG; g++ {
		gr.siteFirst[siteOf[byFirst[g]]+1]++
	}
	for si := 0; si < nSites; si++ {
		gr.siteFirst[si+1] += gr.siteFirst[si]
	}
	gr.siteGroups = make([]int32, nG)
	fill := slices.Clone(gr.siteFirst[:nSites])
	for g := 0; g < nG; g++ {
		si := siteOf[byFirst[g]]
		gr.siteGroups[fill[si]] = int32(g)
		fill[si]++
	}
}

// demandGroups forms the demand groups: the plain demands of one point,
// commune and bureau; every other demand alone. rg.ds is oldest first, and
// so are the groups (by their oldest member) and their members.
func (gr *groupRoundState) demandGroups() {
	rg := gr.rg
	dem := rg.p.demands
	nD := len(rg.ds)
	order := make([]int32, nD)
	for d := range order {
		order[d] = int32(d)
	}
	alone := func(d int32) int32 {
		if gr.plainD[d] {
			return -1
		}
		return d
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := pointCmp(dem[rg.ds[a]].At, dem[rg.ds[b]].At); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(rg.dComm[a], rg.dComm[b]), cmp.Compare(rg.dBur[a], rg.dBur[b]),
			cmp.Compare(alone(a), alone(b)), cmp.Compare(a, b))
	})
	// A run of one key is a group; its oldest member is its first.
	group := make([]int32, nD) // provisional group of each demand
	var first []int32
	for k, d := range order {
		if k > 0 {
			e := order[k-1]
			if gr.plainD[d] && gr.plainD[e] && dem[rg.ds[d]].At == dem[rg.ds[e]].At &&
				rg.dComm[d] == rg.dComm[e] && rg.dBur[d] == rg.dBur[e] {
				group[d] = group[e]
				continue
			}
		}
		group[d] = int32(len(first))
		first = append(first, d)
	}
	nG := len(first)
	_, id := byFirstMember(first) // provisional -> final (by oldest member)
	gr.dStart = make([]int32, nG+1)
	for d := 0; d < nD; d++ {
		gr.dStart[id[group[d]]+1]++
	}
	for g := 0; g < nG; g++ {
		gr.dStart[g+1] += gr.dStart[g]
	}
	gr.dMembers = make([]int32, nD)
	fill := slices.Clone(gr.dStart[:nG])
	for d := 0; d < nD; d++ { // ascending: members oldest first
		g := id[group[d]]
		gr.dMembers[fill[g]] = int32(d)
		fill[g]++
	}
}

// byFirstMember numbers groups by their first member: byFirst lists the
// groups in that order, id[g] is group g's place in it.
func byFirstMember(first []int32) (byFirst, id []int32) {
	byFirst = make([]int32, len(first))
	for g := range byFirst {
		byFirst[g] = int32(g)
	}
	slices.SortFunc(byFirst, func(a, b int32) int { return cmp.Compare(first[a], first[b]) })
	id = make([]int32, len(first))
	for k, g := range byFirst {
		id[g] = int32(k)
	}
	return byFirst, id
}

// groupArc is an arc of the groups' graph while it is built.
type groupArc struct{ sg, ic int32 }

// graph builds the groups' transportation problem and counts the valid
// pairs of people it stands for; ok is false beyond budget (budget > 0).
// The demand points are independent: two workers take half of them each.
func (gr *groupRoundState) graph(budget int64) (gb *groupBip, pairs int64, ok bool) {
	rg := gr.rg
	dem := rg.p.demands
	nDG := len(gr.dStart) - 1
	// The demand groups by point (their oldest member's).
	byPoint := make([]int32, nDG)
	for g := range byPoint {
		byPoint[g] = int32(g)
	}
	at := func(g int32) places.Point { return dem[rg.ds[gr.dMembers[gr.dStart[g]]]].At }
	slices.SortFunc(byPoint, func(a, b int32) int { return cmp.Or(pointCmp(at(a), at(b)), cmp.Compare(a, b)) })
	arcsOf := make([][]groupArc, nDG)
	var total atomic.Int64
	work := func(from, to int) bool {
		var (
			slab slab[groupArc]
			near []nearSite
			cur  []groupArc
		)
		for i := from; i < to; {
			p := at(byPoint[i])
			j := i
			pc := rg.dComm[gr.dMembers[gr.dStart[byPoint[i]]]]
			for ; j < to && at(byPoint[j]) == p; j++ {
				if rg.dComm[gr.dMembers[gr.dStart[byPoint[j]]]] != pc {
					pc = -3
				}
			}
			near = gr.sites.near(p, pc, near[:0])
			for _, g := range byPoint[i:j] {
				var n int64
				cur, n = gr.arcs(g, near, cur[:0])
				list := slab.take(len(cur))
				copy(list, cur)
				arcsOf[g] = list
				if t := total.Add(n); budget > 0 && t > budget || t > math.MaxInt32 {
					return false
				}
			}
			i = j
		}
		return true
	}
	// Cut at a change of point.
	n := len(byPoint)
	m := n
	if n >= 4096 && !buildSequential {
		for m = n / 2; m < n && at(byPoint[m]) == at(byPoint[m-1]); m++ {
		}
	}
	var wg sync.WaitGroup
	okA := true
	if m < n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			okA = work(m, n)
		}()
	}
	okB := work(0, m)
	wg.Wait()
	if !okA || !okB {
		return nil, 0, false
	}
	gb = &groupBip{nL: nDG, nR: len(gr.sCap), start: make([]int32, nDG+1), size: make([]int64, nDG), capR: gr.sCap,
		atL: make([]places.Point, nDG), atR: gr.sAt}
	for g := 0; g < nDG; g++ {
		gb.start[g+1] = gb.start[g] + int32(len(arcsOf[g]))
		gb.size[g] = int64(gr.dStart[g+1] - gr.dStart[g])
		gb.atL[g] = at(int32(g))
	}
	gb.to, gb.cost = make([]int32, gb.start[nDG]), make([]int64, gb.start[nDG])
	for g, list := range arcsOf {
		k := gb.start[g]
		for _, a := range list {
			gb.to[k], gb.cost[k] = a.sg, int64(a.ic)
			k++
		}
	}
	return gb, total.Load(), true
}

// arcs appends to out the arcs of demand group g, whose point has the
// near sites near, and returns them with the number of valid pairs of
// people they stand for.
func (gr *groupRoundState) arcs(g int32, near []nearSite, out []groupArc) ([]groupArc, int64) {
	rg := gr.rg
	p := rg.p
	members := gr.dMembers[gr.dStart[g]:gr.dStart[g+1]]
	d := members[0]
	dm := &p.demands[rg.ds[d]]
	dc, db := rg.dComm[d], rg.dBur[d]
	size := int64(len(members))
	var pairs int64
	for _, nb := range near {
		for _, sg := range gr.siteGroups[gr.siteFirst[nb.site]:gr.siteFirst[nb.site+1]] {
			j := gr.sMembers[gr.sStart[sg]] // the group's key is its members'
			c, ok := score(dc == rg.sComm[j], db == rg.sBur[j], rg.sMaxKm[j], nb.km, gr.R)
			if !ok {
				continue
			}
			ic := 2*(c+gr.plainExtra) + 1
			if gr.special[j] && !gr.plainD[d] {
				// A group of one with a demand of one: the pair's own cost.
				if len(dm.Declined) > 0 && slices.Contains(dm.Declined, rg.sVol[j]) {
					continue
				}
				ic, _ = gr.icOf(dm, &p.supplies[rg.ss[j]], c)
			}
			out = append(out, groupArc{sg, int32(ic)})
			pairs += size * int64(gr.sStart[sg+1]-gr.sStart[sg])
		}
	}
	return out, pairs
}

// split hands out the flow: each demand group's, oldest members first,
// over the places of its supply groups (their members in supply order).
// With only, the demand groups it keeps (no supply group of theirs
// serving another): the same supplies as in the split of all.
func (gr *groupRoundState) split(gb *groupBip, fl []int64, only func(g int) bool) []int32 {
	rg := gr.rg
	supplyOf := make([]int32, len(rg.ds))
	for i := range supplyOf {
		supplyOf[i] = -1
	}
	nSG := len(gr.sCap)
	member := slices.Clone(gr.sStart[:nSG]) // next member with a place
	used := make([]int, nSG)                // places of it given
	for g := 0; g < gb.nL; g++ {
		if only != nil && !only(g) {
			continue
		}
		next := gr.dStart[g]
		for k := gb.start[g]; k < gb.start[g+1]; k++ {
			sg := gb.to[k]
			for f := fl[k]; f > 0; f-- {
				j := gr.sMembers[member[sg]]
				supplyOf[gr.dMembers[next]] = j
				next++
				if used[sg]++; used[sg] == rg.p.supplies[rg.ss[j]].capacity() {
					member[sg]++
					used[sg] = 0
				}
			}
		}
	}
	return supplyOf
}
