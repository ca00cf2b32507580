package proxies

// The matching engine: pure Go, no database. It scores request/volunteer
// pairs, builds the candidate graph with a spatial grid, and solves an
// exact min-cost maximum matching on it (plan_assign.go, and on the graph
// of every pair plan_group.go: interchangeable people aggregated). See Plan
// for the objective.

import (
	"math"
	"slices"
	"sort"

	"scrutin/logistics/places"
)

// MaxProxiesPerRound is how many proxies one volunteer may carry per round:
// Code électoral L73 allows one established in France (DOMAIN.md §2). Every
// capacity in the matching derives from it.
const MaxProxiesPerRound = 1

// Demand is one round of one proxy request still to serve (or served by an
// unanswered offer).
type Demand struct {
	RequestID int64
	Round     int
	Commune   string       // INSEE code of the mandant's polling place
	Bureau    string       // bureau code, "" when unknown
	At        places.Point // bureau coordinates, else commune's
	Seq       int64        // age rank: smaller = older (older requests win ties when volunteers are scarce)
	Declined  []int64      // volunteers who declined/expired this request: never offer again
	Offered   int64        // volunteer holding an unanswered (pending) offer for this demand, 0 if none
	// BothRounds: the request needs rounds 1 and 2: prefer one volunteer
	// for both (see Plan).
	BothRounds bool
	// Partner is the volunteer already carrying (accepted) the request's
	// other round, 0 if none: with BothRounds, preferred for this round.
	Partner int64
}

// Supply is one round of one volunteer with capacity left.
type Supply struct {
	VolunteerID int64
	Round       int
	Commune     string
	Bureau      string
	At          places.Point
	// MaxKm is the volunteer's own travel limit. A volunteer always
	// accepts requests of their own commune (MaxKm 0 = "my commune
	// only"); the global cap applies to everyone. Negative: no own limit.
	MaxKm   float64
	Offered int64 // request this supply holds an unanswered offer for, 0 if none (mirror of Demand.Offered)
	// Capacity is how many more proxies this volunteer can take this
	// round, counting the unanswered offer it holds; 0 means
	// MaxProxiesPerRound.
	Capacity int
}

// Options tune the matching. Zero values take the defaults.
type Options struct {
	GlobalMaxKm float64 // cap on any pair's distance, default 20
	// ChangeCost is the price of not keeping an unanswered offer (moving
	// it to another volunteer, or withdrawing it), default 5. Plan adds
	// half a point per change so that ties keep the current offers.
	ChangeCost int64
	// MaxCandidates chooses the graph. 0 (default): every valid pair when
	// a round has at most 20 million (about 500 MB), else a sparse graph
	// with 24 candidates per demand. K > 0: a sparse graph with the K best
	// candidates per demand (see Plan). Negative: every pair, always.
	MaxCandidates int
	// SameVolunteerBonus is how much cost a BothRounds request accepts to
	// keep one volunteer for both rounds, default 3 (3 km). Negative:
	// no preference.
	SameVolunteerBonus int64
	// Settled, when set, receives assignments as soon as they are final,
	// before Plan returns, on another goroutine (Plan's result still lists
	// them): a caller can write them while the rest is solved. The grouped
	// solver settles its abundant part (plan_group.go) that way.
	Settled func([]Assignment)
	// Saturated, when set, receives before a round is solved volunteers
	// its plan is sure to give new offers to in that round, once per
	// offer: those of the scarce part of a grouped round (plan_group.go),
	// whose capacity every maximum plan uses, leaving out anyone holding
	// an offer (it may be kept). Called on Plan's goroutine; a caller can
	// prepare their messages' links meanwhile.
	Saturated func(round int, volunteers []int64)

	// exactPairs: rounds with at most this many valid pairs are solved
	// exactly over all pairs (default exactPairsDefault; -1: never, for
	// tests of the sparse path).
	exactPairs int
	// stress: the path of large instances (push-relabel after one
	// depth-first phase) on any instance, on the slot solver (tests).
	stress bool
	// slots: complete graphs too are solved by the slot solver
	// (plan_assign.go) rather than by groups (plan_group.go); groups:
	// by groups even when they save little (see groupGain) (tests).
	slots, groups bool
	// noHubs: the scarce part's searches scan every arc (hubView) (tests).
	noHubs bool
}

// exactPairsDefault: with a sparse graph, rounds with at most this many
// valid pairs (any neighbourhood the instant path plans) are still solved
// exactly over all pairs (augmentations and pricing on the full view).
const exactPairsDefault = 300_000

// pairBudget: by default, rounds with at most this many valid pairs are
// solved on the graph of every pair (8 bytes a pair, about three copies).
const pairBudget = 20_000_000

