// Package flow computes exact minimum-cost flows on sparse directed graphs
// with integer capacities and integer costs (negative costs allowed, as long
// as the graph has no negative-cost cycle).
//
// Two exact algorithms, both successive shortest paths with Johnson
// potentials (every residual arc keeps a reduced cost >= 0):
//
//   - MinCostFlow without a limit (the delegate assignment: priorities as
//     negative source costs) is solved as a minimum-cost circulation with s
//     and t merged: arcs of negative reduced cost are saturated, then each
//     excess goes to the nearest deficit by its own Dijkstra, stopped there,
//     potentials updated on the settled nodes only. Searches stay local
//     (a seat reaches the nearest free volunteer, or gives up at the price
//     of its priority), which makes national instances fast.
//   - MinCostMaxFlow, and MinCostFlow with a limit, use primal-dual phases:
//     one Dijkstra from s (binary heap, stopped when t is settled) makes
//     every shortest augmenting path an arc of zero reduced cost, then a
//     Dinic blocking flow on that admissible subgraph sends flow along many
//     shortest paths at once. Every phase strictly lengthens the shortest
//     path, so with small integer costs phases are few; but each one scans
//     the graph, so prefer MinCostFlow with priorities on large graphs.
//
// The graph is stored in CSR form (int32 indices) once the first solve
// starts. A Graph is not safe for concurrent use; distinct graphs are.
package flow

import (
	"fmt"
	"math"
)

// Graph is a flow network. Nodes are 0..n-1; edges are numbered in the
// order AddEdge returns them.
type Graph struct {
	n int

	// Edges as added.
	eFrom, eTo  []int32
	eCap, eCost []int64

	// Residual network in CSR form, built on first solve: the arcs leaving
	// node u are arcs[start[u]:start[u+1]]; arc a goes to arcs[a].to, its
	// partner (reverse) arc is arcs[a].rev. Edge e is arc pos[e].
	built bool
	start []int32
	arcs  []arc
	pos   []int32

	pi      []int64 // potentials: arcs[a].cost+pi[u]-pi[arcs[a].to] >= 0 on residual arcs
	piValid bool

	pendingFlows []int64 // flows kept across a rebuild (edges added after a solve)

	// Scratch reused across phases.
	dist    []int64
	done    []bool
	heap    []heapItem
	level   []int32
	iter    []int32
	queue   []int32
	stack   []int32 // arcs of the current DFS path
	excess  []int64 // solveLocal
	touched []int32 // solveLocal

	work Work
}

// New returns an empty graph with the given number of nodes.
func New(nodes int) *Graph {
	if nodes < 0 || nodes > math.MaxInt32-1 {
		panic(fmt.Sprintf("flow: bad node count %d", nodes))
	}
	return &Graph{n: nodes}
}

// Reset empties the graph to the given number of nodes and no edge,
// keeping its memory for the next edges and solves: a caller solving many
// graphs one after the other (the delegate solver, component by
// component) then allocates, and collects, almost nothing.
func (g *Graph) Reset(nodes int) {
	if nodes < 0 || nodes > math.MaxInt32-1 {
		panic(fmt.Sprintf("flow: bad node count %d", nodes))
	}
	g.n = nodes
	g.eFrom, g.eTo, g.eCap, g.eCost = g.eFrom[:0], g.eTo[:0], g.eCap[:0], g.eCost[:0]
	g.built, g.piValid, g.pendingFlows = false, false, nil
	g.pi = g.pi[:0] // no potentials until the next solve (see Potential)
	g.work = Work{}
}

// Nodes is the number of nodes.
func (g *Graph) Nodes() int { return g.n }

// Edges is the number of edges added.
func (g *Graph) Edges() int { return len(g.eFrom) }

