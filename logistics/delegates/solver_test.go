package delegates

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"scrutin/logistics/places"
)

// randomProblem makes a small round: a few bureaux in two or three communes
// (one of them in another département), a few volunteers with random roles,
// travel limits, preferences and seats held before the run.
func randomProblem(r *rand.Rand, maxBureaux, maxPeople int) *Problem {
	type bureau struct {
		commune, code string
		order         int
		pt            places.Point
	}
	communes := []string{"04070", "04112", "05061"}[:1+r.Intn(3)]
	var bs []bureau
	for ci, c := range communes {
		n := 1 + r.Intn(3)
		for b := 0; b < n; b++ {
			bs = append(bs, bureau{c, fmt.Sprint(b + 1), b, places.Point{Lat: 44 + float64(ci)*0.08 + r.Float64()*0.02, Lon: 6 + r.Float64()*0.02}})
		}
	}
	if len(bs) > maxBureaux {
		bs = bs[:maxBureaux]
	}
	p := &Problem{MaxPerDelegue: 1 + r.Intn(3)}
	for _, b := range bs {
		pt := b.pt
		prio := 1 + r.Intn(3)
		for _, role := range Roles {
			if r.Intn(3) > 0 {
				p.Seats = append(p.Seats, OpenSeat{Commune: b.commune, Bureau: b.code, Role: role, Priority: prio, Point: &pt, Order: b.order})
			}
		}
	}
	n := 1 + r.Intn(maxPeople)
	for i := 0; i < n; i++ {
		home := bs[r.Intn(len(bs))]
		pt := home.pt
		c := Candidate{ID: int64(i + 1), Commune: home.commune, Bureau: home.code, Point: &pt}
		switch r.Intn(4) {
		case 0:
			zero := 0.0
			c.MaxKm = &zero
		case 1:
		default:
			km := []float64{3, 7.5, 30}[r.Intn(3)] // a tenth of a km counts
			c.MaxKm = &km
		}
		for _, role := range Roles {
			if r.Intn(2) == 0 {
				c.Roles = append(c.Roles, role)
			}
		}
		if len(c.Roles) == 0 {
			c.Roles = []Role{Roles[r.Intn(4)]}
		}
		if r.Intn(4) == 0 {
			b := bs[r.Intn(len(bs))]
			c.Preferred = []string{b.commune + "_" + b.code}
		}
		p.People = append(p.People, c)
	}
	// Seats held before: a valid earlier assignment (greedy), so that held
	// seats look like a real previous run.
	if len(p.Seats) > 0 {
		prev := Solve(&Problem{Seats: p.Seats, People: p.People[:len(p.People)/2+1], MaxPerDelegue: p.MaxPerDelegue})
		for si, h := range prev.Holder {
			if h >= 0 && r.Intn(2) == 0 {
				p.People[h].Held = append(p.People[h].Held, si)
			}
		}
	}
	// Bureaux staff took back from some (not drawn from r, so that the
	// instances are the ones drawn before removals existed).
	for i := range p.People {
		c := &p.People[i]
		b := bs[(i*3+len(p.Seats))%len(bs)]
		id := b.commune + "_" + b.code
		if (i*7+len(p.Seats))%5 == 0 && !slices.ContainsFunc(c.Held, func(si int) bool { return p.Seats[si].Commune+"_"+p.Seats[si].Bureau == id }) {
			c.Removed = []string{id}
		}
	}
	return p
}

// ruleOptions lists what each person may take under the rules themselves,
// written apart from the solver: nothing, one assesseur seat, or up to K
// délégué seats of one commune and one délégué role (so one per bureau).
func ruleOptions(p *Problem) [][][]int {
	k := p.k()
	reach := func(c *Candidate, s *OpenSeat) bool {
		if !slices.Contains(c.Roles, s.Role) || places.Departement(c.Commune) != places.Departement(s.Commune) ||
			slices.Contains(c.Removed, s.Commune+"_"+s.Bureau) {
			return false
		}
		switch {
		case c.MaxKm != nil && *c.MaxKm == 0:
			return s.Commune == c.Commune && s.Bureau == c.Bureau
		case c.MaxKm == nil:
			return s.Commune == c.Commune
		default:
			return s.Commune == c.Commune || places.DistanceKm(*c.Point, *s.Point) <= *c.MaxKm+1e-9
		}
	}
	options := make([][][]int, len(p.People))
	for i := range p.People {
		c := &p.People[i]
		var dl []int
		for si := range p.Seats {
			s := &p.Seats[si]
			if !reach(c, s) {
				continue
			}
			if s.Role.Assesseur() {
				options[i] = append(options[i], []int{si})
			} else {
				dl = append(dl, si)
			}
		}
		// Every subset of délégué seats: one commune, one role, one per
		// bureau, <= k.
		var rec func(from int, set []int)
		rec = func(from int, set []int) {
			if len(set) > 0 {
				options[i] = append(options[i], slices.Clone(set))
			}
			if len(set) == k {
				return
			}
		next:
			for b := from; b < len(dl); b++ {
				s := p.Seats[dl[b]]
				for _, o := range set {
					if p.Seats[o].Commune != s.Commune || p.Seats[o].Role != s.Role || p.Seats[o].Bureau == s.Bureau {
						continue next
					}
				}
				rec(b+1, append(set, dl[b]))
			}
		}
		rec(0, nil)
	}
	return options
}

