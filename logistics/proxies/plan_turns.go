package proxies

import (
	"sync"
	"sync/atomic"
)

// searchInTurn runs one shortest augmenting path search per entry of
// queue, in order, and commits each (potentials, augmentation) before the
// next, as if sequentially; an entry whose left node is full when its turn
// comes is skipped. nL and nR size the two sides (nR counts the hubs
// after the right nodes).
//
// With parallel, two workers search ahead of the turn (at most lookAhead
// entries) on the state as it is, while the other commits. A search reads
// the shared state only at the nodes it gives a distance to (its touched
// nodes), and a commit writes only at the nodes its search settled plus
// its target and the hubs whose bound it lowered (dial.moved), each
// stamped with the commit's version. So a result whose
// touched nodes were all left alone since its search began is the one the
// sequential order would have found, and is committed as is; any other is
// searched again when its turn comes, when nothing else can commit. The
// result is exactly the sequential one, whatever the timing: the solver
// stays deterministic.
//
// The state the searches read while a commit writes it is accessed
// atomically (see load and store); a search that read a commit half-way
// can meet a negative reduced cost, which marks it bad (dial.push) and
// its touched nodes are stamped anyway.
func searchInTurn(queue []int32, parallel bool, nL, nR int, newSearch func() pathSearch, full func(l int32) bool) {
	if !parallel {
		s := newSearch()
		for _, l := range queue {
			if !full(l) {
				s.search(l)
				commitExact(s)
			}
		}
		return
	}
	t := &turns{queue: queue, full: full, newSearch: newSearch, res: make([]turn, len(queue)),
		stamp: make([]int32, nL+nR), nL: int32(nL)}
	t.cond = sync.NewCond(&t.mu)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t.work()
	}()
	t.work()
	wg.Wait()
}

// lookAhead bounds how far a worker searches ahead of the turn: further
// ahead, results are more often stale.
const lookAhead = 4

// turns is the shared state of searchInTurn's workers, guarded by mu
// (the shared state of the searches themselves is not: see searchInTurn).
type turns struct {
	mu        sync.Mutex
	cond      *sync.Cond // the turn moved
	queue     []int32
	full      func(l int32) bool
	newSearch func() pathSearch
	pool      []pathSearch
	res       []turn
	next      int // first entry no worker took
	at        int // the turn: first entry not committed
	version   int32
	resolving bool    // a worker searches the turn's entry again, unlocked
	stamp     []int32 // version of the commit that last wrote a node
	nL        int32
}

// turn is the search of one entry.
type turn struct {
	s     pathSearch
	since int32 // version the search started from
	state uint8
}

const (
	pending uint8 = iota
	searched
	skipped
)

func (t *turns) work() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for {
		// A full left node stays full: skipped now as in its turn.
		for t.next < len(t.queue) && t.full(t.queue[t.next]) {
			t.res[t.next].state = skipped
			t.next++
		}
		t.drain()
		if t.next == len(t.queue) {
			return
		}
		if t.next-t.at >= lookAhead {
			t.cond.Wait()
			continue
		}
		k := t.next
		t.next++
		s := t.get()
		t.res[k].since = t.version
		t.mu.Unlock()
		s.search(t.queue[k])
		t.mu.Lock()
		t.res[k].s, t.res[k].state = s, searched
	}
}

// drain commits the entries whose turn has come and whose search is done.
func (t *turns) drain() {
	for !t.resolving && t.at < t.next {
		r := &t.res[t.at]
		if r.state == pending {
			return
		}
		if r.state == searched {
			l := t.queue[t.at]
			switch {
			case t.full(l):
				r.s.scratch().reset()
			case t.fresh(r):
				t.commit(r.s)
			default:
				// Again, on the state no other commit can change before
				// this one; the other worker goes on searching ahead.
				t.resolving = true
				t.mu.Unlock()
				r.s.scratch().reset()
				r.s.search(l)
				t.mu.Lock()
				t.resolving = false
				t.commit(r.s)
			}
			t.pool = append(t.pool, r.s)
			r.s = nil
		}
		t.at++
		t.cond.Broadcast()
	}
}

// fresh reports whether no commit since r's search began wrote a node it
// touched.
func (t *turns) fresh(r *turn) bool {
	sc := r.s.scratch()
	if sc.bad {
		return false
	}
	if t.version == r.since {
		return true
	}
	for _, v := range sc.touched {
		if t.stamp[v] > r.since {
			return false
		}
	}
	return true
}

func (t *turns) commit(s pathSearch) {
	sc := s.scratch()
	if sc.bad {
		panic("proxies: reduced distance out of range")
	}
	if sc.target >= 0 {
		t.version++
		for _, v := range sc.settled {
			t.stamp[v] = t.version
		}
		t.stamp[t.nL+sc.target] = t.version
	}
	s.commit()
	for _, v := range sc.moved {
		t.stamp[v] = t.version
	}
	sc.reset()
}

func (t *turns) get() pathSearch {
	if n := len(t.pool); n > 0 {
		s := t.pool[n-1]
		t.pool = t.pool[:n-1]
		return s
	}
	return t.newSearch()
}

// commitExact commits a search made on the current state and clears its
// scratch.
func commitExact(s pathSearch) {
	sc := s.scratch()
	if sc.bad {
		panic("proxies: reduced distance out of range")
	}
	s.commit()
	sc.reset()
}

// load and store access the state that searches read while a commit may
// write it (potentials, mates, flows): plain moves on amd64 and arm64,
// and what the race detector knows to be synchronised.
func load(p *int64) int64       { return atomic.LoadInt64(p) }
func store(p *int64, v int64)   { atomic.StoreInt64(p, v) }
func load32(p *int32) int32     { return atomic.LoadInt32(p) }
func store32(p *int32, v int32) { atomic.StoreInt32(p, v) }
