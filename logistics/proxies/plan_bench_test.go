package proxies

import (
	"bufio"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"scrutin/database/dbtest"
	"scrutin/logistics/places"
)

type benchCommune struct {
	code string
	at   places.Point
	rows int // rows in the La Poste file: a rough population proxy
}

var (
	benchCommunesOnce sync.Once
	benchCommunes     []benchCommune
	benchCommunesErr  error
)

// loadCommunes reads the real communes with their coordinates from
// ../shared/data/communes-laposte-hexasmal.csv.
func loadCommunes(b testing.TB) []benchCommune {
	path := dbtest.SharedData(b, "communes-laposte-hexasmal.csv")
	benchCommunesOnce.Do(func() {
		f, err := os.Open(path)
		if err != nil {
			benchCommunesErr = err
			return
		}
		defer f.Close()
		idx := map[string]int{}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			cols := strings.Split(strings.TrimRight(sc.Text(), "\r"), ";")
			if len(cols) < 6 || cols[5] == "" {
				continue
			}
			ll := strings.Split(cols[5], ",")
			if len(ll) != 2 {
				continue
			}
			lat, err1 := strconv.ParseFloat(strings.TrimSpace(ll[0]), 64)
			lon, err2 := strconv.ParseFloat(strings.TrimSpace(ll[1]), 64)
			code, ok := places.NormalizeCommune(cols[0])
			if err1 != nil || err2 != nil || !ok {
				continue
			}
			if i, ok := idx[code]; ok {
				benchCommunes[i].rows++
				continue
			}
			idx[code] = len(benchCommunes)
			benchCommunes = append(benchCommunes, benchCommune{code: code, at: places.Point{Lat: lat, Lon: lon}, rows: 1})
		}
		benchCommunesErr = sc.Err()
	})
	if benchCommunesErr != nil {
		b.Fatal(benchCommunesErr)
	}
	return benchCommunes
}

// nationalInstance places n demands and n supplies (one round, or both
// rounds for a share of them) at the coordinates of real communes chosen
// with weight rows per commune, with seeded randomness.
func nationalInstance(b testing.TB, n int, rounds int, seed int64) ([]Demand, []Supply) {
	cs := loadCommunes(b)
	var pick []int32 // commune index repeated rows times
	for i, c := range cs {
		for k := 0; k < c.rows; k++ {
			pick = append(pick, int32(i))
		}
	}
	r := rand.New(rand.NewSource(seed))
	ds := make([]Demand, 0, n*rounds)
	for i := 0; i < n; i++ {
		c := cs[pick[r.Intn(len(pick))]]
		bureau := ""
		if r.Intn(2) == 0 {
			bureau = strconv.Itoa(1 + r.Intn(3))
		}
		d := Demand{RequestID: int64(i + 1), Round: 1, Commune: c.code, Bureau: bureau, At: c.at, Seq: int64(i)}
		if r.Intn(10) == 0 {
			d.Declined = []int64{int64(1 + r.Intn(n))}
		}
		if rounds == 2 {
			switch r.Intn(3) {
			case 0: // round 2 only
				d.Round = 2
			case 1: // both rounds
				d.BothRounds = true
				d2 := d
				d2.Round = 2
				ds = append(ds, d2)
			}
		}
		ds = append(ds, d)
	}
	ss := make([]Supply, 0, n*rounds)
	limits := []float64{2, 5, 10, 10, 10, 20}
	for i := 0; i < n; i++ {
		c := cs[pick[r.Intn(len(pick))]]
		s := Supply{VolunteerID: int64(i + 1), Round: 1, Commune: c.code, Bureau: strconv.Itoa(1 + r.Intn(3)), At: c.at, MaxKm: limits[r.Intn(len(limits))]}
		if rounds == 2 {
			switch r.Intn(3) {
			case 0:
				s.Round = 2
			case 1:
				s2 := s
				s2.Round = 2
				ss = append(ss, s2)
			}
		}
		ss = append(ss, s)
	}
	return ds, ss
}

func benchmarkPlan(b *testing.B, n, rounds int, opt Options) {
	ds, ss := nationalInstance(b, n, rounds, 1)
	runtime.GC()
	b.ResetTimer()
	var plan []Assignment
	for i := 0; i < b.N; i++ {
		plan = Plan(ds, ss, opt)
	}
	b.StopTimer()
	var cost int64
	for _, a := range plan {
		cost += a.Cost
	}
	b.ReportMetric(float64(len(plan)), "served")
	b.ReportMetric(float64(cost), "cost")
	b.ReportMetric(float64(len(ds)), "demands")
}

