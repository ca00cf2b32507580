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
			p := &Problem{MaxPerDelegue: tc.maxPerDelegue}
			type bureau struct {
				commune, code string
				pt            places.Point
			}
			var bs []bureau
			deps := []string{"04", "05", "06"}
			for c := 0; c < tc.communes; c++ {
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
			for i := 0; i < tc.people; i++ {
				home := bs[r.Intn(len(bs))]
				pt := home.pt
				c := Candidate{ID: int64(i), Commune: home.commune, Bureau: home.code, Point: &pt}
				switch r.Intn(4) {
				case 0:
					zero := 0
					c.MaxKm = &zero
				case 1:
				default:
					km := []int{2, 5, 10, 25, 60}[r.Intn(5)]
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
			t.Logf("%d seats, %d people: %d covered, %d components", len(p.Seats), len(p.People), first.Covered, first.Components)
		})
	}
}
