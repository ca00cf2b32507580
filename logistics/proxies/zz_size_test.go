package proxies

import (
	"fmt"
	"testing"
	"time"
)

func TestZZRestrict(t *testing.T) {
	ds, ss := nationalInstance(t, 100_000, 1, 1)
	p, rounds, byRound, supByRound := newPlanner(ds, ss, Options{})
	r := rounds[0]
	dsr, ssr := byRound[r], supByRound[r]
	pl := p.places(dsr, ssr)
	rg := p.newRoundGraph(dsr, ssr, pl, -1, pairBudget, func(d *Demand, s *Supply, c int64) (int64, bool) { return 2*(c+8) + 1, false })
	dOrd, dPos := rg.demandOrder()
	sOrd, sPos := rg.slotOrder()
	g := rg.partGraph(sPos, dPos, len(sOrd), len(dOrd), true, nil)
	t0 := time.Now()
	full := rg.hubView(g, sOrd, dOrd, 1, true)
	fmt.Println("fold 1 worker", time.Since(t0))
	t0 = time.Now()
	rg.hubView(g, sOrd, dOrd, 2, true)
	fmt.Println("fold 2 workers", time.Since(t0))
	rightID := make([]int32, len(dOrd))
	for i := range rightID {
		rightID[i] = int32(i)
	}
	leftOld := sOrd
	for i := 0; i < 3; i++ {
		t0 = time.Now()
		full.restrict(leftOld, sPos, dOrd, rightID, len(dOrd))
		fmt.Println("restrict", time.Since(t0))
	}
	t0 = time.Now()
	maxMatching(g, 10)
	fmt.Println("maxMatching", time.Since(t0))
}