// Grow reserves room for more edges (an optimisation; optional).
func (g *Graph) Grow(edges int) {
	if need := len(g.eFrom) + edges; need > cap(g.eFrom) {
		grow := func(s []int32) []int32 { t := make([]int32, len(s), need); copy(t, s); return t }
		grow64 := func(s []int64) []int64 { t := make([]int64, len(s), need); copy(t, s); return t }
		g.eFrom, g.eTo = grow(g.eFrom), grow(g.eTo)
		g.eCap, g.eCost = grow64(g.eCap), grow64(g.eCost)
	}
}

// AddEdge adds a directed edge and returns its id. Edges may be added after
// a solve: the flow found so far is kept (the next solve continues from it),
// which is only correct when the new edge cannot lower the cost of that
// flow (for instance when its reduced cost under Potential is >= 0).
func (g *Graph) AddEdge(from, to int, capacity, cost int64) int {
	if from < 0 || from >= g.n || to < 0 || to >= g.n {
		panic(fmt.Sprintf("flow: edge %d->%d out of range [0,%d)", from, to, g.n))
	}
	if capacity < 0 {
		panic("flow: negative capacity")
	}
	if g.built {
		g.unbuild()
	}
	g.eFrom = append(g.eFrom, int32(from))
	g.eTo = append(g.eTo, int32(to))
	g.eCap = append(g.eCap, capacity)
	g.eCost = append(g.eCost, cost)
	return len(g.eFrom) - 1
}

// Flow is the flow on an edge after a solve.
func (g *Graph) Flow(edge int) int64 {
	if !g.built {
		if edge < len(g.pendingFlows) {
			return g.pendingFlows[edge]
		}
		return 0
	}
	return g.arcs[g.arcs[g.pos[edge]].rev].cap
}

// Potential is the dual value of a node after a solve: every arc with
// residual capacity left (an edge below capacity, or the reverse of an edge
// carrying flow) has reduced cost cost+Potential(from)-Potential(to) >= 0.
// After MinCostFlow stopped without reaching its limit, also
// Potential(s) == Potential(t) when some flow was sent, so that an edge one
// could add with reduced cost >= 0 would not lower the optimal cost: this
// certifies optimality over a larger graph (column generation).
func (g *Graph) Potential(node int) int64 {
	if len(g.pi) != g.n {
		return 0
	}
	return g.pi[node]
}

// unbuild keeps the current flow in eCap bookkeeping form before a rebuild.
func (g *Graph) unbuild() {
	// Remember flows as (capacity, flow) by storing flow in a side slice.
	flows := make([]int64, len(g.eFrom))
	for e := range flows {
		flows[e] = g.arcs[g.arcs[g.pos[e]].rev].cap
	}
	g.built = false
	g.piValid = false
	g.pendingFlows = flows
}

func (g *Graph) build() {
	n, m := g.n, len(g.eFrom)
	if 2*m > math.MaxInt32-1 {
		panic("flow: too many edges")
	}
	start := resize(g.start, n+1)
	clear(start)
	for e := 0; e < m; e++ {
		start[g.eFrom[e]+1]++
		start[g.eTo[e]+1]++
	}
	for u := 0; u < n; u++ {
		start[u+1] += start[u]
	}
	next := resize(g.iter, n) // scratch until the first solve
	copy(next, start[:n])
	g.arcs = resize(g.arcs, 2*m)
	g.pos = resize(g.pos, m)
	for e := 0; e < m; e++ {
		u, v := g.eFrom[e], g.eTo[e]
		a := next[u]
		next[u]++
		b := next[v]
		next[v]++
		g.arcs[a] = arc{to: v, rev: b, cost: g.eCost[e]}
		g.arcs[b] = arc{to: u, rev: a, cost: -g.eCost[e]}
		f := int64(0)
		if e < len(g.pendingFlows) {
			f = g.pendingFlows[e]
		}
		g.arcs[a].cap, g.arcs[b].cap = g.eCap[e]-f, f
		g.pos[e] = a
	}
	g.pendingFlows = nil
	g.start = start
	g.pi = resize(g.pi, n)
	g.dist = resize(g.dist, n)
	g.done = resize(g.done, n)
	g.level = resize(g.level, n)
	g.iter = next
	g.built = true
	g.piValid = false
}

