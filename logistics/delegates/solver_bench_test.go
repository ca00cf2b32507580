package delegates

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"scrutin/internal/benchmeter"
	"scrutin/logistics/places"
)

// nationalProblem builds one round at national scale in memory, like the
// database benchmark (BenchmarkAssignNational) but without the database,
// to profile the solver alone.
func nationalProblem(tb testing.TB) *Problem {
	dir, _ := os.Getwd()
	f, err := os.Open(filepath.Join(dir, "..", "..", "..", "shared", "data", "communes-laposte-hexasmal.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	type commune struct {
		code string
		pt   places.Point
	}
	var communes []commune
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(strings.TrimRight(sc.Text(), "\r"), ";")
		if len(p) < 6 || seen[p[0]] || p[5] == "" {
			continue
		}
		if _, ok := places.NormalizeCommune(p[0]); !ok {
			continue
		}
		ll := strings.Split(p[5], ",")
		lat, err1 := strconv.ParseFloat(strings.TrimSpace(ll[0]), 64)
		lon, err2 := strconv.ParseFloat(strings.TrimSpace(ll[len(ll)-1]), 64)
		if err1 != nil || err2 != nil {
			continue
		}
		seen[p[0]] = true
		communes = append(communes, commune{p[0], places.Point{Lat: lat, Lon: lon}})
	}
	h := func(s string) int {
		x := fnv.New32a()
		x.Write([]byte(s))
		return int(x.Sum32() & 0x7fffffff)
	}
	type bureau struct {
		commune string
		code    string
		order   int
		pt      places.Point
	}
	var bs []bureau
	for _, c := range communes {
		// About the French distribution: ten cities of ~250 bureaux, forty
		// of ~100, 250 towns of ~40, 1,750 of ~10, one elsewhere.
		nb := 1
		switch r := h(c.code+"size") % len(communes); {
		case r < 10:
			nb = 251
		case r < 50:
			nb = 101
		case r < 300:
			nb = 41
		case r < 2050:
			nb = 11
		}
		for g := 1; g <= nb; g++ {
			r := math.Sqrt(float64(nb)) * 0.6
			dy := float64(h(fmt.Sprint(c.code, g, "lat"))%2000-1000) / 1000 * r / 111
			dx := float64(h(fmt.Sprint(c.code, g, "lon"))%2000-1000) / 1000 * r / 78
			bs = append(bs, bureau{c.code, strconv.Itoa(g), g, places.Point{Lat: c.pt.Lat + dy, Lon: c.pt.Lon + dx}})
		}
	}
	p := &Problem{}
	for _, b := range bs {
		pt := b.pt
		for _, r := range DefaultRoles {
			p.Seats = append(p.Seats, OpenSeat{Commune: b.commune, Bureau: b.code, Role: r, Priority: 1, Point: &pt, Order: b.order})
		}
	}
	for n := 0; n < 127500; n++ {
		b := bs[h(fmt.Sprint(n, "b"))%len(bs)]
		pt := b.pt
		c := Candidate{ID: int64(n), Commune: b.commune, Bureau: b.code, Point: &pt}
		switch h1 := h(fmt.Sprint(n, "r")) % 100; {
		case h1 < 35:
			c.Roles = []Role{AssesseurTitulaire, AssesseurSuppleant}
		case h1 < 55:
			c.Roles = []Role{AssesseurTitulaire}
		case h1 < 70:
			c.Roles = []Role{AssesseurSuppleant}
		case h1 < 85:
			c.Roles = []Role{DelegueTitulaire, DelegueSuppleant}
		default:
			c.Roles = Roles
		}
		km := -1.0
		switch h3 := h(fmt.Sprint(n, "d")) % 100; {
		case h3 < 30:
			km = 0
		case h3 < 75:
		case h3 < 85:
			km = 2
		case h3 < 93:
			km = 5
		case h3 < 97:
			km = 10
		case h3 < 99:
			km = 20
		default:
			km = 30
		}
		if km >= 0 {
			c.MaxKm = &km
		}
		p.People = append(p.People, c)
	}
	tb.Logf("%d bureaux, %d seats, %d people", len(bs), len(p.Seats), len(p.People))
	return p
}

// go test ./logistics/delegates -run '^$' -bench SolveNational -benchtime 1x -cpuprofile /tmp/cpu.out
func BenchmarkSolveNational(b *testing.B) {
	p := nationalProblem(b)
	if deps := os.Getenv("DEPS"); deps != "" {
		keep := map[string]bool{}
		for _, d := range strings.Split(deps, ",") {
			keep[d] = true
		}
		var seats []OpenSeat
		for _, s := range p.Seats {
			if keep[places.Departement(s.Commune)] {
				seats = append(seats, s)
			}
		}
		var people []Candidate
		for _, c := range p.People {
			if keep[places.Departement(c.Commune)] {
				people = append(people, c)
			}
		}
		p.Seats, p.People = seats, people
	}
	b.Logf("%d seats, %d people", len(p.Seats), len(p.People))
	var mu sync.Mutex
	componentHook = func(people, seats int, d time.Duration) {
		if d > 50*time.Millisecond {
			mu.Lock()
			b.Logf("component %d people %d seats: %v", people, seats, d)
			mu.Unlock()
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// CPU beside wall time: on a shared machine the neighbours slow
		// the wall clock down (benchmeter). Its first collection is not
		// the solver's.
		b.StopTimer()
		m := benchmeter.Start(10 * time.Millisecond)
		b.StartTimer()
		s := Solve(p)
		heap, cpu := m.Stop()
		b.ReportMetric(cpu.Seconds(), "cpu-s")
		b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(s.Covered), "covered")
		b.ReportMetric(float64(s.Components), "components")
		b.ReportMetric(float64(s.Branched), "branched")
		b.ReportMetric(float64(s.Nodes), "relaxations")
		b.ReportMetric(float64(s.Unproven), "unproven")
		b.ReportMetric(float64(s.PriorityCovered), "priority")
		b.ReportMetric(float64(s.Titulaires), "titulaires")
		b.ReportMetric(float64(s.Kept), "kept")
		b.ReportMetric(float64(s.TravelKm), "km")
	}
}
