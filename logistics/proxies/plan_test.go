package proxies

import (
	"cmp"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"sync"
	"testing"

	"scrutin/logistics/places"
)

// Around Digne-les-Bains: 0.01° of latitude is about 1.1 km.
var base = places.Point{Lat: 44.09, Lon: 6.23}

func at(dLatKm, dLonKm float64) places.Point {
	return places.Point{Lat: base.Lat + dLatKm/111.195, Lon: base.Lon + dLonKm/80.0}
}

type genOpts struct {
	demands, supplies int
	rounds            int
	spreadKm          float64
	offers            bool
	bothRounds        bool
}

// randomInstance draws demands and supplies in a square of spreadKm, in a
// few communes, with declines, pending offers (mirrored on both sides)
// and varied travel limits.
func randomInstance(r *rand.Rand, o genOpts) ([]Demand, []Supply) {
	communes := []string{"04070", "04001", "04019", "04112"}
	pt := func() (string, string, places.Point) {
		c := r.Intn(len(communes))
		return communes[c], fmt.Sprint(1 + r.Intn(2)), at(r.Float64()*o.spreadKm, float64(c)*o.spreadKm/8+r.Float64()*o.spreadKm)
	}
	var ds []Demand
	for i := 0; i < o.demands; i++ {
		c, b, p := pt()
		if r.Intn(4) == 0 {
			b = ""
		}
		nr := 1 + r.Intn(o.rounds)
		for round := 1; round <= o.rounds; round++ {
			if nr == 1 && round != 1+i%o.rounds && o.rounds > 1 {
				continue
			}
			d := Demand{RequestID: int64(100 + i), Round: round, Commune: c, Bureau: b, At: p, Seq: int64(r.Intn(o.demands)),
				BothRounds: o.bothRounds && nr > 1}
			for v := 0; v < o.supplies; v++ {
				if r.Intn(8) == 0 {
					d.Declined = append(d.Declined, int64(1000+v))
				}
			}
			ds = append(ds, d)
		}
	}
	var ss []Supply
	for v := 0; v < o.supplies; v++ {
		c, b, p := pt()
		maxKm := []float64{0, 3, 8, 15, -1}[r.Intn(5)]
		for round := 1; round <= o.rounds; round++ {
			if o.rounds > 1 && r.Intn(3) == 0 {
				continue
			}
			ss = append(ss, Supply{VolunteerID: int64(1000 + v), Round: round, Commune: c, Bureau: b, At: p, MaxKm: maxKm})
		}
	}
	if o.offers {
		// Pending offers on valid pairs, at most one per side.
		for i := range ds {
			if r.Intn(2) == 0 {
				continue
			}
			for j := range ss {
				if ss[j].Offered == 0 && ss[j].Round == ds[i].Round {
					if _, ok := Cost(ds[i], ss[j], Options{}); ok {
						ds[i].Offered, ss[j].Offered = ss[j].VolunteerID, ds[i].RequestID
						break
					}
				}
			}
		}
	}
	r.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
	r.Shuffle(len(ss), func(i, j int) { ss[i], ss[j] = ss[j], ss[i] })
	return ds, ss
}

// score is the objective of one round as Plan's documentation states it,
// computed from the assignment alone: served, then cost (doubled: each
// unanswered offer not kept costs 2*ChangeCost+1).
type objective struct {
	served int
	cost   int64
}

func (a objective) better(b objective) bool {
	return a.served > b.served || a.served == b.served && a.cost < b.cost
}

