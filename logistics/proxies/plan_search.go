package proxies

// The searches of saturate (and capSaturate, plan_group.go): one Dijkstra
// on reduced costs per free left node, over a bucket queue (dial), through
// the hubs of interchangeable demands in the scarce part (searcher), and
// the augmentation that commits each (see plan_assign.go for where they
// sit in the solver).

// shared is the state of saturate that the searches read and commit.
type shared struct {
	g            *bip
	mateL, mateR []int32
	mateCost     []int64 // cost of the matched pair of a right node
	piL, piR     []int64
	rank         []int32
	hv           *hubView // nil: no hubs
}

// pathSearch is one shortest augmenting path search of saturate or
// capSaturate: search reads the shared state and writes only its own
// scratch, commit applies the path found.
type pathSearch interface {
	search(l0 int32)
	commit()
	scratch() *dial
}

// dial is the scratch of one Dijkstra on reduced costs from a free left
// node to the nearest right node with room, over nodes 0..nL-1 (left) and
// nL..nL+nR-1 (right). Reduced distances are small non-negative integers:
// a bucket queue (Dial) replaces the heap; entries whose distance changed
// are stale.
//
// The buckets are lists threaded through one array of entries (q),
// first in first out: head[d] and tail[d] are the first and last entries
// of distance d (-1: none). One slice per distance, grown entry by entry,
// cost the batch a tenth of its solve in copies: the long searches of a
// balanced region fill hundreds of buckets of thousands of entries each.
type dial struct {
	dist []int64
	// key of a right node: its distance plus its potential as the search
	// first read it, so that the many arcs reaching a node already reached
	// compare with one read (base + cost < key) instead of two.
	key              []int64
	done             []bool
	touched, settled []int32
	q                []qEntry
	head, tail       []int32
	// Outcome of the last search: the right node reached (-1: none) at
	// distance D.
	l0, target int32
	D          int64
	// bad: a reduced cost was negative or out of range: a bug (see
	// searchEach).
	bad bool
}

// qEntry is node v queued, and the entry after it in its bucket (-1: none).
type qEntry struct{ v, next int32 }

const unseen = int64(1) << 62

func newDial(nodes int) dial {
	s := dial{dist: make([]int64, nodes), key: make([]int64, nodes), done: make([]bool, nodes),
		q: make([]qEntry, 0, nodes)}
	for i := range s.dist {
		s.dist[i], s.key[i] = unseen, unseen
	}
	return s
}

func (s *dial) scratch() *dial { return s }

// bestRoom returns, among the right nodes with room at the distance of
// entry k (right node r, which has room), the best ranked: the rest of
// the bucket is scanned. With rank nil, r.
func (s *dial) bestRoom(k, nL, r int32, rank []int32, room func(r int32) bool) int32 {
	if rank == nil {
		return r
	}
	b := s.dist[nL+r]
	for j := s.q[k].next; j >= 0; j = s.q[j].next {
		w := s.q[j].v
		if rw := w - nL; rw >= 0 && int(rw) < len(rank) && rank[rw] < rank[r] && !s.done[w] && s.dist[w] == b && room(rw) {
			r = rw
		}
	}
	return r
}

// push queues v at distance d (small enough to inline: the searches
// push once per arc that improves a distance).
func (s *dial) push(v int32, d int64) {
	if uint64(d) >= uint64(len(s.head)) && !s.grow(d) {
		return
	}
	i := int32(len(s.q))
	s.q = append(s.q, qEntry{v, -1})
	if t := s.tail[d]; t >= 0 {
		s.q[t].next = i
	} else {
		s.head[d] = i
	}
	s.tail[d] = i
}

// grow adds the buckets up to distance d, or marks the search bad when d
// is out of range.
func (s *dial) grow(d int64) bool {
	if d < 0 || d > 1<<24 {
		s.bad = true
		return false
	}
	for int64(len(s.head)) <= d {
		s.head, s.tail = append(s.head, -1), append(s.tail, -1)
	}
	return true
}

// begin starts a search from left node l0 (at distance 0) and returns
// its lists of touched and settled nodes.
func (s *dial) begin(l0 int32) (touched, settled []int32) {
	s.l0, s.target, s.D = l0, -1, 0
	s.dist[l0] = 0
	s.push(l0, 0)
	return append(s.touched[:0], l0), s.settled[:0]
}