// BenchmarkPlanNational: 100,000 requests × 100,000 volunteers over the
// real communes, one round (the issue's batch figure, solver alone:
// candidate graph + matching). Default options: every valid pair, exact.
func BenchmarkPlanNational(b *testing.B) { benchmarkPlan(b, 100_000, 1, Options{}) }

// BenchmarkPlanNationalK24 and K16: the sparse graph (faster, slightly
// below the optimum).
func BenchmarkPlanNationalK24(b *testing.B) {
	benchmarkPlan(b, 100_000, 1, Options{MaxCandidates: 24})
}

func BenchmarkPlanNationalK16(b *testing.B) {
	benchmarkPlan(b, 100_000, 1, Options{MaxCandidates: 16})
}

// BenchmarkPlanNationalTwoRounds: the same people spread over two rounds,
// a third of them for both rounds.
func BenchmarkPlanNationalTwoRounds(b *testing.B) { benchmarkPlan(b, 100_000, 2, Options{}) }

// batchLoadInstance is the shape of the batch that GenerateLoad and
// Desk.load produce, without a database: n round-1 requests and n
// volunteers available for rounds 1 and 2 within 10 km, each in a commune
// drawn with weight its number of La Poste rows (Paris, Lyon and
// Marseille as a whole excluded), no bureau, no offer, ids growing with
// age.
func batchLoadInstance(b testing.TB, n int, seed int64) ([]Demand, []Supply) {
	cs := loadCommunes(b)
	var pick []int32
	for i, c := range cs {
		if c.code == "75056" || c.code == "69123" || c.code == "13055" {
			continue
		}
		for k := 0; k < c.rows; k++ {
			pick = append(pick, int32(i))
		}
	}
	r := rand.New(rand.NewSource(seed))
	ds := make([]Demand, 0, n)
	ss := make([]Supply, 0, 2*n)
	for i := 0; i < n; i++ {
		c := cs[pick[r.Intn(len(pick))]]
		id := int64(i + 1)
		ds = append(ds, Demand{RequestID: id, Round: 1, Commune: c.code, At: c.at, Seq: id})
		c = cs[pick[r.Intn(len(pick))]]
		for round := 1; round <= 2; round++ {
			ss = append(ss, Supply{VolunteerID: id, Round: round, Commune: c.code, At: c.at, MaxKm: 10, Capacity: MaxProxiesPerRound})
		}
	}
	return ds, ss
}

// BenchmarkPlanBatchLoad: the solver alone on the input of the batch
// benchmark (scrutin bench proxies match): 100,000 × 100,000, default
// options. Denser than PlanNational (no bureau, the same 10 km for all).
func BenchmarkPlanBatchLoad(b *testing.B) {
	ds, ss := batchLoadInstance(b, 100_000, 1)
	runtime.GC()
	b.ResetTimer()
	var plan []Assignment
	for i := 0; i < b.N; i++ {
		plan = Plan(ds, ss, Options{GlobalMaxKm: 20})
	}
	b.StopTimer()
	var cost int64
	for _, a := range plan {
		cost += a.Cost
	}
	b.ReportMetric(float64(len(plan)), "served")
	b.ReportMetric(float64(cost), "cost")
}

// BenchmarkPlanNeighbourhood: the instant path plans a few hundred demands
// and supplies around an event.
func BenchmarkPlanNeighbourhood(b *testing.B) {
	ds, ss := nationalInstance(b, 100_000, 1, 2)
	// The demands and supplies within 25 km of a busy place.
	center := ds[0].At
	var nd []Demand
	var ns []Supply
	for _, d := range ds {
		if places.DistanceKm(d.At, center) < 25 {
			nd = append(nd, d)
		}
	}
	for _, s := range ss {
		if places.DistanceKm(s.At, center) < 25 {
			ns = append(ns, s)
		}
	}
	b.ResetTimer()
	var plan []Assignment
	for i := 0; i < b.N; i++ {
		plan = Plan(nd, ns, Options{})
	}
	b.ReportMetric(float64(len(plan)), "served")
	b.ReportMetric(float64(len(nd)), "demands")
	b.ReportMetric(float64(len(ns)), "supplies")
}

func ExamplePlan() {
	p := places.Point{Lat: 44.09, Lon: 6.23}
	plan := Plan(
		[]Demand{{RequestID: 1, Round: 1, Commune: "04070", Bureau: "2", At: p}},
		[]Supply{{VolunteerID: 7, Round: 1, Commune: "04070", Bureau: "2", At: p, MaxKm: 10}},
		Options{})
	fmt.Printf("%+v\n", plan)
	// Output: [{RequestID:1 Round:1 VolunteerID:7 Cost:0 Km:0}]
}
