package flow

import (
	"math/rand"
	"testing"
)

type edge struct {
	from, to  int
	cap, cost int64
}

type instance struct {
	n     int
	s, t  int
	edges []edge
}

// randomInstance makes a graph with no negative-cost cycle: negative costs
// only on arcs leaving s, and no arc enters s.
func randomInstance(r *rand.Rand, n, m int, maxCap int64, negSource bool) instance {
	in := instance{n: n, s: 0, t: n - 1}
	for len(in.edges) < m {
		u, v := r.Intn(n), r.Intn(n)
		if u == v || v == in.s || u == in.t {
			continue
		}
		c := int64(r.Intn(10))
		if negSource && u == in.s && r.Intn(3) > 0 {
			c = -int64(r.Intn(15))
		}
		in.edges = append(in.edges, edge{u, v, 1 + r.Int63n(maxCap), c})
	}
	return in
}

func (in instance) graph() *Graph {
	g := New(in.n)
	for _, e := range in.edges {
		g.AddEdge(e.from, e.to, e.cap, e.cost)
	}
	return g
}

// bruteForce enumerates every integral flow (tiny graphs only) and returns,
// for each flow value, the minimum cost (ok[v] false when no flow of that
// value exists).
func bruteForce(in instance) (best []int64, ok []bool) {
	maxV := int64(0)
	for _, e := range in.edges {
		if e.from == in.s {
			maxV += e.cap
		}
	}
	best = make([]int64, maxV+1)
	ok = make([]bool, maxV+1)
	f := make([]int64, len(in.edges))
	bal := make([]int64, in.n)
	var rec func(i int, cost int64)
	rec = func(i int, cost int64) {
		if i == len(in.edges) {
			for v := 0; v < in.n; v++ {
				if v != in.s && v != in.t && bal[v] != 0 {
					return
				}
			}
			val := -bal[in.s]
			if !ok[val] || cost < best[val] {
				best[val], ok[val] = cost, true
			}
			return
		}
		e := in.edges[i]
		for x := int64(0); x <= e.cap; x++ {
			f[i] = x
			bal[e.from] -= x
			bal[e.to] += x
			rec(i+1, cost+x*e.cost)
			bal[e.from] += x
			bal[e.to] -= x
		}
	}
	rec(0, 0)
	return best, ok
}

// referenceSSP is the textbook successive shortest paths with Bellman-Ford
// on the residual graph, one path at a time.
func referenceSSP(in instance, limit int64, onlyNegative bool) (flow, cost int64) {
	type arc struct {
		to        int
		cap, cost int64
		rev       int
	}
	adj := make([][]arc, in.n)
	for _, e := range in.edges {
		adj[e.from] = append(adj[e.from], arc{e.to, e.cap, e.cost, len(adj[e.to])})
		adj[e.to] = append(adj[e.to], arc{e.from, 0, -e.cost, len(adj[e.from]) - 1})
	}
	if limit < 0 {
		limit = 1 << 60
	}
	const inf = int64(1) << 60
	for flow < limit {
		dist := make([]int64, in.n)
		pv, pa := make([]int, in.n), make([]int, in.n)
		for i := range dist {
			dist[i] = inf
		}
		dist[in.s] = 0
		for round := 0; round < in.n; round++ {
			changed := false
			for u := 0; u < in.n; u++ {
				if dist[u] == inf {
					continue
				}
				for i, a := range adj[u] {
					if a.cap > 0 && dist[u]+a.cost < dist[a.to] {
						dist[a.to] = dist[u] + a.cost
						pv[a.to], pa[a.to] = u, i
						changed = true
					}
				}
			}
			if !changed {
				break
			}
		}
		if dist[in.t] == inf || onlyNegative && dist[in.t] >= 0 {
			break
		}
		f := limit - flow
		for v := in.t; v != in.s; v = pv[v] {
			if c := adj[pv[v]][pa[v]].cap; c < f {
				f = c
			}
		}
		for v := in.t; v != in.s; v = pv[v] {
			a := &adj[pv[v]][pa[v]]
			a.cap -= f
			adj[v][a.rev].cap += f
		}
		flow += f
		cost += f * dist[in.t]
	}
	return flow, cost
}