// resize returns s with length n, reusing its array when large enough;
// the contents are not cleared.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// initPotentials makes every residual arc's reduced cost non-negative. With
// no negative residual arc, zero potentials do; otherwise shortest
// distances from a virtual root joined to every node by a zero-cost arc
// (Johnson), computed by SPFA (queue-based Bellman-Ford).
// arc is one residual arc: its head, its partner, its residual capacity and
// its cost, side by side as every scan reads them together.
type arc struct {
	to, rev   int32
	cap, cost int64
}

func (g *Graph) initPotentials() {
	for i := range g.pi {
		g.pi[i] = 0
	}
	neg := false
	for a := range g.arcs {
		if g.arcs[a].cap > 0 && g.arcs[a].cost < 0 {
			neg = true
			break
		}
	}
	if neg {
		g.spfa()
	}
	g.piValid = true
}

const inf = math.MaxInt64 / 4

// Work counts what the solves of a graph did (benchmarks, tuning).
type Work struct {
	Phases   int64 // primal-dual phases (one Dijkstra from s each)
	Rounds   int64 // blocking-flow rounds
	Searches int64 // local searches (one Dijkstra from an excess each)
	Settled  int64 // nodes settled by all Dijkstra runs
}

// Work reports the solver's work on this graph so far.
func (g *Graph) Work() Work { return g.work }

func (g *Graph) spfa() {
	n := g.n
	dist := g.pi // all zero: the virtual root reaches every node at 0
	inq := g.done
	count := g.iter // scratch: blockingFlow sets it anew
	clear(count)
	q := g.queue[:0]
	for v := 0; v < n; v++ {
		q = append(q, int32(v))
		inq[v] = true
	}
	for head := 0; head < len(q); head++ {
		u := q[head]
		inq[u] = false
		du := dist[u]
		for a := g.start[u]; a < g.start[u+1]; a++ {
			if g.arcs[a].cap <= 0 {
				continue
			}
			v := g.arcs[a].to
			if nd := du + g.arcs[a].cost; nd < dist[v] {
				dist[v] = nd
				if !inq[v] {
					count[v]++
					if int(count[v]) > n {
						panic("flow: negative-cost cycle")
					}
					inq[v] = true
					q = append(q, v)
				}
			}
		}
		// Compact the queue now and then so that it does not grow forever.
		if head > 1<<16 && head > len(q)/2 {
			q = append(q[:0], q[head+1:]...)
			head = -1
		}
	}
	g.queue = q[:0]
}

// MinCostFlow sends flow from s to t as long as that lowers the total cost
// (so with negative-cost arcs it returns a minimum-cost flow of any amount;
// with non-negative costs it sends nothing), never more than limit
// (limit < 0: no limit). It returns the flow and the cost added by this
// call. With a limit, paths of cost zero are not used; without one, when
// several amounts reach the minimum cost, any of them may be returned.
//
// Without a limit it runs the local algorithm (see solveLocal), fast on
// large sparse graphs such as seats × volunteers with priorities as
// negative source costs; with a limit, the primal-dual phases.
func (g *Graph) MinCostFlow(s, t int, limit int64) (flow, cost int64) {
	if limit < 0 && s != t {
		return g.solveLocal(s, t)
	}
	return g.solve(s, t, limit, true)
}

// MinCostMaxFlow sends the maximum flow from s to t and, among maximum
// flows, the one of minimum cost.
func (g *Graph) MinCostMaxFlow(s, t int) (flow, cost int64) {
	return g.solve(s, t, -1, false)
}

func (g *Graph) solve(s, t int, limit int64, onlyNegative bool) (flow, cost int64) {
	if s < 0 || s >= g.n || t < 0 || t >= g.n {
		panic("flow: source or sink out of range")
	}
	if !g.built {
		g.build()
	}
	if s == t {
		return 0, 0
	}
	if !g.piValid {
		g.initPotentials()
	}
	if limit < 0 {
		limit = inf
	}
	for flow < limit {
		g.work.Phases++
		if !g.dijkstra(s, t, onlyNegative) {
			break
		}
		pathCost := g.pi[t] - g.pi[s]
		if onlyNegative && pathCost >= 0 {
			break
		}
		f := g.blockingFlow(s, t, limit-flow)
		if f == 0 { // cannot happen: the shortest path is admissible
			panic("flow: internal error: empty phase")
		}
		flow += f
		cost += f * pathCost
	}
	return flow, cost
}

