package proxies

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"sync"
	"testing"

	"scrutin/logistics/flow"
	"scrutin/logistics/places"
)

// crowdedInstance draws people on a few sites, communes and bureaux, so
// that many are interchangeable (groups of several), with some declines,
// pending offers, capacities above 1 and, with bothRounds, partners.
func crowdedInstance(r *rand.Rand, nd, ns, rounds int, spreadKm float64, bothRounds bool) ([]Demand, []Supply) {
	communes := []string{"04070", "04001", "04019"}
	nSites := 1 + r.Intn(4)
	type siteT struct {
		c, b string
		p    places.Point
	}
	sites := make([]siteT, nSites)
	for i := range sites {
		sites[i] = siteT{communes[r.Intn(len(communes))], fmt.Sprint(1 + r.Intn(2)), at(r.Float64()*spreadKm, r.Float64()*spreadKm)}
		if r.Intn(4) == 0 {
			sites[i].b = ""
		}
	}
	var ds []Demand
	for i := 0; i < nd; i++ {
		st := sites[r.Intn(nSites)]
		both := bothRounds && rounds > 1 && r.Intn(2) == 0
		for round := 1; round <= rounds; round++ {
			if !both && rounds > 1 && round != 1+i%rounds {
				continue
			}
			d := Demand{RequestID: int64(100 + i), Round: round, Commune: st.c, Bureau: st.b, At: st.p, Seq: int64(r.Intn(nd)), BothRounds: both}
			if r.Intn(6) == 0 {
				d.Declined = append(d.Declined, int64(1000+r.Intn(ns)))
			}
			if both && r.Intn(4) == 0 {
				d.Partner = int64(1000 + r.Intn(ns))
			}
			ds = append(ds, d)
		}
	}
	var ss []Supply
	for v := 0; v < ns; v++ {
		st := sites[r.Intn(nSites)]
		maxKm := []float64{0, 5, -1}[r.Intn(3)]
		capacity := 0
		if r.Intn(3) == 0 {
			capacity = 1 + r.Intn(3)
		}
		for round := 1; round <= rounds; round++ {
			ss = append(ss, Supply{VolunteerID: int64(1000 + v), Round: round, Commune: st.c, Bureau: st.b, At: st.p, MaxKm: maxKm, Capacity: capacity})
		}
	}
	// Pending offers on valid pairs (within capacity: one per supply).
	for i := range ds {
		if r.Intn(4) != 0 {
			continue
		}
		for _, j := range r.Perm(len(ss)) {
			if ss[j].Offered == 0 && ss[j].Round == ds[i].Round {
				if _, ok := Cost(ds[i], ss[j], Options{}); ok {
					ds[i].Offered, ss[j].Offered = ss[j].VolunteerID, ds[i].RequestID
					break
				}
			}
		}
	}
	r.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
	r.Shuffle(len(ss), func(i, j int) { ss[i], ss[j] = ss[j], ss[i] })
	return ds, ss
}

// hasGroups reports whether two plain demands of one round share a
// point, commune and bureau (a group of two or more).
func hasGroups(ds []Demand) bool {
	type k struct {
		round    int
		c, b     string
		lat, lon float64
	}
	seen := map[k]bool{}
	for _, d := range ds {
		if d.Offered != 0 || len(d.Declined) > 0 || d.BothRounds {
			continue
		}
		key := k{d.Round, d.Commune, d.Bureau, d.At.Lat, d.At.Lon}
		if seen[key] {
			return true
		}
		seen[key] = true
	}
	return false
}

// The grouped solver (complete graphs) against brute force, on crowded
// instances: groups of several people, with offers, declines and
// capacities mixed in.
func TestPlanGroupsBruteForce(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	grouped := 0
	for iter := 0; iter < 800; iter++ {
		rounds := 1 + r.Intn(2)
		ds, ss := crowdedInstance(r, 1+r.Intn(7), 1+r.Intn(5), rounds, []float64{0.5, 4, 15}[r.Intn(3)], false)
		if hasGroups(ds) {
			grouped++
		}
		for _, opt := range []Options{{groups: true}, {ChangeCost: 1 + int64(r.Intn(8)), GlobalMaxKm: 6, groups: true}, {}, {slots: true}} {
			plan := Plan(ds, ss, opt)
			got := evaluate(t, ds, ss, plan, opt)
			for round := 1; round <= rounds; round++ {
				if want := bruteForce(ds, ss, round, opt); got[round] != want {
					t.Fatalf("iter %d opt %+v round %d: plan %+v, brute force %+v\ndemands %+v\nsupplies %+v\nplan %+v", iter, opt, round, got[round], want, ds, ss, plan)
				}
			}
		}
	}
	if grouped < 200 {
		t.Fatalf("only %d instances with groups", grouped)
	}
}