func evaluate(t *testing.T, ds []Demand, ss []Supply, plan []Assignment, opt Options) map[int]objective {
	t.Helper()
	opt = opt.withDefaults()
	sup := map[skey]Supply{}
	for _, s := range ss {
		sup[skey{s.VolunteerID, s.Round}] = s
	}
	got := map[dkey]Assignment{}
	load := map[skey]int{}
	for _, a := range plan {
		k := dkey{a.RequestID, a.Round}
		if _, dup := got[k]; dup {
			t.Fatalf("request %d round %d assigned twice", a.RequestID, a.Round)
		}
		got[k] = a
		sk := skey{a.VolunteerID, a.Round}
		s, ok := sup[sk]
		if !ok {
			t.Fatalf("unknown volunteer %d round %d", a.VolunteerID, a.Round)
		}
		load[sk]++
		if load[sk] > s.capacity() {
			t.Fatalf("volunteer %d round %d over capacity", a.VolunteerID, a.Round)
		}
	}
	out := map[int]objective{}
	for _, d := range ds {
		sc := out[d.Round]
		a, served := got[dkey{d.RequestID, d.Round}]
		if served {
			c, ok := Cost(d, sup[skey{a.VolunteerID, a.Round}], opt)
			if !ok {
				t.Fatalf("pair %d/%d round %d is not a candidate", a.RequestID, a.VolunteerID, a.Round)
			}
			if c != a.Cost {
				t.Fatalf("pair %d/%d: cost %d, Cost says %d", a.RequestID, a.VolunteerID, a.Cost, c)
			}
			sc.served++
			sc.cost += 2 * c
		}
		if d.Offered != 0 && (!served || a.VolunteerID != d.Offered) {
			if _, ok := sup[skey{d.Offered, d.Round}]; ok {
				sc.cost += 2*opt.ChangeCost + 1
			}
		}
		out[d.Round] = sc
	}
	return out
}

// bruteForce tries every assignment of one round's demands.
func bruteForce(ds []Demand, ss []Supply, round int, opt Options) objective {
	opt = opt.withDefaults()
	var rd []Demand
	for _, d := range ds {
		if d.Round == round {
			rd = append(rd, d)
		}
	}
	var rs []Supply
	for _, s := range ss {
		if s.Round == round {
			rs = append(rs, s)
		}
	}
	load := make([]int, len(rs))
	best := objective{served: -1}
	var rec func(i int, sc objective)
	rec = func(i int, sc objective) {
		if i == len(rd) {
			if sc.better(best) {
				best = sc
			}
			return
		}
		d := rd[i]
		penalty := int64(0)
		offeredHere := false
		for _, s := range rs {
			if d.Offered != 0 && s.VolunteerID == d.Offered {
				offeredHere = true
			}
		}
		if offeredHere {
			penalty = 2*opt.ChangeCost + 1
		}
		rec(i+1, objective{sc.served, sc.cost + penalty})
		for j, s := range rs {
			c, ok := Cost(d, s, opt)
			if !ok || load[j] >= s.capacity() {
				continue
			}
			load[j]++
			p := penalty
			if s.VolunteerID == d.Offered {
				p = 0
			}
			rec(i+1, objective{sc.served + 1, sc.cost + 2*c + p})
			load[j]--
		}
	}
	rec(0, objective{})
	return best
}

func TestPlanBruteForce(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for iter := 0; iter < 600; iter++ {
		o := genOpts{demands: 1 + r.Intn(6), supplies: 1 + r.Intn(6), rounds: 1 + r.Intn(2), spreadKm: []float64{3, 15, 40}[r.Intn(3)], offers: iter%2 == 0}
		ds, ss := randomInstance(r, o)
		for _, opt := range []Options{{MaxCandidates: -1}, {}, {MaxCandidates: 1}, {MaxCandidates: 2, SameVolunteerBonus: -1},
			{ChangeCost: 1 + int64(r.Intn(8)), GlobalMaxKm: 12, MaxCandidates: 1}, {MaxCandidates: 1000, exactPairs: -1},
			{MaxCandidates: -1, stress: true}, {MaxCandidates: 1, stress: true}, {MaxCandidates: -1, groups: true}} {
			plan := Plan(ds, ss, opt)
			got := evaluate(t, ds, ss, plan, opt)
			for round := 1; round <= o.rounds; round++ {
				want := bruteForce(ds, ss, round, opt)
				if got[round] != want {
					t.Fatalf("iter %d opt %+v round %d: plan %+v, brute force %+v\ndemands %+v\nsupplies %+v\nplan %+v", iter, opt, round, got[round], want, ds, ss, plan)
				}
			}
		}
	}
}

