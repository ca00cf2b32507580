package proxies

import (
	"slices"
	"sync"
)

// Plan returns the globally optimal assignment on the candidate graph, one
// round after the other (rounds ascending):
//
//  1. the maximum number of demands served;
//  2. then the minimum total cost, where cost is the pair's Cost, plus
//     ChangeCost+½ for every unanswered offer not kept (moved or
//     withdrawn), minus SameVolunteerBonus for every BothRounds demand
//     served by its preferred volunteer;
//  3. ties between equal-cost plans go to older demands (smaller Seq):
//     among interchangeable demands (same point, commune and bureau, no
//     offer, decline or preference) the oldest are served; otherwise
//     searches run oldest first and, among equally near requests, take
//     the oldest (a heuristic, not a third exact objective).
//
// Demands absent from the result are unmatched. Unanswered offers are
// re-plannable: a demand's current volunteer is always in its candidate
// graph, and keeping it is ChangeCost+½ cheaper than any change, so
// applying the result with Diff changes offers only when that serves more
// requests or lowers the cost by more than ChangeCost per change.
//
// Inputs: one Demand per (RequestID, Round) and one Supply per
// (VolunteerID, Round) (later duplicates are ignored). A supply holding an
// offer for a request round that is not among the demands is left alone
// (it is busy with something outside this plan); a demand's pending offer
// counts only if its volunteer is among the supplies. The instant path
// plans a neighbourhood: include the demands whose offers are held by the
// volunteers it includes, and the offered volunteers of its demands.
//
// Both rounds: the rounds are solved in turn. For a BothRounds demand the
// preferred volunteers are its Partner, the volunteer this plan gave the
// same request in an earlier round, and (looking ahead) any volunteer who
// could also serve the request in its other round. A joint model of both
// rounds is not a flow problem; the bonus makes the common case (one
// volunteer free both Sundays near the bureau) come out as one pair.
//
// Exactness. By default (MaxCandidates 0) a round with at most 20 million
// valid pairs, national scale included, is solved on the graph of every
// valid pair: the result is exact. Beyond that, or with MaxCandidates > 0,
// the graph is sparse: per demand its K best pairs (pseudo-random among
// equal costs) plus its current and preferred volunteers and the farthest
// pair in each of 8 directions (maximum matchings on geographic graphs use
// long chains), and per supply its K/2 best demands. Rounds of at most
// 300,000 pairs are then still made exact (full-view augmentations and
// pricing); larger ones are exact on the sparse graph only: at 100,000 ×
// 100,000 over the real communes with K = 24 it serves 7 requests fewer
// than the optimum (98,198 vs 98,205) for 3.5% more travel.
//
// Cost: about O(pairs) to build the graph, then a maximum matching
// (depth-first phases, then push-relabel) and one local Dijkstra per node
// still unmatched after a greedy start, one after the other. On the graph
// of every pair, interchangeable people are first aggregated into groups
// (plan_group.go) when that pays:
// the Dijkstras then run on the groups' transportation problem, exact as
// well, and much smaller when people crowd on few points; sparse graphs
// are solved on slots (plan_assign.go).
func Plan(demands []Demand, supplies []Supply, opt Options) []Assignment {
	p, rounds, byRound, supByRound := newPlanner(demands, supplies, opt)
	var out []Assignment
	for i, r := range rounds {
		n := len(out)
		out = p.solveRound(byRound[r], supByRound[r], out)
		if i == len(rounds)-1 {
			break // no later round looks at this one's choices
		}
		for _, a := range out[n:] {
			p.chosen[dkey{a.RequestID, a.Round}] = a.VolunteerID
		}
	}
	return out
}