// planObjective is round's objective as Plan states it, doubled, with the
// same-volunteer bonus (preferences as the planner sees them in the
// first round solved).
func planObjective(ds []Demand, ss []Supply, plan []Assignment, opt Options, round int) objective {
	p, _, _, _ := newPlanner(ds, ss, opt)
	got := map[dkey]int64{}
	for _, a := range plan {
		if a.Round == round {
			got[dkey{a.RequestID, a.Round}] = a.VolunteerID
		}
	}
	var o objective
	for k, di := range p.demandAt {
		if k.round != round {
			continue
		}
		d := &p.demands[di]
		v, served := got[k]
		if served {
			s := &p.supplies[p.supplyAt[skey{v, round}]]
			c, _, _ := pairCost(d, s, p.opt.GlobalMaxKm)
			o.served++
			o.cost += 2 * c
			if p.preferred(d, v) {
				o.cost -= 2 * p.opt.SameVolunteerBonus
			}
		}
		if d.Offered != 0 && (!served || v != d.Offered) {
			if _, ok := p.supplyAt[skey{d.Offered, round}]; ok {
				o.cost += 2*p.opt.ChangeCost + 1
			}
		}
	}
	return o
}

// Larger crowded instances, with partners and both rounds: the grouped
// solver and the slot solver reach the same objective (bonus included) in
// the first round.
func TestPlanGroupsMatchSlots(t *testing.T) {
	r := rand.New(rand.NewSource(8))
	for iter := 0; iter < 150; iter++ {
		ds, ss := crowdedInstance(r, 20+r.Intn(150), 10+r.Intn(120), 2, []float64{2, 10, 30}[r.Intn(3)], true)
		for _, opt := range []Options{{groups: true}, {SameVolunteerBonus: -1, groups: true}, {ChangeCost: 2, SameVolunteerBonus: 7, GlobalMaxKm: 9, groups: true}} {
			want := planObjective(ds, ss, Plan(ds, ss, Options{GlobalMaxKm: opt.GlobalMaxKm, ChangeCost: opt.ChangeCost, SameVolunteerBonus: opt.SameVolunteerBonus, slots: true}), opt, 1)
			got := planObjective(ds, ss, Plan(ds, ss, opt), opt, 1)
			if got != want {
				t.Fatalf("iter %d opt %+v: grouped %+v, slots %+v", iter, opt, got, want)
			}
		}
	}
}

