package proxies

// searchEach runs one shortest augmenting path search per entry of queue,
// in order, and commits each (potentials, augmentation) before the next;
// an entry whose left node is full when its turn comes is skipped.
//
// The searches run on one core. Searching ahead of the turn on the other
// one, keeping a result only when no commit since had touched its nodes
// (so that the plan stayed the sequential one), was measured no faster on
// every national benchmark, and slower on the largest (2.41-3.06 s against
// 2.34-2.40 s, alternated on 2026-12-06): most of the time goes to the
// last searches, each of which crosses most of a balanced region, so that
// a search ahead of its turn is nearly always stale.
func searchEach(queue []int32, s pathSearch, full func(l int32) bool) {
	for _, l := range queue {
		if full(l) {
			continue
		}
		s.search(l)
		sc := s.scratch()
		if sc.bad {
			panic("proxies: reduced distance out of range")
		}
		s.commit()
		sc.reset()
	}
}
