package flow

import (
	"math/rand"
	"testing"
)

// delegateGraph is shaped like the delegate assignment: seats with
// priority weights as negative source costs, each seat linked to about
// degree volunteers nearby (travel cost in km), each volunteer behind a
// capacity node (a délégué may cover up to 3 bureaux).
func delegateGraph(seats, volunteers, degree int, seed int64) (g *Graph, s, t int) {
	r := rand.New(rand.NewSource(seed))
	n := 2 + seats + 2*volunteers
	s, t = 0, n-1
	g = New(n)
	g.Grow(seats*(degree+1) + 2*volunteers)
	for i := 0; i < seats; i++ {
		g.AddEdge(s, 1+i, 1, -100*int64(1+r.Intn(3)))
	}
	for i := 0; i < seats; i++ {
		// Volunteers live on a line; a seat reaches those around its place.
		center := i * volunteers / seats
		for k := 0; k < degree; k++ {
			v := center + r.Intn(4*degree) - 2*degree
			if v < 0 || v >= volunteers {
				continue
			}
			km := int64(r.Intn(30))
			g.AddEdge(1+i, 1+seats+2*v, 1, km)
		}
	}
	for v := 0; v < volunteers; v++ {
		cap := int64(1)
		if r.Intn(4) == 0 {
			cap = 3
		}
		g.AddEdge(1+seats+2*v, 2+seats+2*v, cap, 0)
		g.AddEdge(2+seats+2*v, t, cap, 0)
	}
	return g, s, t
}

func benchFlow(b *testing.B, seats, volunteers int, max bool) {
	var f, c int64
	var w Work
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		g, s, t := delegateGraph(seats, volunteers, 10, 1)
		b.StartTimer()
		if max {
			f, c = g.MinCostMaxFlow(s, t)
		} else {
			f, c = g.MinCostFlow(s, t, -1)
		}
		w = g.Work()
	}
	b.ReportMetric(float64(f), "flow")
	b.ReportMetric(float64(c), "cost")
	b.ReportMetric(float64(w.Settled), "settled")
}

// BenchmarkFlow: 210,000 seats (70,000 bureaux × 3), 150,000 volunteers,
// 10 candidates per seat, priorities as negative source costs: the
// national delegate assignment (MinCostFlow, no limit).
func BenchmarkFlow(b *testing.B) { benchFlow(b, 210_000, 150_000, false) }

// BenchmarkFlowScarce: the same seats with 100,000 volunteers (about
// 150,000 places): a third of the seats stay empty, chosen by priority.
func BenchmarkFlowScarce(b *testing.B) { benchFlow(b, 210_000, 100_000, false) }

// BenchmarkFlowMax: MinCostMaxFlow (primal-dual phases) on a tenth of it.
func BenchmarkFlowMax(b *testing.B) { benchFlow(b, 21_000, 15_000, true) }