// checkFlow verifies capacities, conservation, the returned value and cost,
// and the optimality certificate given by the potentials.
func checkFlow(t *testing.T, in instance, g *Graph, flow, cost int64) {
	t.Helper()
	bal := make([]int64, in.n)
	var c int64
	for i, e := range in.edges {
		f := g.Flow(i)
		if f < 0 || f > e.cap {
			t.Fatalf("edge %d: flow %d outside [0,%d]", i, f, e.cap)
		}
		bal[e.from] -= f
		bal[e.to] += f
		c += f * e.cost
		if f < e.cap && e.cost+g.Potential(e.from)-g.Potential(e.to) < 0 {
			t.Fatalf("edge %d below capacity with negative reduced cost", i)
		}
		if f > 0 && -e.cost+g.Potential(e.to)-g.Potential(e.from) < 0 {
			t.Fatalf("edge %d carrying flow with positive reduced cost", i)
		}
	}
	for v := range bal {
		if v != in.s && v != in.t && bal[v] != 0 {
			t.Fatalf("node %d not conserved: %d", v, bal[v])
		}
	}
	if bal[in.t] != flow || c != cost {
		t.Fatalf("returned flow %d cost %d, edges say flow %d cost %d", flow, cost, bal[in.t], c)
	}
}

func TestMinCostMaxFlowBruteForce(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for iter := 0; iter < 1500; iter++ {
		n := 2 + r.Intn(5)
		m := 1 + r.Intn(7)
		in := randomInstance(r, n, m, 2, iter%2 == 0)
		best, ok := bruteForce(in)
		wantF := int64(0)
		for v := range ok {
			if ok[v] {
				wantF = int64(v)
			}
		}
		g := in.graph()
		f, c := g.MinCostMaxFlow(in.s, in.t)
		if f != wantF || c != best[wantF] {
			t.Fatalf("iter %d %+v: got flow %d cost %d, want %d %d", iter, in, f, c, wantF, best[wantF])
		}
		checkFlow(t, in, g, f, c)
	}
}

func TestMinCostFlowBruteForce(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for iter := 0; iter < 1500; iter++ {
		n := 2 + r.Intn(5)
		m := 1 + r.Intn(7)
		in := randomInstance(r, n, m, 2, true)
		best, ok := bruteForce(in)
		limit := int64(-1)
		if iter%3 == 0 {
			limit = r.Int63n(4)
		}
		// Smallest value reaching the minimum cost over values <= limit.
		wantF, wantC := int64(0), int64(0)
		for v := range ok {
			if ok[v] && (limit < 0 || int64(v) <= limit) && best[v] < wantC {
				wantF, wantC = int64(v), best[v]
			}
		}
		g := in.graph()
		f, c := g.MinCostFlow(in.s, in.t, limit)
		if limit < 0 && c == wantC && ok[f] && best[f] == wantC {
			// Without a limit, any amount reaching the minimum cost.
			wantF = f
		}
		if f != wantF || c != wantC {
			t.Fatalf("iter %d limit %d %+v: got flow %d cost %d, want %d %d", iter, limit, in, f, c, wantF, wantC)
		}
		checkFlow(t, in, g, f, c)
		if f > 0 && (limit < 0 || f < limit) && g.Potential(in.s) != g.Potential(in.t) {
			t.Fatalf("iter %d: potentials of s and t differ after an unlimited stop", iter)
		}
	}
}

func TestAgainstReferenceSSP(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for iter := 0; iter < 400; iter++ {
		n := 2 + r.Intn(60)
		m := r.Intn(300)
		in := randomInstance(r, n, m, 5, iter%2 == 0)
		for _, only := range []bool{false, true} {
			limit := int64(-1)
			if iter%4 == 0 {
				limit = r.Int63n(10)
			}
			wf, wc := referenceSSP(in, limit, only)
			g := in.graph()
			var f, c int64
			if only {
				f, c = g.MinCostFlow(in.s, in.t, limit)
			} else if limit < 0 {
				f, c = g.MinCostMaxFlow(in.s, in.t)
			} else {
				// MinCostMaxFlow has no limit: use a capped copy.
				lim := New(in.n + 1)
				lim.AddEdge(in.n, in.s, limit, 0)
				for _, e := range in.edges {
					lim.AddEdge(e.from, e.to, e.cap, e.cost)
				}
				f, c = lim.MinCostMaxFlow(in.n, in.t)
				g = nil
			}
			if only && limit < 0 {
				wf = f // any amount reaching the minimum cost (checked by the brute force test)
			}
			if f != wf || c != wc {
				t.Fatalf("iter %d only=%v limit %d: got %d/%d, reference %d/%d", iter, only, limit, f, c, wf, wc)
			}
			if g != nil {
				checkFlow(t, in, g, f, c)
			}
		}
	}
}