// defaultCandidates: the sparse graph's K beyond pairBudget.
const defaultCandidates = 24

func (o Options) withDefaults() Options {
	if o.GlobalMaxKm <= 0 {
		o.GlobalMaxKm = 20
	}
	if o.ChangeCost <= 0 {
		o.ChangeCost = 5
	}
	if o.SameVolunteerBonus == 0 {
		o.SameVolunteerBonus = 3
	}
	if o.SameVolunteerBonus < 0 {
		o.SameVolunteerBonus = 0
	}
	// Costs are kept in 32 bits inside the solver.
	o.ChangeCost = min(o.ChangeCost, 1<<20)
	o.SameVolunteerBonus = min(o.SameVolunteerBonus, 1<<20)
	o.GlobalMaxKm = min(o.GlobalMaxKm, 1<<20)
	if o.exactPairs == 0 {
		o.exactPairs = exactPairsDefault
	}
	return o
}

// Assignment is one planned offer. Cost is the pair's score (Cost), Km
// the distance between the volunteer and the request's place.
type Assignment struct {
	RequestID   int64
	Round       int
	VolunteerID int64
	Cost        int64
	Km          float64
}

// Candidate is a supply ranked for one demand.
type Candidate struct {
	Supply
	Cost int64
	Km   float64
}

// Cost scores a pair: 0 same bureau, 1 same commune, else 2+round(km).
// ok is false when the pair is not a candidate: different round, beyond
// the global cap or the volunteer's own limit, or a volunteer who declined
// (or let expire) this request. The same person on both sides is the
// caller's to exclude.
func Cost(d Demand, s Supply, opt Options) (cost int64, ok bool) {
	c, _, ok := pairCost(&d, &s, opt.withDefaults().GlobalMaxKm)
	return c, ok
}

func pairCost(d *Demand, s *Supply, globalMaxKm float64) (cost int64, km float64, ok bool) {
	if d.Round != s.Round || slices.Contains(d.Declined, s.VolunteerID) {
		return 0, 0, false
	}
	km = places.DistanceKm(d.At, s.At)
	return scoreKm(d, s, km, globalMaxKm)
}

// scoreKm is Cost once the distance is known.
func scoreKm(d *Demand, s *Supply, km, globalMaxKm float64) (int64, float64, bool) {
	sameCommune := d.Commune != "" && d.Commune == s.Commune
	sameBureau := sameCommune && d.Bureau != "" && d.Bureau == s.Bureau
	c, ok := score(sameCommune, sameBureau, s.MaxKm, km, globalMaxKm)
	return c, km, ok
}

// score is the one scoring rule (Cost, Candidates, Plan).
func score(sameCommune, sameBureau bool, maxKm, km, globalMaxKm float64) (int64, bool) {
	if km > globalMaxKm || !sameCommune && maxKm >= 0 && km > maxKm {
		return 0, false
	}
	switch {
	case sameBureau:
		return 0, true
	case sameCommune:
		return 1, true
	}
	return 2 + int64(math.Round(km)), true
}

// Candidates ranks the supplies for one demand with the scoring of Plan
// (cost, then distance, then volunteer id), at most limit (limit <= 0: all).
func Candidates(d Demand, supplies []Supply, opt Options, limit int) []Candidate {
	g := opt.withDefaults().GlobalMaxKm
	var out []Candidate
	for i := range supplies {
		if c, km, ok := pairCost(&d, &supplies[i], g); ok {
			out = append(out, Candidate{Supply: supplies[i], Cost: c, Km: km})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Cost != b.Cost {
			return a.Cost < b.Cost
		}
		if a.Km != b.Km {
			return a.Km < b.Km
		}
		return a.VolunteerID < b.VolunteerID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Diff compares the current offers with a plan: add are the planned pairs
// not already offered, remove the current pairs the plan does not keep
// (a request round whose volunteer changes appears in both).
func Diff(current, planned []Assignment) (add, remove []Assignment) {
	type key struct {
		req   int64
		round int
		vol   int64
	}
	// kept: the current pairs, true once planned too (the map holds the
	// few current offers, not the whole plan).
	kept := make(map[key]bool, len(current))
	for _, a := range current {
		kept[key{a.RequestID, a.Round, a.VolunteerID}] = false
	}
	add = make([]Assignment, 0, len(planned))
	for _, a := range planned {
		k := key{a.RequestID, a.Round, a.VolunteerID}
		if _, cur := kept[k]; cur {
			kept[k] = true
		} else {
			add = append(add, a)
		}
	}
	for _, a := range current {
		if !kept[key{a.RequestID, a.Round, a.VolunteerID}] {
			remove = append(remove, a)
		}
	}
	return add, remove
}