type heapItem struct {
	d int64
	v int32
}

// dijkstra computes reduced distances from s, stopping when t is settled,
// and updates the potentials so that every shortest s-t path is made of
// zero-reduced-cost arcs. It reports whether t is reachable. When t is not
// reachable, the potentials of the nodes that s cannot reach are raised so
// that Potential(t) == Potential(s) (see Potential).
//
// With onlyNegative, the potential update is capped so that a path of
// non-negative cost leaves Potential(t) == Potential(s).
func (g *Graph) dijkstra(s, t int, onlyNegative bool) bool {
	dist, done := g.dist, g.done
	for i := range dist {
		dist[i] = inf
		done[i] = false
	}
	h := g.heap[:0]
	dist[s] = 0
	h = append(h, heapItem{0, int32(s)})
	pi := g.pi
	settled := g.queue[:0]
	for len(h) > 0 {
		// Pop the minimum.
		it := h[0]
		last := len(h) - 1
		h[0] = h[last]
		h = h[:last]
		siftDown(h, 0)
		u := it.v
		if done[u] || it.d != dist[u] {
			continue
		}
		done[u] = true
		settled = append(settled, u)
		if int(u) == t {
			break
		}
		du := it.d
		pu := pi[u]
		for _, ar := range g.arcs[g.start[u]:g.start[u+1]] {
			if ar.cap <= 0 {
				continue
			}
			v := ar.to
			nd := du + ar.cost + pu - pi[v]
			if nd < dist[v] {
				dist[v] = nd
				h = append(h, heapItem{nd, v})
				siftUp(h, len(h)-1)
			}
		}
	}
	g.heap = h[:0]
	g.queue = settled[:0]
	g.work.Settled += int64(len(settled))
	if !done[t] {
		// Max flow reached. Nodes not reachable from s cannot be reached
		// by any later augmenting path, so shifting them keeps every
		// reduced cost >= 0 (no residual arc leaves the reachable set),
		// and makes the potentials a certificate (see Potential).
		if d := pi[s] - pi[t]; d > 0 {
			for v := range pi {
				if dist[v] == inf {
					pi[v] += d
				}
			}
		}
		return false
	}
	D := dist[t]
	if onlyNegative {
		// The path cost after the update is pi[t]+D-pi[s]; never raise
		// it above zero, so that a final non-negative path leaves
		// Potential(t) == Potential(s).
		if c := pi[s] - pi[t]; c >= 0 && c < D {
			D = c
		}
	}
	for v := range pi {
		if done[v] && dist[v] < D {
			pi[v] += dist[v]
		} else {
			pi[v] += D
		}
	}
	return true
}

