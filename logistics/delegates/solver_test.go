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
			zero := 0
			c.MaxKm = &zero
		case 1:
		default:
			km := []int{3, 10, 30}[r.Intn(3)]
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
	return p
}

// bruteJobs enumerates every assignment of people to jobs (the solver's
// model) and returns the best objective.
func bruteJobs(p *Problem) Objective {
	sv := newSolver(p)
	sc := sv.newScratch()
	options := make([][]arc, len(p.People))
	for i := range p.People {
		options[i] = slices.Clone(sv.arcsOf(i, sc))
	}
	holder := make([]int, len(p.Seats))
	for i := range holder {
		holder[i] = -1
	}
	usedJob := make([]bool, len(sv.jobs))
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
		for _, a := range options[i] {
			if usedJob[a.job] {
				continue
			}
			usedJob[a.job] = true
			for bit, s := range sv.jobs[a.job].seats {
				if a.mask&(1<<uint(bit)) != 0 {
					holder[s] = i
				}
			}
			rec(i + 1)
			for _, s := range sv.jobs[a.job].seats {
				if holder[s] == i {
					holder[s] = -1
				}
			}
			usedJob[a.job] = false
		}
	}
	rec(0)
	return best
}

// bruteRules enumerates every assignment allowed by the rules themselves,
// without the solver's délégué groups: each person takes one assesseur
// seat, or up to K délégué seats of one commune (one per bureau).
func bruteRules(p *Problem) Objective {
	k := p.k()
	reach := func(c *Candidate, s *OpenSeat) bool {
		if !slices.Contains(c.Roles, s.Role) || places.Departement(c.Commune) != places.Departement(s.Commune) {
			return false
		}
		switch {
		case c.MaxKm != nil && *c.MaxKm == 0:
			return s.Commune == c.Commune && s.Bureau == c.Bureau
		case c.MaxKm == nil:
			return s.Commune == c.Commune
		default:
			return s.Commune == c.Commune || places.DistanceKm(*c.Point, *s.Point) <= float64(*c.MaxKm)+1e-9
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
		// Every subset of délégué seats: one commune, one per bureau, <= k.
		for m := 1; m < 1<<len(dl); m++ {
			var set []int
			ok := true
			for b := range dl {
				if m&(1<<b) == 0 {
					continue
				}
				s := p.Seats[dl[b]]
				for _, o := range set {
					if p.Seats[o].Commune != s.Commune || p.Seats[o].Bureau == s.Bureau {
						ok = false
					}
				}
				set = append(set, dl[b])
			}
			if ok && len(set) <= k {
				options[i] = append(options[i], set)
			}
		}
	}
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

func TestSolverMatchesBruteForce(t *testing.T) {
	for _, tc := range []struct {
		name            string
		bureaux, people int
		instances       int
	}{
		{"tiny", 3, 4, 500},
		{"small", 5, 5, 500},
		{"more bureaux", 7, 4, 300},
		{"more people", 4, 6, 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewSource(int64(len(tc.name))))
			for n := 0; n < tc.instances; n++ {
				p := randomProblem(r, tc.bureaux, tc.people)
				got := Solve(p)
				checkRules(t, p, got)
				want := bruteJobs(p)
				if o := got.Objective(); o != want {
					t.Fatalf("instance %d: solver %+v, brute force %+v", n, o, want)
				}
			}
		})
	}
}

// TestSolverAgainstUnrestrictedRules compares with the best assignment the
// rules allow when délégués may pick any bureaux of one commune: the solver
// (fixed délégué groups) never does better — it would break a rule — and
// its coverage is measured, not assumed.
func TestSolverAgainstUnrestrictedRules(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	const instances = 300
	samePriority, same := 0, 0
	for n := 0; n < instances; n++ {
		p := randomProblem(r, 4, 4)
		got := Solve(p).Objective()
		best := bruteRules(p)
		if got.Better(best) {
			t.Fatalf("instance %d: solver %+v beats every rule-abiding assignment %+v", n, got, best)
		}
		if got.Priority == best.Priority {
			samePriority++
		}
		if got == best {
			same++
		}
	}
	t.Logf("%d instances: same weighted coverage as the unrestricted optimum in %d, same objective in %d", instances, samePriority, same)
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
			if seat.Commune != c.Commune && places.DistanceKm(*c.Point, *seat.Point) > float64(*c.MaxKm)+1e-9 {
				t.Fatalf("seat %d: person %d beyond %d km", si, h, *c.MaxKm)
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