// bruteRules enumerates every assignment the rules allow (each person takes
// one of their ruleOptions, no seat twice) and returns the best objective.
func bruteRules(p *Problem) Objective {
	options := ruleOptions(p)
	holder := make([]int, len(p.Seats))
	for i := range holder {
		holder[i] = -1
	}
	best := Objective{Priority: -1}
	var rec func(i int)
	rec = func(i int) {
		if i == len(p.People) {
			s := &Solution{Holder: holder}
			s.score(p)
			if o := s.Objective(); o.Better(best) {
				best = o
			}
			return
		}
		rec(i + 1)
	next:
		for _, set := range options[i] {
			for _, s := range set {
				if holder[s] >= 0 {
					continue next
				}
			}
			for _, s := range set {
				holder[s] = i
			}
			rec(i + 1)
			for _, s := range set {
				holder[s] = -1
			}
		}
	}
	rec(0)
	return best
}

// bruteDP is bruteRules by dynamic programming over the people (state: the
// set of seats taken), for instances too large to enumerate: the objective
// is a sum over (person, seat) and its order is lexicographic, so the best
// completion of a state does not depend on how it was reached.
func bruteDP(p *Problem) Objective {
	if len(p.Seats) > 64 {
		panic("bruteDP: too many seats")
	}
	options := ruleOptions(p)
	states := map[uint64]Objective{0: {}}
	for i := range p.People {
		c := &p.People[i]
		pref := prefSet(c.Preferred)
		type opt struct {
			mask uint64
			o    Objective
		}
		var opts []opt
		for _, set := range options[i] {
			var x opt
			for _, si := range set {
				s := &p.Seats[si]
				x.mask |= 1 << uint(si)
				x.o.Priority += s.Priority
				if s.Role.Titulaire() {
					x.o.Titulaires++
				}
				if slices.Contains(c.Held, si) {
					x.o.Kept++
				}
				x.o.TravelKm += travelKm(c, s, pref)
			}
			opts = append(opts, x)
		}
		next := make(map[uint64]Objective, len(states))
		for mask, o := range states {
			if q, ok := next[mask]; !ok || o.Better(q) {
				next[mask] = o
			}
			for _, x := range opts {
				if mask&x.mask != 0 {
					continue
				}
				n := Objective{Priority: o.Priority + x.o.Priority, Titulaires: o.Titulaires + x.o.Titulaires, Kept: o.Kept + x.o.Kept, TravelKm: o.TravelKm + x.o.TravelKm}
				if q, ok := next[mask|x.mask]; !ok || n.Better(q) {
					next[mask|x.mask] = n
				}
			}
		}
		states = next
	}
	best := Objective{Priority: -1}
	for _, o := range states {
		if o.Better(best) {
			best = o
		}
	}
	return best
}

// The solver against exhaustive enumeration of the rules on small
// instances: equal objective on every one.
func TestSolverAgainstUnrestrictedRules(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	const instances = 1000
	branched := 0
	for n := 0; n < instances; n++ {
		p := randomProblem(r, 4, 4)
		s := Solve(p)
		checkRules(t, p, s)
		got := s.Objective()
		want := bruteRules(p)
		if got != want {
			t.Fatalf("instance %d: solver %+v, every rule-abiding assignment %+v", n, got, want)
		}
		if dp := bruteDP(p); dp != want {
			t.Fatalf("instance %d: dynamic programming %+v, enumeration %+v", n, dp, want)
		}
		if s.Unproven != 0 {
			t.Fatalf("instance %d: %d components unproven", n, s.Unproven)
		}
		branched += s.Branched
	}
	t.Logf("%d instances, all optimal; %d components solved by branching", instances, branched)
}

// The solver against dynamic programming over the rules on larger
// instances (up to 9 bureaux, 36 seats, 9 people).
func TestSolverMatchesBruteForce(t *testing.T) {
	for _, tc := range []struct {
		name            string
		bureaux, people int
		instances       int
	}{
		{"tiny", 3, 4, 1000},
		{"small", 5, 5, 1000},
		{"more bureaux", 9, 5, 1000},
		{"more people", 5, 8, 500},
		{"large", 9, 9, 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewSource(int64(len(tc.name))))
			branched, nodes := 0, 0
			for n := 0; n < tc.instances; n++ {
				p := randomProblem(r, tc.bureaux, tc.people)
				got := Solve(p)
				checkRules(t, p, got)
				want := bruteDP(p)
				if o := got.Objective(); o != want {
					t.Fatalf("instance %d: solver %+v, brute force %+v", n, o, want)
				}
				if got.Unproven != 0 {
					t.Fatalf("instance %d: %d components unproven", n, got.Unproven)
				}
				branched += got.Branched
				nodes += got.Nodes
			}
			t.Logf("%d instances, all optimal; %d components solved by branching, %d relaxations", tc.instances, branched, nodes)
		})
	}
}

