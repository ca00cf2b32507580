package delegates

import (
	"fmt"
	"math/rand"
	"testing"

	"scrutin/logistics/places"
)

// Every hard rule on large random instances: hundreds of bureaux in a few
// départements, volunteers with every mix of roles and travel limits, and
// seats held before the run; then a re-run on the result moves nobody.
func TestSolverLargeInstancesKeepEveryRule(t *testing.T) {
	for _, tc := range []struct {
		name             string
		communes, people int
		maxPerDelegue    int
		seed             int64
	}{
		{"shortage", 120, 900, 3, 1},
		{"plenty", 60, 1500, 3, 2},
		{"one bureau per délégué", 80, 1000, 1, 3},
		{"délégués cover five", 80, 1000, 5, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewSource(tc.seed))
			p := largeProblem(r, tc.communes, tc.people, tc.maxPerDelegue)
			first := Solve(p)
			checkRules(t, p, first)
			if first.Covered == 0 {
				t.Fatal("nothing covered")
			}
			// Re-run with the result as the seats held: nothing moves.
			for i := range p.People {
				p.People[i].Held = nil
			}
			for si, h := range first.Holder {
				if h >= 0 {
					p.People[h].Held = append(p.People[h].Held, si)
				}
			}
			again := Solve(p)
			checkRules(t, p, again)
			if again.Moved != 0 || again.Objective().Priority != first.Objective().Priority || again.TravelKm != first.TravelKm {
				t.Fatalf("re-run moved %d seats: %+v then %+v", again.Moved, first.Objective(), again.Objective())
			}
			t.Logf("%d seats, %d people: %d covered, %d components (%d searched by branching, %d not proven optimal)",
				len(p.Seats), len(p.People), first.Covered, first.Components, first.Branched, first.Unproven)
		})
	}
}

// largeProblem makes a round over a few départements: communes of one to
// three bureaux and, one in twenty, towns of 15 to 35; volunteers with every
// mix of roles and travel limits.
func largeProblem(r *rand.Rand, communes, people, maxPerDelegue int) *Problem {
	p := &Problem{MaxPerDelegue: maxPerDelegue}
	type bureau struct {
		commune, code string
		pt            places.Point
	}
	var bs []bureau
	deps := []string{"04", "05", "06"}
	for c := 0; c < communes; c++ {
		code := fmt.Sprintf("%s%03d", deps[c%3], c)
		center := places.Point{Lat: 44 + r.Float64(), Lon: 6 + r.Float64()}
		n := 1 + r.Intn(3)
		if c%20 == 0 {
			n = 15 + r.Intn(20)
		}
		for b := 1; b <= n; b++ {
			pt := places.Point{Lat: center.Lat + r.NormFloat64()*0.01, Lon: center.Lon + r.NormFloat64()*0.01}
			bs = append(bs, bureau{code, fmt.Sprint(b), pt})
			for _, role := range Roles {
				if role != DelegueSuppleant || r.Intn(3) == 0 {
					p.Seats = append(p.Seats, OpenSeat{Commune: code, Bureau: fmt.Sprint(b), Role: role, Priority: 1 + r.Intn(3), Point: &pt, Order: b})
				}
			}
		}
	}
	for i := 0; i < people; i++ {
		home := bs[r.Intn(len(bs))]
		pt := home.pt
		c := Candidate{ID: int64(i), Commune: home.commune, Bureau: home.code, Point: &pt}
		switch r.Intn(4) {
		case 0:
			zero := 0.0
			c.MaxKm = &zero
		case 1:
		default:
			km := []float64{2, 5, 10, 25, 60}[r.Intn(5)]
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
		p.People = append(p.People, c)
	}
	return p
}

// Medium random instances, beyond brute force: every hard rule kept, and
// how many components the search proves optimal (reported, not required:
// see the doc at the top of solver.go for why larger components are not).
func TestSolverMediumInstancesKeepEveryRule(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	components, branched, nodes, unproven := 0, 0, 0, 0
	const instances = 60
	for n := 0; n < instances; n++ {
		p := largeProblem(r, 2+r.Intn(10), 5+r.Intn(60), 1+r.Intn(4))
		s := Solve(p)
		checkRules(t, p, s)
		components += s.Components
		branched += s.Branched
		nodes += s.Nodes
		unproven += s.Unproven
	}
	t.Logf("%d instances, %d components: %d searched by branching (%d relaxations), %d not proven optimal", instances, components, branched, nodes, unproven)
}