// newPlanner indexes Plan's input: the rounds ascending, each round's
// demands and usable supplies.
func newPlanner(demands []Demand, supplies []Supply, opt Options) (p *planner, rounds []int, byRound, supByRound map[int][]int32) {
	opt = opt.withDefaults()
	// Sized up front: growing the maps of a national batch (100,000
	// demands, 200,000 supplies) rehashes them several times over.
	p = &planner{opt: opt, demandAt: make(map[dkey]int32, len(demands)), supplyAt: make(map[skey]int32, len(supplies)),
		chosen: map[dkey]int64{}, demands: demands, supplies: supplies}
	// The two indexes at once: a supply reads the demands' only when it
	// holds an offer.
	var demandsIndexed sync.WaitGroup
	demandsIndexed.Add(1)
	byRound = map[int][]int32{}
	go func() {
		defer demandsIndexed.Done()
		for i := range demands {
			d := &demands[i]
			k := dkey{d.RequestID, d.Round}
			if _, dup := p.demandAt[k]; dup {
				continue
			}
			p.demandAt[k] = int32(i)
			if _, ok := byRound[d.Round]; !ok {
				rounds = append(rounds, d.Round)
			}
			byRound[d.Round] = append(byRound[d.Round], int32(i))
		}
	}()
	waited := false
	supByRound = map[int][]int32{}
	for i := range supplies {
		s := &supplies[i]
		k := skey{s.VolunteerID, s.Round}
		if _, dup := p.supplyAt[k]; dup {
			continue
		}
		if s.Offered != 0 {
			if !waited {
				demandsIndexed.Wait()
				waited = true
			}
			if _, ok := p.demandAt[dkey{s.Offered, s.Round}]; !ok {
				continue // busy outside this plan
			}
		}
		if s.capacity() <= 0 {
			continue
		}
		p.supplyAt[k] = int32(i)
		supByRound[s.Round] = append(supByRound[s.Round], int32(i))
	}
	demandsIndexed.Wait()
	slices.Sort(rounds)
	if len(rounds) > 1 {
		p.chosen = make(map[dkey]int64, len(demands))
	}
	return p, rounds, byRound, supByRound
}

func (s *Supply) capacity() int {
	if s.Capacity == 0 {
		return MaxProxiesPerRound
	}
	return s.Capacity
}

type dkey struct {
	req   int64
	round int
}

type skey struct {
	vol   int64
	round int
}

type planner struct {
	opt      Options
	demands  []Demand
	supplies []Supply
	demandAt map[dkey]int32
	supplyAt map[skey]int32
	chosen   map[dkey]int64 // volunteer planned for a request round already solved
}

// preferred reports whether v is a preferred volunteer for the BothRounds
// demand d (see Plan).
func (p *planner) preferred(d *Demand, v int64) bool {
	if !d.BothRounds || p.opt.SameVolunteerBonus == 0 {
		return false
	}
	if d.Partner == v {
		return true
	}
	for _, r := range []int{d.Round - 1, d.Round + 1} {
		k := dkey{d.RequestID, r}
		if c, ok := p.chosen[k]; ok {
			if c == v {
				return true
			}
			continue
		}
		di, ok := p.demandAt[k]
		if !ok || r < d.Round {
			continue
		}
		// Look ahead: v could also serve the request's later round.
		si, ok := p.supplyAt[skey{v, r}]
		if !ok {
			continue
		}
		if _, _, ok := pairCost(&p.demands[di], &p.supplies[si], p.opt.GlobalMaxKm); ok {
			return true
		}
	}
	return false
}