// checkRules verifies every hard rule on a solution.
func checkRules(t *testing.T, p *Problem, s *Solution) {
	t.Helper()
	k := p.k()
	type pb struct {
		person int
		bureau string
	}
	perBureau := map[pb]int{}
	assesseur := map[int]int{}
	delegue := map[int]int{}
	delegueCommune := map[int]string{}
	delegueRole := map[int]Role{}
	for si, h := range s.Holder {
		if h < 0 {
			continue
		}
		seat, c := p.Seats[si], p.People[h]
		if !slices.Contains(c.Roles, seat.Role) {
			t.Fatalf("seat %d: person %d does not accept %s", si, h, seat.Role)
		}
		if places.Departement(c.Commune) != places.Departement(seat.Commune) {
			t.Fatalf("seat %d: person %d votes in another département", si, h)
		}
		if slices.Contains(c.Removed, seat.Commune+"_"+seat.Bureau) {
			t.Fatalf("seat %d: staff took %s_%s back from person %d", si, seat.Commune, seat.Bureau, h)
		}
		switch {
		case c.MaxKm != nil && *c.MaxKm == 0:
			if seat.Commune != c.Commune || seat.Bureau != c.Bureau {
				t.Fatalf("seat %d: person %d only serves their own bureau", si, h)
			}
		case c.MaxKm == nil:
			if seat.Commune != c.Commune {
				t.Fatalf("seat %d: person %d only serves their own commune", si, h)
			}
		default:
			if seat.Commune != c.Commune && places.DistanceKm(*c.Point, *seat.Point) > *c.MaxKm+1e-9 {
				t.Fatalf("seat %d: person %d beyond %g km", si, h, *c.MaxKm)
			}
		}
		key := pb{h, seat.Commune + "_" + seat.Bureau}
		perBureau[key]++
		if perBureau[key] > 1 {
			t.Fatalf("person %d holds two seats in %s", h, key.bureau)
		}
		if seat.Role.Assesseur() {
			assesseur[h]++
		} else {
			delegue[h]++
			if prev, ok := delegueCommune[h]; ok && prev != seat.Commune {
				t.Fatalf("person %d is délégué in %s and %s", h, prev, seat.Commune)
			}
			delegueCommune[h] = seat.Commune
			if prev, ok := delegueRole[h]; ok && prev != seat.Role {
				t.Fatalf("person %d is %s and %s", h, prev, seat.Role)
			}
			delegueRole[h] = seat.Role
		}
	}
	for h, n := range assesseur {
		if n > 1 || delegue[h] > 0 {
			t.Fatalf("assesseur %d holds %d assesseur and %d délégué seats", h, n, delegue[h])
		}
	}
	for h, n := range delegue {
		if n > k {
			t.Fatalf("délégué %d covers %d bureaux (max %d)", h, n, k)
		}
	}
}

// polish against dynamic programming over the rules: from the grouped
// assignment (the incumbent of the components the search cannot prove),
// it keeps every rule, never does worse, and never beats the optimum.
func TestPolishImprovesGroupedAssignment(t *testing.T) {
	for _, tc := range []struct {
		name            string
		bureaux, people int
		instances       int
	}{
		{"small", 5, 6, 1000},
		{"large", 9, 9, 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewSource(int64(17 + len(tc.name))))
			improved := 0
			for n := 0; n < tc.instances; n++ {
				p := randomProblem(r, tc.bureaux, tc.people)
				sv := newSolver(p)
				taken := make([]arc, len(p.People))
				for i := range taken {
					taken[i].job = -1
				}
				cs := newCompSolver(sv, newGrouped(sv), taken)
				// Every person and seat at once: polish needs no
				// connected component, only seats and who may take them.
				people, seats := make([]int32, len(p.People)), make([]int32, len(p.Seats))
				for i := range people {
					people[i] = int32(i)
				}
				for s := range seats {
					seats[s] = int32(s)
				}
				grouped := &Solution{Holder: make([]int, len(p.Seats))}
				for s := range grouped.Holder {
					grouped.Holder[s] = -1
				}
				cs.solveGroupedModel(people, seats)
				cs.writeGrouped(people, grouped.Holder)
				grouped.score(p)
				polished := &Solution{Holder: slices.Clone(grouped.Holder)}
				cs.polish(people, seats, polished.Holder)
				polished.score(p)
				checkRules(t, p, polished)
				before, after, best := grouped.Objective(), polished.Objective(), bruteDP(p)
				if before.Better(after) {
					t.Fatalf("instance %d: polish made %+v of %+v", n, after, before)
				}
				if after.Better(best) {
					t.Fatalf("instance %d: polish %+v beats the optimum %+v", n, after, best)
				}
				if after.Better(before) {
					improved++
				}
			}
			t.Logf("%d instances: polish improved the grouped assignment on %d", tc.instances, improved)
		})
	}
}