// The case of the issue: B can only be served by X, who holds an
// unanswered offer for A; A has an alternative Y. Plan moves A to Y.
func TestPlanSwapsUnansweredOffer(t *testing.T) {
	ds := []Demand{
		{RequestID: 1, Round: 1, Commune: "04070", Bureau: "1", At: at(0, 0), Seq: 1, Offered: 10},
		{RequestID: 2, Round: 1, Commune: "04070", Bureau: "2", At: at(0, 0), Seq: 2},
	}
	ss := []Supply{
		{VolunteerID: 10, Round: 1, Commune: "04070", Bureau: "1", At: at(0, 0), MaxKm: 10, Offered: 1},
		{VolunteerID: 11, Round: 1, Commune: "04001", At: at(3, 0), MaxKm: 10},
	}
	ds[1].Declined = []int64{11}
	plan := Plan(ds, ss, Options{})
	want := []Assignment{{RequestID: 1, Round: 1, VolunteerID: 11, Cost: 5, Km: places.DistanceKm(at(0, 0), at(3, 0))}, {RequestID: 2, Round: 1, VolunteerID: 10, Cost: 1}}
	sortPlan(plan)
	if !slices.Equal(plan, want) {
		t.Fatalf("plan %+v, want %+v", plan, want)
	}
	add, remove := Diff([]Assignment{{RequestID: 1, Round: 1, VolunteerID: 10, Cost: 0}}, plan)
	if len(add) != 2 || len(remove) != 1 || remove[0].VolunteerID != 10 {
		t.Fatalf("diff add %+v remove %+v", add, remove)
	}
}

// Offers move only when that serves more requests or lowers the cost by
// more than ChangeCost.
func TestPlanKeepsOffersUnlessWorthIt(t *testing.T) {
	for _, tc := range []struct {
		name     string
		otherKm  float64 // distance of the free volunteer Y; X is at 8 km
		change   int64
		wantVol  int64
		wantDiff bool
	}{
		{"much nearer", 0.5, 5, 11, true}, // cost 10 -> 2: gain 8 > 5
		{"gain equals change cost", 3, 5, 10, false},
		{"small gain", 6, 5, 10, false},
		{"free changes", 6, 1, 11, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds := []Demand{{RequestID: 1, Round: 1, Commune: "04070", At: at(0, 0), Offered: 10}}
			ss := []Supply{
				{VolunteerID: 10, Round: 1, Commune: "04001", At: at(8, 0), MaxKm: 20, Offered: 1},
				{VolunteerID: 11, Round: 1, Commune: "04019", At: at(tc.otherKm, 0), MaxKm: 20},
			}
			plan := Plan(ds, ss, Options{ChangeCost: tc.change})
			if len(plan) != 1 || plan[0].VolunteerID != tc.wantVol {
				t.Fatalf("plan %+v, want volunteer %d", plan, tc.wantVol)
			}
			add, remove := Diff([]Assignment{{RequestID: 1, Round: 1, VolunteerID: 10}}, plan)
			if (len(add)+len(remove) > 0) != tc.wantDiff {
				t.Fatalf("diff add %+v remove %+v", add, remove)
			}
		})
	}
}

func TestPlanOlderWinsTies(t *testing.T) {
	for _, seqs := range [][2]int64{{1, 2}, {2, 1}} {
		ds := []Demand{
			{RequestID: 1, Round: 1, Commune: "04070", At: at(0, 0), Seq: seqs[0]},
			{RequestID: 2, Round: 1, Commune: "04070", At: at(0, 0), Seq: seqs[1]},
		}
		ss := []Supply{{VolunteerID: 10, Round: 1, Commune: "04070", At: at(1, 0), MaxKm: 5}}
		plan := Plan(ds, ss, Options{})
		want := int64(1)
		if seqs[1] < seqs[0] {
			want = 2
		}
		if len(plan) != 1 || plan[0].RequestID != want {
			t.Fatalf("seq %v: plan %+v, want request %d", seqs, plan, want)
		}
	}
}