func siftUp(h []heapItem, i int) {
	x := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if h[p].d <= x.d {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = x
}

func siftDown(h []heapItem, i int) {
	n := len(h)
	if n == 0 {
		return
	}
	x := h[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].d < h[c].d {
			c++
		}
		if h[c].d >= x.d {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = x
}

// blockingFlow sends as much flow as possible (at most limit) from s to t
// along arcs of zero reduced cost: Dinic's algorithm on the admissible
// subgraph (BFS levels, then DFS with current-arc pointers), repeated until
// t is no longer reachable through admissible arcs.
func (g *Graph) blockingFlow(s, t int, limit int64) int64 {
	total := int64(0)
	pi := g.pi
	for total < limit {
		// BFS levels over admissible arcs.
		level := g.level
		for i := range level {
			level[i] = -1
		}
		q := g.queue[:0]
		level[s] = 0
		q = append(q, int32(s))
		for head := 0; head < len(q); head++ {
			u := q[head]
			if int(u) == t {
				break
			}
			lu := level[u] + 1
			pu := pi[u]
			for _, ar := range g.arcs[g.start[u]:g.start[u+1]] {
				if ar.cap <= 0 {
					continue
				}
				v := ar.to
				if level[v] < 0 && ar.cost+pu-pi[v] == 0 {
					level[v] = lu
					q = append(q, v)
				}
			}
		}
		g.queue = q[:0]
		if level[t] < 0 {
			break
		}
		for u := 0; u < g.n; u++ {
			g.iter[u] = g.start[u]
		}
		f := g.dfs(s, t, limit-total)
		g.work.Rounds++
		if f == 0 {
			break
		}
		total += f
	}
	return total
}

// dfs finds augmenting paths in the level graph with current-arc pointers
// (iterative, so that long paths do not grow the goroutine stack).
func (g *Graph) dfs(s, t int, limit int64) int64 {
	total := int64(0)
	pi, level, iter := g.pi, g.level, g.iter
	path := g.stack[:0]
	u := int32(s)
	for total < limit {
		if int(u) == t {
			// Augment along path.
			f := limit - total
			for _, a := range path {
				if g.arcs[a].cap < f {
					f = g.arcs[a].cap
				}
			}
			cut := -1
			for i, a := range path {
				g.arcs[a].cap -= f
				g.arcs[g.arcs[a].rev].cap += f
				if g.arcs[a].cap == 0 && cut < 0 {
					cut = i
				}
			}
			total += f
			if cut < 0 { // limit reached
				break
			}
			// Restart from the tail of the first saturated arc.
			path = path[:cut]
			if cut == 0 {
				u = int32(s)
			} else {
				u = g.arcs[path[cut-1]].to
			}
			continue
		}
		advanced := false
		lu := level[u] + 1
		pu := pi[u]
		for a := iter[u]; a < g.start[u+1]; a++ {
			ar := &g.arcs[a]
			if ar.cap <= 0 {
				continue
			}
			v := ar.to
			if level[v] == lu && ar.cost+pu-pi[v] == 0 {
				iter[u] = a
				path = append(path, a)
				u = v
				advanced = true
				break
			}
		}
		if advanced {
			continue
		}
		// Dead end: retreat.
		iter[u] = g.start[u+1]
		level[u] = -1
		if len(path) == 0 {
			break
		}
		a := path[len(path)-1]
		path = path[:len(path)-1]
		u = g.arcs[g.arcs[a].rev].to
		iter[u] = a + 1
	}
	g.stack = path[:0]
	return total
}

// solveLocal is MinCostFlow without a limit, as a minimum-cost
// circulation: s and t are one node Z (the flow that reaches t goes back to
// s at no cost). With valid potentials (Potential(s) = Potential(t)), every
// arc of negative reduced cost is saturated, which leaves excesses (at the
// heads of the source arcs in the delegate graph) and deficits (at Z); then
// each excess is routed along a shortest path, on reduced costs, to the
// nearest deficit: one Dijkstra per excess, stopped at that deficit, with
// the potentials updated on the settled nodes only. Searches stay local
// (a seat finds the nearest free volunteer, or gives up at the price of its
// priority), so national instances are fast; every step keeps all reduced
// costs >= 0, so the result is a minimum-cost flow.
func (g *Graph) solveLocal(s, t int) (flow, cost int64) {
	if s < 0 || s >= g.n || t < 0 || t >= g.n {
		panic("flow: source or sink out of range")
	}
	if !g.built {
		g.build()
	}
	f0, c0 := g.flowCost(s, t)
	if !g.piValid {
		// No potentials yet (first solve, or edges added): zero ones, and
		// the saturation below cancels every arc of negative cost,
		// including flow on positive-cost edges, so that no Bellman-Ford
		// pass is needed even when the current flow is far from optimal.
		for i := range g.pi {
			g.pi[i] = 0
		}
		g.piValid = true
	}
	// Merge t into s: one potential. Arcs that this makes negative are
	// saturated below like any other.
	pi := g.pi
	pi[t] = pi[s]
	z := func(v int32) int32 {
		if int(v) == t {
			return int32(s)
		}
		return v
	}
	g.excess = resize(g.excess, g.n)
	excess := g.excess
	clear(excess)
	for u := 0; u < g.n; u++ {
		for a := g.start[u]; a < g.start[u+1]; a++ {
			if c := g.arcs[a].cap; c > 0 && g.arcs[a].cost+pi[u]-pi[g.arcs[a].to] < 0 {
				g.arcs[a].cap = 0
				g.arcs[g.arcs[a].rev].cap += c
				excess[z(int32(u))] -= c
				excess[z(g.arcs[a].to)] += c
			}
		}
	}
	// Dijkstra state, reset through touched.
	dist, done := g.dist, g.done
	for i := range dist {
		dist[i] = inf
		done[i] = false
	}
	parent := g.level // arc that reached a node (scratch: blockingFlow sets it anew)
	touched, settled := g.touched[:0], g.stack[:0]
	h := g.heap[:0]
	for v0 := int32(0); int(v0) < g.n; v0++ {
		for excess[v0] > 0 {
			dist[v0] = 0
			touched = append(touched[:0], v0)
			settled = settled[:0]
			h = append(h[:0], heapItem{0, v0})
			target := int32(-1)
			var D int64
			for len(h) > 0 {
				it := h[0]
				last := len(h) - 1
				h[0] = h[last]
				h = h[:last]
				siftDown(h, 0)
				u := it.v
				if done[u] || it.d != dist[u] {
					continue
				}
				if excess[u] < 0 {
					target, D = u, it.d
					break
				}
				done[u] = true
				settled = append(settled, u)
				du := it.d
				// Z's arcs are those of s and of t.
				for k, w := range [2]int32{u, -1} {
					if k == 1 {
						if int(u) != s {
							break
						}
						w = int32(t)
					}
					pw := pi[w]
					for a := g.start[w]; a < g.start[w+1]; a++ {
						if g.arcs[a].cap <= 0 {
							continue
						}
						v := z(g.arcs[a].to)
						nd := du + g.arcs[a].cost + pw - pi[g.arcs[a].to]
						if nd < dist[v] {
							if dist[v] == inf {
								touched = append(touched, v)
							}
							dist[v] = nd
							parent[v] = a
							h = append(h, heapItem{nd, v})
							siftUp(h, len(h)-1)
						}
					}
				}
			}
			if target < 0 {
				panic("flow: internal error: excess with no deficit")
			}
			g.work.Searches++
			g.work.Settled += int64(len(settled))
			for _, v := range settled {
				pi[v] += dist[v] - D
				if int(v) == s {
					pi[t] = pi[s]
				}
			}
			// Augment.
			f := min(excess[v0], -excess[target])
			for v := target; v != v0; {
				a := parent[v]
				f = min(f, g.arcs[a].cap)
				v = z(g.arcs[g.arcs[a].rev].to)
			}
			for v := target; v != v0; {
				a := parent[v]
				g.arcs[a].cap -= f
				g.arcs[g.arcs[a].rev].cap += f
				v = z(g.arcs[g.arcs[a].rev].to)
			}
			excess[v0] -= f
			excess[target] += f
			for _, v := range touched {
				dist[v] = inf
				done[v] = false
			}
		}
	}
	g.heap, g.touched, g.stack = h[:0], touched[:0], settled[:0]
	f1, c1 := g.flowCost(s, t)
	return f1 - f0, c1 - c0
}

// flowCost is the net flow into t and the total cost of the current flow.
func (g *Graph) flowCost(s, t int) (flow, cost int64) {
	for e := range g.eFrom {
		f := g.Flow(e)
		cost += f * g.eCost[e]
		if int(g.eTo[e]) == t {
			flow += f
		}
		if int(g.eFrom[e]) == t {
			flow -= f
		}
	}
	return flow, cost
}
