package proxies

import "math"

// The maximum matching of a round's graph (step 1 of plan_assign.go): a
// greedy start, depth-first phases, then push-relabel.

// maxMatching returns a maximum matching (mateL[l] = right node or -1):
// a greedy start on the cheapest arcs (left nodes in order: oldest
// first), then depth-first phases (pothenFan) while they pay, then
// push-relabel (pushRelabel) for the rest. On the national graphs the
// last augmenting paths are long chains across regions (Hopcroft-Karp
// needed about 90 phases, each a breadth-first search of the whole
// graph, for the last few hundred of them); push-relabel follows them a
// step at a time.
func maxMatching(g *bip, pfRatio int, rev *reverse) (mateL, mateR []int32) {
	mateL = make([]int32, g.nL)
	mateR = make([]int32, g.nR)
	for i := range mateR {
		mateR[i] = -1
	}
	var free []int32
	for l := 0; l < g.nL; l++ {
		mateL[l] = -1
		best := int32(-1)
		for a := g.start[l]; a < g.start[l+1]; a++ {
			if mateR[g.to[a]] < 0 && (best < 0 || g.cost[a] < g.cost[best]) {
				best = a
			}
		}
		if best >= 0 {
			mateL[l], mateR[g.to[best]] = g.to[best], int32(l)
		} else if g.start[l] < g.start[l+1] {
			free = append(free, int32(l))
		}
	}
	if free = pothenFan(g, mateL, mateR, free, pfRatio); len(free) > 0 {
		pushRelabel(g, mateL, mateR, free, rev)
	}
	return mateL, mateR
}

// pfRatioDefault: pothenFan stops when a phase serves fewer than 1/10 of
// its free left nodes (the rest are long chains or dead ends).
const pfRatioDefault = 10

// pfRatio is the maximum matching's threshold; Options.stress (tests)
// sends small instances down the path of large ones.
func (rg *roundGraph) pfRatio() int {
	if rg.p.opt.stress {
		return math.MaxInt32
	}
	return pfRatioDefault
}

// pothenFan augments the matching by phases of depth-first searches from
// the free left nodes (Pothen-Fan with look-ahead and fairness): the
// right nodes visited in a phase are shared by its searches (a phase costs
// O(arcs)); at each left node a look-ahead pointer, which only moves
// forward (a matched right node stays matched), first looks for a free
// right node; arcs are scanned forwards and backwards in turn. It returns
// the left nodes still free: none if a phase proved the matching maximum
// (it augmented nothing), else those left to pushRelabel.
func pothenFan(g *bip, mateL, mateR []int32, free []int32, pfRatio int) []int32 {
	nL := g.nL
	look := make([]int32, nL)
	copy(look, g.start[:nL])
	it := make([]int32, nL)
	seen := make([]int32, g.nR)
	var stack []int32
	for stamp := int32(1); len(free) > 0; stamp++ {
		back := stamp%2 == 0
		n := 0
		for _, l0 := range free {
			stack = append(stack[:0], l0)
			if back {
				it[l0] = g.start[l0+1] - 1
			} else {
				it[l0] = g.start[l0]
			}
			for len(stack) > 0 {
				l := stack[len(stack)-1]
				lo, hi := g.start[l], g.start[l+1]
				found := int32(-1)
				for a := look[l]; a < hi; a++ {
					if mateR[g.to[a]] < 0 {
						found = a
						break
					}
				}
				if found >= 0 {
					look[l] = found + 1
					it[l] = found
					for i := len(stack) - 1; i >= 0; i-- {
						u := stack[i]
						r := g.to[it[u]]
						mateL[u], mateR[r] = r, u
					}
					n++
					break
				}
				look[l] = hi
				// Every neighbour is matched: go down through one not
				// yet visited in this phase.
				next := int32(-1)
				if back {
					for a := it[l]; a >= lo; a-- {
						if r := g.to[a]; seen[r] != stamp {
							seen[r] = stamp
							it[l], next = a, mateR[r]
							break
						}
					}
				} else {
					for a := it[l]; a < hi; a++ {
						if r := g.to[a]; seen[r] != stamp {
							seen[r] = stamp
							it[l], next = a, mateR[r]
							break
						}
					}
				}
				if next < 0 {
					stack = stack[:len(stack)-1]
					continue
				}
				if back {
					it[next] = g.start[next+1] - 1
				} else {
					it[next] = g.start[next]
				}
				stack = append(stack, next)
			}
		}
		k := 0
		for _, l := range free {
			if mateL[l] < 0 {
				free[k] = l
				k++
			}
		}
		if n == 0 {
			return nil // maximum
		}
		free = free[:k]
		if int64(n)*int64(pfRatio) < int64(len(free)+n) {
			break
		}
	}
	return free
}