func TestCost(t *testing.T) {
	d := Demand{RequestID: 1, Round: 1, Commune: "04070", Bureau: "2", At: at(0, 0), Declined: []int64{13}}
	for _, tc := range []struct {
		name string
		s    Supply
		opt  Options
		cost int64
		ok   bool
	}{
		{"same bureau", Supply{VolunteerID: 10, Round: 1, Commune: "04070", Bureau: "2", At: at(1, 0), MaxKm: 0}, Options{}, 0, true},
		{"same commune", Supply{VolunteerID: 10, Round: 1, Commune: "04070", Bureau: "1", At: at(4, 0), MaxKm: 0}, Options{}, 1, true},
		{"same commune beyond global cap", Supply{VolunteerID: 10, Round: 1, Commune: "04070", At: at(25, 0), MaxKm: -1}, Options{}, 0, false},
		{"distance", Supply{VolunteerID: 10, Round: 1, Commune: "04001", At: at(6.6, 0), MaxKm: 10}, Options{}, 9, true},
		{"beyond own limit", Supply{VolunteerID: 10, Round: 1, Commune: "04001", At: at(6.6, 0), MaxKm: 5}, Options{}, 0, false},
		{"no own limit", Supply{VolunteerID: 10, Round: 1, Commune: "04001", At: at(19, 0), MaxKm: -1}, Options{}, 21, true},
		{"beyond global cap", Supply{VolunteerID: 10, Round: 1, Commune: "04001", At: at(21, 0), MaxKm: 50}, Options{}, 0, false},
		{"custom global cap", Supply{VolunteerID: 10, Round: 1, Commune: "04001", At: at(11, 0), MaxKm: 50}, Options{GlobalMaxKm: 10}, 0, false},
		{"other round", Supply{VolunteerID: 10, Round: 2, Commune: "04070", Bureau: "2", At: at(0, 0)}, Options{}, 0, false},
		{"declined", Supply{VolunteerID: 13, Round: 1, Commune: "04070", Bureau: "2", At: at(0, 0)}, Options{}, 0, false},
	} {
		c, ok := Cost(d, tc.s, tc.opt)
		if c != tc.cost || ok != tc.ok {
			t.Errorf("%s: got %d %v, want %d %v", tc.name, c, ok, tc.cost, tc.ok)
		}
	}
}

// On larger random instances every planned pair is valid (declined pairs,
// travel limits, rounds, capacity), and Candidates ranks with the same
// scores.
func TestPlanValidPairs(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for iter := 0; iter < 20; iter++ {
		ds, ss := randomInstance(r, genOpts{demands: 150, supplies: 120, rounds: 2, spreadKm: 30, offers: true, bothRounds: true})
		plan := Plan(ds, ss, Options{})
		evaluate(t, ds, ss, plan, Options{})
		for _, a := range plan {
			for _, d := range ds {
				if d.RequestID == a.RequestID && d.Round == a.Round && slices.Contains(d.Declined, a.VolunteerID) {
					t.Fatalf("declined pair proposed: %+v", a)
				}
			}
		}
		cs := Candidates(ds[0], ss, Options{}, 5)
		for i, c := range cs {
			if want, ok := Cost(ds[0], c.Supply, Options{}); !ok || want != c.Cost || i > 0 && cs[i-1].Cost > c.Cost {
				t.Fatalf("candidates %+v", cs)
			}
		}
	}
}