// capSaturate: when every left unit is sent the cost is minimum
// (logistics/flow).
func TestCapSaturate(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	full := 0
	for iter := 0; iter < 300; iter++ {
		nL := 1 + r.Intn(200)
		nR := nL + r.Intn(20)
		// One in four is large and processed in spatial order.
		tight := iter%4 == 3
		if tight {
			nL = 1000 + r.Intn(1000)
			nR = nL * 2 / 3
		}
		g := randomBip(r, nL, nR, 2+r.Intn(10))
		gb := &groupBip{nL: g.nL, nR: g.nR, start: g.start, to: g.to, cost: make([]int64, len(g.cost)),
			size: make([]int64, g.nL), capR: make([]int64, g.nR)}
		for a, c := range g.cost {
			gb.cost[a] = int64(c) - 17 + int64(r.Intn(3))
		}
		for l := range gb.size {
			gb.size[l] = 1 + int64(r.Intn(2))
		}
		for x := range gb.capR {
			gb.capR[x] = 1 + int64(r.Intn(6))
		}
		order := seq(nL)
		if !tight {
			r.Shuffle(nL, func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		var rank []int32
		if iter%2 == 0 {
			rank = make([]int32, g.nR)
			for i := range rank {
				rank[i] = int32(r.Intn(g.nR))
			}
		}
		f1 := capSaturate(gb, order, rank)
		var sent, want, cost int64
		out := make([]int64, gb.nL)
		in := make([]int64, gb.nR)
		fg := flow.New(2 + gb.nL + gb.nR)
		for l := 0; l < gb.nL; l++ {
			if gb.start[l] < gb.start[l+1] {
				want += gb.size[l]
			}
			fg.AddEdge(0, 2+l, gb.size[l], 0)
			for a := gb.start[l]; a < gb.start[l+1]; a++ {
				if f1[a] < 0 {
					t.Fatalf("iter %d: negative flow", iter)
				}
				out[l] += f1[a]
				in[gb.to[a]] += f1[a]
				sent += f1[a]
				cost += f1[a] * gb.cost[a]
				fg.AddEdge(2+l, 2+gb.nL+int(gb.to[a]), math.MaxInt32, gb.cost[a])
			}
			if out[l] > gb.size[l] {
				t.Fatalf("iter %d: left %d over its size", iter, l)
			}
		}
		for x := 0; x < gb.nR; x++ {
			if in[x] > gb.capR[x] {
				t.Fatalf("iter %d: right %d over capacity", iter, x)
			}
			fg.AddEdge(2+gb.nL+x, 1, gb.capR[x], 0)
		}
		mf, mc := fg.MinCostMaxFlow(0, 1)
		if mf != want {
			continue // not every left unit can be sent
		}
		full++
		if sent != want || cost != mc {
			t.Fatalf("iter %d: flow %d cost %d, logistics/flow %d %d", iter, sent, cost, mf, mc)
		}
	}
	if full < 40 { // tight instances are seldom fully sent
		t.Fatalf("only %d instances fully sent", full)
	}
}

// deadGroups (push-relabel on the groups) against the definition on the
// units: a maximum matching of every demand unit with every supply unit of
// an adjacent group (simple augmenting paths), then the units reachable by
// alternating paths from the demand units left free.
func TestDeadGroups(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	for iter := 0; iter < 300; iter++ {
		nL := 1 + r.Intn(60)
		g := randomBip(r, nL, 1+r.Intn(60), 1+r.Intn(8))
		gb := &groupBip{nL: g.nL, nR: g.nR, start: g.start, to: g.to, cost: make([]int64, len(g.to)),
			size: make([]int64, g.nL), capR: make([]int64, g.nR)}
		for l := range gb.size {
			gb.size[l] = 1 + int64(r.Intn(4))
		}
		for x := range gb.capR {
			gb.capR[x] = 1 + int64(r.Intn(4))
		}
		deadL, deadR := gb.deadGroups()
		wantL, wantR := unitDeadSets(gb)
		if !slices.Equal(deadL, wantL) || !slices.Equal(deadR, wantR) {
			t.Fatalf("iter %d: dead %v %v, want %v %v", iter, deadL, deadR, wantL, wantR)
		}
	}
}

func unitDeadSets(gb *groupBip) (deadL, deadR []bool) {
	var uL, uR []int32 // group of each unit
	for l := 0; l < gb.nL; l++ {
		for range gb.size[l] {
			uL = append(uL, int32(l))
		}
	}
	for x := 0; x < gb.nR; x++ {
		for range gb.capR[x] {
			uR = append(uR, int32(x))
		}
	}
	adj := func(u int) []int {
		var out []int
		for v, gr := range uR {
			if slices.Contains(gb.to[gb.start[uL[u]]:gb.start[uL[u]+1]], gr) {
				out = append(out, v)
			}
		}
		return out
	}
	mateL, mateR := make([]int, len(uL)), make([]int, len(uR))
	for i := range mateL {
		mateL[i] = -1
	}
	for i := range mateR {
		mateR[i] = -1
	}
	for u := range uL {
		seen := make([]bool, len(uR))
		var try func(u int) bool
		try = func(u int) bool {
			for _, v := range adj(u) {
				if !seen[v] {
					seen[v] = true
					if mateR[v] < 0 || try(mateR[v]) {
						mateL[u], mateR[v] = v, u
						return true
					}
				}
			}
			return false
		}
		try(u)
	}
	deadL, deadR = make([]bool, gb.nL), make([]bool, gb.nR)
	inL, inR := make([]bool, len(uL)), make([]bool, len(uR))
	var queue []int
	for u, m := range mateL {
		if m < 0 {
			inL[u] = true
			queue = append(queue, u)
		}
	}
	for h := 0; h < len(queue); h++ {
		u := queue[h]
		deadL[uL[u]] = true
		for _, v := range adj(u) {
			if !inR[v] {
				inR[v] = true
				deadR[uR[v]] = true
				if m := mateR[v]; m >= 0 && !inL[m] {
					inL[m] = true
					queue = append(queue, m)
				}
			}
		}
	}
	return deadL, deadR
}

// Settled hands out, before Plan returns, assignments that its result
// keeps as they are, and changes nothing to the result.
func TestPlanSettledAssignmentsAreFinal(t *testing.T) {
	check := func(t *testing.T, ds []Demand, ss []Supply, opt Options) int {
		t.Helper()
		var mu sync.Mutex
		var early []Assignment
		with := opt
		with.Settled = func(as []Assignment) {
			mu.Lock()
			early = append(early, as...)
			mu.Unlock()
		}
		plan := Plan(ds, ss, with)
		if want := Plan(ds, ss, opt); !slices.Equal(plan, want) {
			t.Fatalf("plan with Settled %+v, without %+v", plan, want)
		}
		final := map[dkey]int64{}
		for _, a := range plan {
			final[dkey{a.RequestID, a.Round}] = a.VolunteerID
		}
		for _, a := range early {
			if v, ok := final[dkey{a.RequestID, a.Round}]; !ok || v != a.VolunteerID {
				t.Fatalf("settled %+v, the plan gives volunteer %d (%v)", a, v, ok)
			}
		}
		return len(early)
	}
	onGroupInstances(t, 10, "assignments settled early", check)
}

// onGroupInstances runs check on 200 small crowded instances of two
// rounds, then on the batch's shape, where what it counts (what) must be
// at least 1,000.
func onGroupInstances(t *testing.T, seed int64, what string, check func(t *testing.T, ds []Demand, ss []Supply, opt Options) int) {
	t.Helper()
	r := rand.New(rand.NewSource(seed))
	for iter := 0; iter < 200; iter++ {
		ds, ss := crowdedInstance(r, 20+r.Intn(150), 10+r.Intn(120), 2, []float64{2, 10, 30}[r.Intn(3)], true)
		check(t, ds, ss, Options{groups: true})
	}
	ds, ss := batchLoadInstance(t, 20_000, 3)
	if n := check(t, ds, ss, Options{GlobalMaxKm: 20, groups: true}); n < 1000 {
		t.Fatalf("%d %s on the batch's shape", n, what)
	}
}

// Saturated names, before a round is solved, volunteers that its plan
// then gives exactly that many new offers in that round, and changes
// nothing to the result.
func TestPlanSaturatedVolunteersGetTheirOffers(t *testing.T) {
	check := func(t *testing.T, ds []Demand, ss []Supply, opt Options) int {
		t.Helper()
		named := map[skey]int{}
		with := opt
		with.Saturated = func(round int, vs []int64) {
			for _, v := range vs {
				named[skey{v, round}]++
			}
		}
		plan := Plan(ds, ss, with)
		if want := Plan(ds, ss, opt); !slices.Equal(plan, want) {
			t.Fatalf("plan with Saturated %+v, without %+v", plan, want)
		}
		offered := map[skey]bool{}
		for _, s := range ss {
			if s.Offered != 0 {
				offered[skey{s.VolunteerID, s.Round}] = true
			}
		}
		given := map[skey]int{}
		for _, a := range plan {
			given[skey{a.VolunteerID, a.Round}]++
		}
		for k, n := range named {
			if offered[k] || given[k] != n {
				t.Fatalf("volunteer %d named %d times for round %d (holding an offer: %v), the plan gives %d", k.vol, n, k.round, offered[k], given[k])
			}
		}
		return len(named)
	}
	onGroupInstances(t, 11, "volunteer rounds named", check)
}