// pushRelabel completes the matching into a maximum one by push-relabel
// for bipartite matching (single pushes, global relabelling): label[r]
// bounds from below the length of an alternating path from the right node
// r to a free right node. A free left node takes its lowest-labelled
// neighbour r (label d1), whose label becomes the second lowest d2 + 2
// (the route its displaced mate is left with); the displaced mate is free
// in turn. Every so much work, a breadth-first search backwards from the
// free right nodes makes the labels exact, and labels the right nodes that
// reach none infinite: a left node whose neighbours are all infinite is
// done for good (no augmenting path from it now or later). A long
// augmenting path costs a push per step, not a search of the graph.
func pushRelabel(g *bip, mateL, mateR []int32, free []int32, rev *reverse) {
	nL, nR := g.nL, g.nR
	// Right -> left adjacency, for the global relabelling: rev, or g
	// transposed.
	if rev == nil {
		rev = transpose(g)
	}
	inf := int32(2*nL + 2) // beyond any alternating path
	label := make([]int32, nR)
	queue := make([]int32, 0, nR)
	reach := func(r, l int32) {
		if rr := mateL[l]; rr >= 0 && label[rr] == inf {
			label[rr] = label[r] + 2
			queue = append(queue, rr)
		}
	}
	relabel := func() {
		queue = queue[:0]
		for r := 0; r < nR; r++ {
			if mateR[r] < 0 {
				label[r] = 0
				queue = append(queue, int32(r))
			} else {
				label[r] = inf
			}
		}
		for h := 0; h < len(queue); h++ {
			r := queue[h]
			if rev.lists == nil {
				for _, l := range rev.to[rev.start[r]:rev.start[r+1]] {
					reach(r, l)
				}
				continue
			}
			for _, c := range rev.lists[rev.rightOrd[r]] {
				for x := rev.slot0[c.s]; x < rev.slot0[c.s+1]; x++ {
					reach(r, rev.leftPos[x])
				}
			}
		}
	}
	relabel()
	// Global relabelling after about a quarter of the graph's arcs scanned
	// by pushes (a relabelling scans them all once).
	work, limit := int64(0), int64(len(g.to))/4+int64(nL)
	active := append([]int32(nil), free...)
	for len(active) > 0 {
		l := active[len(active)-1]
		active = active[:len(active)-1]
		for l >= 0 {
			if work > limit {
				relabel()
				work = 0
			}
			lo, hi := g.start[l], g.start[l+1]
			work += int64(hi-lo) + 1
			best, d1, d2 := int32(-1), inf, inf
			for _, r := range g.to[lo:hi] {
				if d := label[r]; d < d1 {
					d2, d1, best = d1, d, r
				} else if d < d2 {
					d2 = d
				}
			}
			if d1 >= inf {
				break // no augmenting path from l
			}
			old := mateR[best]
			mateL[l], mateR[best] = best, l
			label[best] = min(d2+2, inf)
			if old >= 0 {
				mateL[old] = -1
			}
			l = old
		}
	}
}

// reverse is the right -> left adjacency of a graph: its transpose
// (start, to), or, for the slot-major graph of a round (slots on the left
// numbered leftPos, demands on the right in the order rightOrd), the
// round's pair lists it was made from. Reading the lists costs more per
// arc, but a national graph's transpose is 33 MB of fresh memory, and
// a first touch of memory costs about 10 µs a page on machines like the
// one the benchmarks run on; push-relabel relabels only a few times.
type reverse struct {
	start, to []int32

	lists                    [][]arc
	rightOrd, leftPos, slot0 []int32
}

// transpose returns the right -> left adjacency of g.
func transpose(g *bip) *reverse {
	nR := g.nR
	rev := &reverse{start: make([]int32, nR+1), to: make([]int32, len(g.to))}
	for _, r := range g.to {
		rev.start[r+1]++
	}
	for r := 0; r < nR; r++ {
		rev.start[r+1] += rev.start[r]
	}
	pos := make([]int32, nR)
	copy(pos, rev.start[:nR])
	for l := 0; l < g.nL; l++ {
		for _, r := range g.to[g.start[l]:g.start[l+1]] {
			rev.to[pos[r]] = int32(l)
			pos[r]++
		}
	}
	return rev
}