func (p *planner) solveRound(ds, ss []int32, out []Assignment) []Assignment {
	if len(ds) == 0 || len(ss) == 0 {
		return out
	}
	demands := p.demands
	// Oldest first: the searches run in this order, which breaks ties in
	// favour of older requests.
	slices.SortFunc(ds, byAge(demands))
	C, B := p.opt.ChangeCost, p.opt.SameVolunteerBonus
	// Internal cost of a pair, doubled so that a change costs ChangeCost+½:
	// 2*(cost + C*[not the current offer] + B*[not preferred]) + [not current].
	// C and B are added to every pair but the current/preferred ones: the
	// number of served demands being fixed (maximum), this is the same as
	// subtracting them from the kept/preferred pairs.
	icOf := func(d *Demand, s *Supply, c int64) (int64, bool) {
		current := d.Offered != 0 && d.Offered == s.VolunteerID
		pref := p.preferred(d, s.VolunteerID)
		ic := c
		if !current {
			ic += C
		}
		if !pref {
			ic += B
		}
		ic *= 2
		if !current {
			ic++
		}
		return ic, current || pref
	}
	K := p.opt.MaxCandidates
	pl := p.places(ds, ss)
	var supplyOf []int32
	overBudget := false
	if K <= 0 && !p.opt.slots && !p.opt.stress {
		budget := int64(0) // K < 0: every pair, always
		if K == 0 {
			budget = pairBudget
		}
		supplyOf, overBudget = p.groupRound(ds, ss, pl, budget, icOf)
	}
	if supplyOf == nil {
		supplyOf = p.slotRound(ds, ss, pl, K, overBudget, icOf)
	}
	out = p.assignments(ds, ss, supplyOf, out)
	return out
}

// assignments appends to out the pairs of supplyOf (the supply, index
// into ss, of each demand, index into ds; -1: unserved).
func (p *planner) assignments(ds, ss []int32, supplyOf []int32, out []Assignment) []Assignment {
	// Two halves at once on a large round (a batch's 100,000 pairs read
	// people all over memory).
	cut := []int{0, len(supplyOf)}
	if len(supplyOf) >= 1<<14 {
		cut = []int{0, len(supplyOf) / 2, len(supplyOf)}
	}
	halves := len(cut) - 1
	at := make([]int, halves+1) // where each half's pairs go in out
	at[0] = len(out)
	for h := range halves {
		at[h+1] = at[h]
		for _, sj := range supplyOf[cut[h]:cut[h+1]] {
			if sj >= 0 {
				at[h+1]++
			}
		}
	}
	out = slices.Grow(out, at[halves]-len(out))[:at[halves]]
	inParallel(halves, func(h int) {
		k := at[h]
		for di := cut[h]; di < cut[h+1]; di++ {
			sj := supplyOf[di]
			if sj < 0 {
				continue
			}
			d := &p.demands[ds[di]]
			s := &p.supplies[ss[sj]]
			c, km, _ := pairCost(d, s, p.opt.GlobalMaxKm)
			out[k] = Assignment{RequestID: d.RequestID, Round: d.Round, VolunteerID: s.VolunteerID, Cost: c, Km: km}
			k++
		}
	})
	return out
}

// slotRound solves a round on the slot graph (plan_assign.go): every pair
// when the budget allows (overBudget: the groups found it does not), else
// the sparse graph. It returns the supply (index into ss) serving each
// demand (index into ds, -1: unserved).
func (p *planner) slotRound(ds, ss []int32, pl roundPlaces, K int, overBudget bool, icOf icFunc) []int32 {
	var rg *roundGraph
	switch {
	case K < 0:
		rg = p.newRoundGraph(ds, ss, pl, -1, 0, icOf)
	case K == 0: // every pair if the memory budget allows
		if !overBudget {
			rg = p.newRoundGraph(ds, ss, pl, -1, pairBudget, icOf)
		}
		if rg == nil {
			rg = p.newRoundGraph(ds, ss, pl, defaultCandidates, 0, icOf)
		}
	default:
		rg = p.newRoundGraph(ds, ss, pl, K, 0, icOf)
	}
	mate := rg.solve(rg.complete || rg.totalPairs <= int64(p.opt.exactPairs))
	for di, x := range mate {
		if x >= 0 {
			mate[di] = rg.slotSupply[x]
		}
	}
	return mate
}

// mix is a deterministic hash of a pair (splitmix64 finaliser), used to
// spread ties: demands at the same place must not all keep the same K
// equally good volunteers.
func mix(a, b int64) uint64 {
	x := uint64(a)*0x9E3779B97F4A7C15 ^ uint64(b)
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return x
}
