package proxies

import (
	"sync/atomic"
	"unsafe"

	"scrutin/logistics/places"
)

// buildWorker is one share of the graph build (see newRoundGraph): the
// groups of demand sites byPoint[from:to], numbered from 0, with the
// blocks holding their near sites and pairs.
type buildWorker struct {
	near       slab[nearSite]
	pairs      slab[arc]
	nearOf     [][]nearSite // near sites of each group
	curNear    []nearSite
	scratch    []cand
	arcs       []arc        // the pairs of a demand, every pair kept
	shared     []sharedList // lists shared at the current point
	kept       int64
	incomplete bool
	from, to   int
}

// buildParallel runs build over the demand sites, on two cores when
// parallel: the sites are cut into shares (at changes of point) that two
// workers take in turn. Pairs crowd where people do: cut in two equal
// halves, the national round's northern half took half as long again as
// the southern one. The shares' output is merged into rg in order: the
// result is that of one sequential build.
func (rg *roundGraph) buildParallel(byPoint []int32, parallel bool, build func(wk *buildWorker, from, to int) bool) bool {
	n := len(byPoint)
	at := func(i int) places.Point { return rg.p.demands[rg.ds[byPoint[i]]].At }
	cuts := []int{0}
	if parallel && n >= 4096 && !buildSequential {
		for k := 1; k < buildShares; k++ {
			m := max(k*n/buildShares, cuts[len(cuts)-1]+1)
			for m < n && at(m) == at(m-1) {
				m++
			}
			if m < n {
				cuts = append(cuts, m)
			}
		}
	}
	cuts = append(cuts, n)
	wks := make([]*buildWorker, len(cuts)-1)
	var next atomic.Int32
	var failed atomic.Bool
	work := func(int) {
		// The slabs go on from one share to the next of the same core:
		// their blocks are large.
		var near slab[nearSite]
		var pairs slab[arc]
		for {
			k := int(next.Add(1)) - 1
			if k >= len(wks) || failed.Load() {
				return
			}
			wk := &buildWorker{from: cuts[k], to: cuts[k+1], near: near, pairs: pairs}
			wks[k] = wk
			if !build(wk, cuts[k], cuts[k+1]) {
				failed.Store(true)
			}
			near, pairs = wk.near, wk.pairs
		}
	}
	inParallel(min(2, len(wks)), work)
	if failed.Load() {
		return false
	}
	// Merge: group numbers shift by the earlier workers' (the lists stay
	// where the workers put them).
	for _, wk := range wks {
		g0 := int32(len(rg.nearOf))
		for _, di := range byPoint[wk.from:wk.to] {
			rg.group[di] += g0
		}
		rg.nearOf = append(rg.nearOf, wk.nearOf...)
		rg.totalKept += wk.kept
		if wk.incomplete {
			rg.complete = false
		}
	}
	return true
}

// buildShares is the number of shares of a parallel build.
const buildShares = 16

// buildSequential disables the parallel build (tests).
var buildSequential bool

// slab hands out slices of large blocks: long-lived lists without one
// allocation each and without the copies of a growing slice.
type slab[T any] struct{ cur []T }

// A slab's blocks double from slabLen elements up to slabBytes: a small
// plan (the instant path's) takes little memory, a national one a few
// huge pages per block (see hugeMake).
const (
	slabLen   = 1 << 16
	slabBytes = 8 << 20
)

// take returns a new slice of n elements (capacity n).
func (s *slab[T]) take(n int) []T {
	if cap(s.cur)-len(s.cur) < n {
		size := min(max(2*cap(s.cur), slabLen), slabBytes/int(unsafe.Sizeof(*new(T))))
		s.cur = hugeMake[T](0, max(size, n))
	}
	lo := len(s.cur)
	s.cur = s.cur[:lo+n]
	return s.cur[lo : lo+n : lo+n]
}