func TestPlanBothRounds(t *testing.T) {
	// Request 1 needs both rounds. V10 (3 km, both rounds) against V11
	// (1 km, round 1 only) and V12 (1 km, round 2 only).
	mk := func(both bool, partner int64) ([]Demand, []Supply) {
		ds := []Demand{
			{RequestID: 1, Round: 1, Commune: "04070", At: at(0, 0), BothRounds: both, Partner: partner},
			{RequestID: 1, Round: 2, Commune: "04070", At: at(0, 0), BothRounds: both, Partner: partner},
		}
		ss := []Supply{
			{VolunteerID: 10, Round: 1, Commune: "04001", At: at(3, 0), MaxKm: 10},
			{VolunteerID: 10, Round: 2, Commune: "04001", At: at(3, 0), MaxKm: 10},
			{VolunteerID: 11, Round: 1, Commune: "04019", At: at(1, 0), MaxKm: 10},
			{VolunteerID: 12, Round: 2, Commune: "04019", At: at(1, 0), MaxKm: 10},
		}
		return ds, ss
	}
	vols := func(plan []Assignment) []int64 {
		sortPlan(plan)
		var v []int64
		for _, a := range plan {
			v = append(v, a.VolunteerID)
		}
		return v
	}
	ds, ss := mk(true, 0)
	if got := vols(Plan(ds, ss, Options{})); !slices.Equal(got, []int64{10, 10}) {
		t.Fatalf("both rounds: volunteers %v, want 10 for both", got)
	}
	ds, ss = mk(false, 0)
	if got := vols(Plan(ds, ss, Options{})); !slices.Equal(got, []int64{11, 12}) {
		t.Fatalf("separate rounds: volunteers %v, want nearest 11, 12", got)
	}
	// The bonus never costs a served request: with a second request that
	// only V10 can serve in round 2, request 1 falls back to V12.
	ds, ss = mk(true, 0)
	ds = append(ds, Demand{RequestID: 2, Round: 2, Commune: "04001", At: at(3, 0), Declined: []int64{12}})
	plan := Plan(ds, ss, Options{})
	if len(plan) != 3 {
		t.Fatalf("plan %+v: want 3 served", plan)
	}
	// Round 1 already accepted by V10 (Partner): round 2 prefers V10.
	ds, ss = mk(true, 10)
	ds = ds[1:]
	if got := vols(Plan(ds, ss, Options{})); !slices.Equal(got, []int64{10}) {
		t.Fatalf("partner: volunteers %v, want 10", got)
	}
}

// Supplies holding an offer for a request outside the plan stay put; a
// volunteer never gets more than MaxProxiesPerRound.
func TestPlanBusySupplies(t *testing.T) {
	ds := []Demand{{RequestID: 1, Round: 1, Commune: "04070", At: at(0, 0)}}
	ss := []Supply{{VolunteerID: 10, Round: 1, Commune: "04070", At: at(0, 0), Offered: 99}}
	if plan := Plan(ds, ss, Options{}); len(plan) != 0 {
		t.Fatalf("busy volunteer planned: %+v", plan)
	}
	ds = append(ds, Demand{RequestID: 2, Round: 1, Commune: "04070", At: at(0, 0)})
	ss[0].Offered = 0
	if plan := Plan(ds, ss, Options{}); len(plan) != MaxProxiesPerRound {
		t.Fatalf("plan %+v", plan)
	}
}

func sortPlan(p []Assignment) {
	slices.SortFunc(p, func(a, b Assignment) int {
		if a.RequestID != b.RequestID {
			return int(a.RequestID - b.RequestID)
		}
		return a.Round - b.Round
	})
}

// On instances too large for brute force, the exact mode with a tiny
// candidate list (full-view augmentations and pricing at work) must reach
// the same objective as the exact mode with every pair in the graph, and
// the sparse mode with every pair in its candidate lists too.
func TestPlanExactModes(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for iter := 0; iter < 30; iter++ {
		ds, ss := randomInstance(r, genOpts{demands: 120, supplies: 100, rounds: 2, spreadKm: 35, offers: true})
		ref := evaluate(t, ds, ss, Plan(ds, ss, Options{MaxCandidates: -1}), Options{})
		for _, opt := range []Options{{MaxCandidates: 2}, {MaxCandidates: 5}, {MaxCandidates: 1000, exactPairs: -1},
			{stress: true}, {MaxCandidates: 2, stress: true}, {groups: true}} {
			got := evaluate(t, ds, ss, Plan(ds, ss, opt), Options{})
			for round, want := range ref {
				if got[round] != want {
					t.Fatalf("iter %d opt %+v round %d: %+v, all pairs %+v", iter, opt, round, got[round], want)
				}
			}
		}
		// The sparse mode with short lists serves no more than the optimum.
		got := evaluate(t, ds, ss, Plan(ds, ss, Options{MaxCandidates: 2, exactPairs: -1}), Options{})
		for round, want := range ref {
			if got[round].served > want.served {
				t.Fatalf("iter %d round %d: sparse serves %d > optimum %d", iter, round, got[round].served, want.served)
			}
		}
	}
}