// improve gives right node rv the key k, below its current one (see key),
// and queues it at the distance that makes; it reports whether rv is
// reached for the first time, when its potential pi is read (once per
// search).
func (s *dial) improve(rv int32, k int64, pi *int64) (first bool) {
	kr := s.key[rv]
	var nd int64
	if kr == unseen {
		nd, first = k-*pi, true
	} else {
		nd = k - (kr - s.dist[rv])
	}
	s.key[rv], s.dist[rv] = k, nd
	s.push(rv, nd)
	return first
}

// shiftPotentials adds dist - D to the potentials of the settled nodes
// (the others keep theirs: a constant shift of all potentials is
// harmless), which keeps every reduced cost >= 0 after the augmentation.
func (s *dial) shiftPotentials(piL, piR []int64) {
	nL := int32(len(piL))
	for _, v := range s.settled {
		if v < nL {
			piL[v] += s.dist[v] - s.D
		} else {
			piR[v-nL] += s.dist[v] - s.D
		}
	}
}

// reset clears the search's scratch for the next one.
func (s *dial) reset() {
	for _, v := range s.touched {
		s.dist[v], s.key[v] = unseen, unseen
		s.done[v] = false
	}
	// Entries may lie beyond the last bucket scanned.
	for b := range s.head {
		s.head[b], s.tail[b] = -1, -1
	}
	s.q = s.q[:0]
	s.bad = false
}

// searcher is one search of saturate (see dial).
type searcher struct {
	dial
	sh         *shared
	parent     []int32 // left node that reached a right node (or hub)
	parentCost []int64
	// The hub lists this search scanned, stamped with it: the smallest
	// base (distance plus potential) a slot scanned each from.
	listBase  []int64
	listStamp []int32
	stamp     int32
}

func newSearcher(sh *shared) *searcher {
	n := sh.g.nR
	s := &searcher{sh: sh}
	if hv := sh.hv; hv != nil {
		n += int(hv.nH)
		s.listBase, s.listStamp = make([]int64, len(hv.lstart)-1), make([]int32, len(hv.lstart)-1)
	}
	s.dial, s.parent, s.parentCost = newDial(sh.g.nL+n), make([]int32, n), make([]int64, n)
	return s
}

// scanList reports whether a slot at base is to scan hub list k: no slot
// of this search scanned it from as near. Skipping it changes nothing,
// ties included: from a farther slot no arc of the list would lower a
// hub's key.
func (s *searcher) scanList(k int32, base int64) bool {
	if s.listStamp[k] == s.stamp && s.listBase[k] <= base {
		return false
	}
	s.listStamp[k], s.listBase[k] = s.stamp, base
	return true
}