// Bipartite assignment with priorities as negative source costs and
// per-volunteer capacity nodes, the delegate engineer's use.
func TestAssignmentWithPriorities(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	for iter := 0; iter < 300; iter++ {
		seats, vols := 1+r.Intn(30), 1+r.Intn(30)
		n := 2 + seats + 2*vols
		in := instance{n: n, s: 0, t: n - 1}
		for i := 0; i < seats; i++ {
			in.edges = append(in.edges, edge{0, 1 + i, 1, -int64(100 * (1 + r.Intn(3)))})
		}
		for j := 0; j < vols; j++ {
			vin, vout := 1+seats+2*j, 2+seats+2*j
			in.edges = append(in.edges, edge{vin, vout, int64(1 + r.Intn(3)), 0})
			in.edges = append(in.edges, edge{vout, n - 1, 1000, 0})
			for i := 0; i < seats; i++ {
				if r.Intn(4) == 0 {
					in.edges = append(in.edges, edge{1 + i, vin, 1, int64(r.Intn(40))})
				}
			}
		}
		wf, wc := referenceSSP(in, -1, true)
		g := in.graph()
		f, c := g.MinCostFlow(in.s, in.t, -1)
		if c != wc {
			t.Fatalf("iter %d: got %d/%d, reference %d/%d", iter, f, c, wf, wc)
		}
		checkFlow(t, in, g, f, c)
	}
}

// Edges added after a solve with non-negative reduced cost keep the flow
// optimal; the next solve continues from it.
func TestAddEdgeAfterSolve(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for iter := 0; iter < 300; iter++ {
		in := randomInstance(r, 2+r.Intn(20), r.Intn(60), 4, false)
		g := in.graph()
		f1, c1 := g.MinCostMaxFlow(in.s, in.t)
		// Add edges that cannot lower the cost of the current flow.
		for k := 0; k < 10; k++ {
			u, v := r.Intn(in.n), r.Intn(in.n)
			if u == v || v == in.s || u == in.t {
				continue
			}
			c := g.Potential(v) - g.Potential(u) + int64(r.Intn(3))
			if c < 0 {
				continue
			}
			in.edges = append(in.edges, edge{u, v, 1 + r.Int63n(3), c})
			g.AddEdge(u, v, in.edges[len(in.edges)-1].cap, c)
		}
		f2, c2 := g.MinCostMaxFlow(in.s, in.t)
		wf, wc := referenceSSP(in, -1, false)
		if f1+f2 != wf || c1+c2 != wc {
			t.Fatalf("iter %d: %d+%d/%d+%d, reference %d/%d", iter, f1, f2, c1, c2, wf, wc)
		}
		checkFlow(t, in, g, f1+f2, c1+c2)
	}
}

// Without a limit, MinCostFlow reaches the minimum cost from any current
// flow, even after edges were added that lower it.
func TestMinCostFlowResume(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	for iter := 0; iter < 300; iter++ {
		in := randomInstance(r, 2+r.Intn(30), r.Intn(120), 4, true)
		g := in.graph()
		f1, c1 := g.MinCostFlow(in.s, in.t, -1)
		for k := 0; k < 10; k++ {
			more := randomInstance(r, in.n, 1, 4, true)
			e := more.edges[0]
			in.edges = append(in.edges, e)
			g.AddEdge(e.from, e.to, e.cap, e.cost)
		}
		f2, c2 := g.MinCostFlow(in.s, in.t, -1)
		_, wc := referenceSSP(in, -1, true)
		if c1+c2 != wc {
			t.Fatalf("iter %d: cost %d+%d, reference %d", iter, c1, c2, wc)
		}
		checkFlow(t, in, g, f1+f2, c1+c2)
	}
}

// One graph Reset and reused for one instance after another, of every
// size and each kind of solve, gives what a fresh graph gives: nothing of
// an earlier instance (flows, potentials, scratch) leaks into the next.
func TestResetReuse(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	g := New(0)
	for iter := 0; iter < 600; iter++ {
		n := 2 + r.Intn(40)
		in := randomInstance(r, n, r.Intn(4*n), 3, true)
		g.Reset(in.n)
		if g.Potential(in.s) != 0 || g.Edges() != 0 {
			t.Fatalf("iter %d: Reset left edges or potentials", iter)
		}
		for _, e := range in.edges {
			g.AddEdge(e.from, e.to, e.cap, e.cost)
		}
		fresh := in.graph()
		var f, c, wf, wc int64
		switch iter % 3 {
		case 0:
			f, c = g.MinCostFlow(in.s, in.t, -1)
			wf, wc = fresh.MinCostFlow(in.s, in.t, -1)
			wf = f // without a limit, any amount at the minimum cost
		case 1:
			limit := 1 + r.Int63n(5)
			f, c = g.MinCostFlow(in.s, in.t, limit)
			wf, wc = fresh.MinCostFlow(in.s, in.t, limit)
		default:
			f, c = g.MinCostMaxFlow(in.s, in.t)
			wf, wc = fresh.MinCostMaxFlow(in.s, in.t)
		}
		if f != wf || c != wc {
			t.Fatalf("iter %d: reused graph flow %d cost %d, fresh one %d %d", iter, f, c, wf, wc)
		}
		checkFlow(t, in, g, f, c)
	}
}