// randomBip draws a bipartite graph of points on a line with small
// integer costs (many ties, as in Plan's graphs).
func randomBip(r *rand.Rand, nL, nR, reach int) *bip {
	g := &bip{nL: nL, nR: nR, start: make([]int32, nL+1)}
	for l := 0; l < nL; l++ {
		at := l * nR / nL
		for k := 0; k < 1+r.Intn(reach); k++ {
			rr := at + r.Intn(2*reach+1) - reach
			if rr < 0 || rr >= nR || slices.Contains(g.to[g.start[l]:], int32(rr)) {
				continue
			}
			g.to = append(g.to, int32(rr))
			g.cost = append(g.cost, int32(2*r.Intn(6)+17))
		}
		g.start[l+1] = int32(len(g.to))
	}
	return g
}

// Through hubs, the searches reach the cost and size of the searches over
// every arc: one instance in four is tight and processed in spatial order,
// so that searches cross the paths of those before them.
func TestSaturateThroughHubs(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	for iter := 0; iter < 200; iter++ {
		nL := 1 + r.Intn(300)
		tight := iter%4 == 3
		nR := nL + r.Intn(20)
		if tight {
			nL = 1000 + r.Intn(2000)
			nR = nL
		}
		order := make([]int32, nL)
		for i := range order {
			order[i] = int32(i)
		}
		if !tight {
			r.Shuffle(nL, func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		var rank []int32
		if iter%2 == 0 {
			rank = make([]int32, nR)
			for i := range rank {
				rank[i] = int32(r.Intn(nR))
			}
		}
		g, hv := randomHubBip(r, nL, nR, 1+r.Intn(12))
		m1, _, _ := saturate(g, order, rank, hv)
		m2, _, _ := saturate(g, order, rank, nil)
		if matched(g, m1) != matched(g, m2) {
			t.Fatalf("iter %d: through hubs %v, over every arc %v", iter, matched(g, m1), matched(g, m2))
		}
	}
}

// matched is the size and cost of a matching of g (mateL).
func matched(g *bip, mateL []int32) [2]int64 {
	var out [2]int64
	for l, r := range mateL {
		for a := g.start[l]; a < g.start[l+1] && r >= 0; a++ {
			if g.to[a] == r {
				out[0]++
				out[1] += int64(g.cost[a])
				break
			}
		}
	}
	return out
}

// Through hubs or over every arc, the searches serve the same requests:
// among equally near free requests the oldest, also when some of them
// wait behind a hub not yet scanned at that distance.
func TestPlanHubsServeTheSameRequests(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	for iter := 0; iter < 1000; iter++ {
		ds, ss := hubInstance(r, 2+r.Intn(40), 1+r.Intn(30), []float64{1, 4, 12}[r.Intn(3)])
		for _, opt := range []Options{{slots: true}, {slots: true, stress: true}} {
			arcs := opt
			arcs.noHubs = true
			served := func(o Options) []int64 {
				var ids []int64
				for _, a := range Plan(ds, ss, o) {
					ids = append(ids, a.RequestID)
				}
				slices.Sort(ids)
				return ids
			}
			if got, want := served(opt), served(arcs); !slices.Equal(got, want) {
				t.Fatalf("iter %d opt %+v: through hubs %v, over every arc %v", iter, opt, got, want)
			}
		}
	}
}

// randomHubBip is randomBip with the right nodes in hubs of up to four
// consecutive nodes (a fifth of them on their own), a left node reaching
// every member of a hub at one cost, and its folding.
func randomHubBip(r *rand.Rand, nL, nR, reach int) (*bip, *hubView) {
	hubOf := make([]int32, nR)
	for i := range hubOf {
		hubOf[i] = int32(i / 4)
		if r.Intn(5) == 0 {
			hubOf[i] = -1
		}
	}
	nH := (nR + 3) / 4
	g := &bip{nL: nL, nR: nR, start: make([]int32, nL+1)}
	leftC, rightC := make([]int32, nL), make([]int32, nR)
	for l := 0; l < nL; l++ {
		leftC[l] = 1 // every right node is of another commune
		at := l * nR / nL
		for k := 0; k < 1+r.Intn(reach); k++ {
			h := (at + r.Intn(2*reach+1) - reach) / 4
			if h < 0 || h >= nH {
				continue
			}
			c := int32(2*r.Intn(6) + 17)
			for rr := int32(4 * h); rr < int32(min(4*h+4, nR)); rr++ {
				if !slices.Contains(g.to[g.start[l]:], rr) && (hubOf[rr] >= 0 || r.Intn(2) == 0) {
					g.to = append(g.to, rr)
					g.cost = append(g.cost, c)
				}
			}
		}
		g.start[l+1] = int32(len(g.to))
	}
	return g, newHubView(g, hubOf, nH, leftC, rightC, 2, false)
}

// maxMatching (depth-first phases, then push-relabel) against simple
// augmenting paths (Kuhn).
func TestMaxMatching(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	size := func(m []int32) int {
		n := 0
		for _, x := range m {
			if x >= 0 {
				n++
			}
		}
		return n
	}
	for iter := 0; iter < 300; iter++ {
		nL := 1 + r.Intn(200)
		g := randomBip(r, nL, 1+r.Intn(2*nL), 1+r.Intn(6))
		mateR := make([]int32, g.nR)
		for i := range mateR {
			mateR[i] = -1
		}
		var seen []bool
		var try func(l int32) bool
		try = func(l int32) bool {
			for _, rr := range g.to[g.start[l]:g.start[l+1]] {
				if seen[rr] {
					continue
				}
				seen[rr] = true
				if mateR[rr] < 0 || try(mateR[rr]) {
					mateR[rr] = l
					return true
				}
			}
			return false
		}
		want := 0
		for l := 0; l < nL; l++ {
			seen = make([]bool, g.nR)
			if try(int32(l)) {
				want++
			}
		}
		for _, ratio := range []int{pfRatioDefault, 1, math.MaxInt32} {
			mL, mR := maxMatching(g, ratio, nil)
			if got := size(mL); got != want {
				t.Fatalf("iter %d ratio %d: matching of %d, want %d", iter, ratio, got, want)
			}
			for l, x := range mL {
				if x >= 0 && (mR[x] != int32(l) || !slices.Contains(g.to[g.start[l]:g.start[l+1]], x)) {
					t.Fatalf("iter %d: bad pair %d-%d", iter, l, x)
				}
			}
		}
	}
}

// hubInstance: more demands than volunteers (a large scarce part), many
// of them at few points of three communes, with bureaux that differ at
// one point, declines of volunteers within reach and a few offers.
func hubInstance(r *rand.Rand, nd, ns int, spreadKm float64) ([]Demand, []Supply) {
	communes := []string{"04070", "04001", "04019"}
	type siteT struct {
		c string
		p places.Point
	}
	sites := make([]siteT, 2+r.Intn(6))
	for i := range sites {
		sites[i] = siteT{communes[r.Intn(len(communes))], at(r.Float64()*spreadKm, r.Float64()*spreadKm)}
	}
	var ss []Supply
	for v := 0; v < ns; v++ {
		st := sites[r.Intn(len(sites))]
		ss = append(ss, Supply{VolunteerID: int64(1000 + v), Round: 1, Commune: st.c, Bureau: fmt.Sprint(1 + r.Intn(2)),
			At: st.p, MaxKm: []float64{2, 5, 10, -1}[r.Intn(4)], Capacity: r.Intn(2)})
	}
	var ds []Demand
	for i := 0; i < nd; i++ {
		st := sites[r.Intn(len(sites))]
		d := Demand{RequestID: int64(100 + i), Round: 1, Commune: st.c, Bureau: []string{"", "1", "2"}[r.Intn(3)], At: st.p, Seq: int64(i)}
		for range r.Intn(4) {
			d.Declined = append(d.Declined, int64(1000+r.Intn(ns)))
		}
		if r.Intn(10) == 0 {
			d.Offered = int64(1000 + r.Intn(ns))
		}
		ds = append(ds, d)
	}
	return ds, ss
}

// The scarce part's searches through hubs (plan_hub.go) reach the
// objective of brute force on small instances, and of the searches over
// every arc on larger ones, with only valid pairs (evaluate).
func TestPlanHubs(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	folded := foldedArcs.Load()
	// Unfolded, the hubs give back exactly the graph's pairs and costs.
	var mu sync.Mutex
	var unfoldErr error
	checkHubs = func(g *bip, hv *hubView) {
		type pair struct{ r, c int32 }
		for l := 0; l < g.nL; l++ {
			var want, got []pair
			for a := g.start[l]; a < g.start[l+1]; a++ {
				want = append(want, pair{g.to[a], g.cost[a]})
			}
			for a := hv.dstart[l]; a < hv.dstart[l+1]; a++ {
				got = append(got, pair{hv.dto[a], hv.dcost[a]})
			}
			for _, a := range hv.hubArcs(int32(l)) {
				for _, r := range hv.members[hv.mstart[a.h]:hv.mstart[a.h+1]] {
					got = append(got, pair{r, a.c})
				}
			}
			cmpPair := func(a, b pair) int { return cmp.Or(cmp.Compare(a.r, b.r), cmp.Compare(a.c, b.c)) }
			// As sets: a graph may hold a pair twice (the maximum
			// matching's pairs added in exact mode), a hub once.
			slices.SortFunc(want, cmpPair)
			slices.SortFunc(got, cmpPair)
			if want, got = slices.Compact(want), slices.Compact(got); !slices.Equal(want, got) {
				mu.Lock()
				unfoldErr = fmt.Errorf("slot %d: pairs %v, unfolded %v", l, want, got)
				mu.Unlock()
				return
			}
		}
	}
	defer func() { checkHubs = nil }()
	defer func() {
		if unfoldErr != nil {
			t.Fatal(unfoldErr)
		}
	}()
	for iter := 0; iter < 400; iter++ {
		ds, ss := hubInstance(r, 2+r.Intn(6), 1+r.Intn(3), []float64{1, 4, 12}[r.Intn(3)])
		// Sparse graphs too (a demand keeps its best slots: a slot may
		// reach part of a hub, which then stays direct), exact with pricing.
		for _, opt := range []Options{{slots: true}, {slots: true, stress: true}, {MaxCandidates: 1}, {MaxCandidates: 2, stress: true}} {
			got := evaluate(t, ds, ss, Plan(ds, ss, opt), opt)
			if want := bruteForce(ds, ss, 1, opt); got[1] != want {
				t.Fatalf("iter %d opt %+v: plan %+v, brute force %+v\ndemands %+v\nsupplies %+v", iter, opt, got[1], want, ds, ss)
			}
		}
	}
	for iter := 0; iter < 40; iter++ {
		ds, ss := hubInstance(r, 50+r.Intn(300), 20+r.Intn(150), []float64{2, 8, 25}[r.Intn(3)])
		for _, opt := range []Options{{slots: true}, {slots: true, stress: true}, {MaxCandidates: 1, exactPairs: -1}, {MaxCandidates: 2}} {
			arcs := opt
			arcs.noHubs = true
			want := evaluate(t, ds, ss, Plan(ds, ss, arcs), opt)
			if got := evaluate(t, ds, ss, Plan(ds, ss, opt), opt); got[1] != want[1] {
				t.Fatalf("iter %d opt %+v: hubs %+v, every arc %+v", iter, opt, got[1], want[1])
			}
		}
	}
	if n := foldedArcs.Load() - folded; n < 50_000 {
		t.Fatalf("only %d arcs folded into hubs", n)
	}
}