// search reads the shared state and writes only s.
func (s *searcher) search(l0 int32) {
	sh := s.sh
	g := sh.g
	nL := g.nL
	mateR, mateCost, piL, piR, rank := sh.mateR, sh.mateCost, sh.piL, sh.piR, sh.rank
	dist, done, parent, parentCost := s.dist, s.done, s.parent, s.parentCost
	keyR := s.key[nL:]
	free := func(r int32) bool { return mateR[r] < 0 }
	// Hubs (hv) are nodes nL+nR..: their keys, and the slot that reached
	// each, follow the right nodes'.
	hv := sh.hv
	hub0 := int32(nL + g.nR)
	hubKey, hubParent, hubCost := s.key[hub0:], parent[g.nR:], parentCost[g.nR:]
	touched, settled := s.begin(l0)
	s.stamp++
scan:
	for b := 0; b < len(s.head); b++ {
		// The bucket may grow while it is scanned (zero-cost arcs).
		for k := s.head[b]; k >= 0; k = s.q[k].next {
			v := s.q[k].v
			if done[v] || dist[v] != int64(b) {
				continue
			}
			if v >= hub0 {
				// A hub: its members at the hub's key.
				done[v] = true
				h := v - hub0
				kh, l, c := hubKey[h], hubParent[h], hubCost[h]
				for _, r := range hv.members[hv.mstart[h]:hv.mstart[h+1]] {
					if kh < keyR[r] {
						if s.improve(int32(nL)+r, kh, &piR[r]) {
							touched = append(touched, int32(nL)+r)
						}
						parent[r], parentCost[r] = l, c
					}
				}
				continue
			}
			if int(v) >= nL && free(v-int32(nL)) {
				// A free right node: the nearest.
				s.target, s.D = s.bestRoom(k, int32(nL), v-int32(nL), rank, free), int64(b)
				if hv != nil && rank != nil {
					// The members of the hubs still queued at this distance
					// are as near as the bucket's own nodes: bestRoom
					// without hubs would have seen them there.
					for j := s.q[k].next; j >= 0; j = s.q[j].next {
						w := s.q[j].v
						if w < hub0 || done[w] || dist[w] != int64(b) {
							continue
						}
						h := w - hub0
						for _, r := range hv.members[hv.mstart[h]:hv.mstart[h+1]] {
							if rank[r] < rank[s.target] && free(r) && hubKey[h]-piR[r] == int64(b) {
								s.target = r
								parent[r], parentCost[r] = hubParent[h], hubCost[h]
							}
						}
					}
				}
				break scan
			}
			done[v] = true
			settled = append(settled, v)
			if int(v) >= nL {
				r := v - int32(nL)
				m := mateR[r]
				// Reverse arc of the matched pair, reduced cost >= 0.
				nd := int64(b) - mateCost[r] + piR[r] - piL[m]
				if nd < dist[m] {
					if dist[m] == unseen {
						touched = append(touched, m)
					}
					dist[m] = nd
					s.push(m, nd)
				}
				continue
			}
			l := v
			// The arc to l's own mate needs no skipping: its reduced
			// cost is 0 and l was reached through that mate at distance
			// b, so it never improves the mate's distance.
			base := int64(b) + piL[l]
			var costs, tos []int32
			if hv == nil {
				lo, hi := g.start[l], g.start[l+1]
				costs, tos = g.cost[lo:hi], g.to[lo:hi]
			} else {
				lo, hi := hv.dstart[l], hv.dstart[l+1]
				costs, tos = hv.dcost[lo:hi], hv.dto[lo:hi]
				var arcs []hubArc
				if k := hv.list[l]; k >= 0 && s.scanList(k, base) {
					arcs = hv.arcs[hv.lstart[k]:hv.lstart[k+1]]
				}
				for i := nearer(arcs, hubKey, base, 0); i < len(arcs); i = nearer(arcs, hubKey, base, i+1) {
					h, c := arcs[i].h, int64(arcs[i].c)
					kh := base + c
					v := hub0 + h
					if hubKey[h] == unseen {
						touched = append(touched, v)
					}
					// A hub reached again after it was scanned is
					// scanned again: pi[h] only bounds its members'
					// potentials, so a later slot can bring it nearer.
					hubKey[h], hubParent[h], hubCost[h] = kh, l, c
					d := max(int64(b), kh-hv.pi[h])
					dist[v], done[v] = d, false
					s.push(v, d)
				}
			}
			for i, r := range tos {
				c := int64(costs[i])
				if k := base + c; k < keyR[r] {
					if s.improve(int32(nL)+r, k, &piR[r]) {
						touched = append(touched, int32(nL)+r)
					}
					parent[r], parentCost[r] = l, c
				}
			}
		}
	}
	s.touched, s.settled = touched, settled
}

// nearer returns the first arc of arcs from i on that brings its hub
// nearer than hubKey (len(arcs): none). Nine arcs in ten do not, and the
// national searches scan 110 million: written apart, the scan compiles
// to a short loop with no reload from the stack at every arc, as search's
// own loop had (0.1 s less on the national round, alternated).
func nearer(arcs []hubArc, hubKey []int64, base int64, i int) int {
	for ; i < len(arcs); i++ {
		if base+int64(arcs[i].c) < hubKey[arcs[i].h] {
			return i
		}
	}
	return len(arcs)
}

// commit applies the last search: potentials pi += dist - D on the
// settled nodes (the others keep theirs: a constant shift of all
// potentials is harmless), then the augmentation.
func (s *searcher) commit() {
	if s.target < 0 {
		return
	}
	sh := s.sh
	s.shiftPotentials(sh.piL, sh.piR)
	if hv := sh.hv; hv != nil {
		nL := int32(sh.g.nL)
		for _, v := range s.settled {
			if v >= nL {
				if h := hv.hubOf[v-nL]; h >= 0 {
					hv.refresh(h, sh.piR)
				}
			}
		}
	}
	r := s.target
	for {
		l := s.parent[r]
		next := sh.mateL[l]
		sh.mateL[l] = r
		sh.mateR[r] = l
		sh.mateCost[r] = s.parentCost[r]
		if l == s.l0 {
			break
		}
		r = next
	}
}
