package delegates

import (
	"slices"
	"time"
)

// A round of a run between loading and writing: the solver's problem built
// from what was loaded, then the difference between its solution and the
// seats of earlier runs. A first national run has no earlier seats and
// 210,000 seats to cover: everything here works on slices indexed like the
// round's needs, and builds the maps keyed by seat or person only for the
// earlier seats, which are few or none.

// roundPlan is one round's problem and what is needed to read its solution.
type roundPlan struct {
	needs    []neededSeat
	existing []existingSeat
	prob     *Problem
	seatNeed []int32 // per open seat (prob.Seats): its index in needs
	heldBy   []int32 // per open seat: the candidate who holds it from an earlier run, or -1
	stale    []int64 // seats of earlier runs that no longer fit: removed
	movable  []existingSeat
	kept     int             // seats needed and left alone (manual, confirmed, out of scope)
	busy     map[int64]bool  // people who keep a seat: out of the problem
	needIdx  map[seatKey]int // seat → index in needs (only with earlier seats)
	openOf   []int32         // per need: index in prob.Seats, or -1 when kept (only with earlier seats)
	candIdx  map[int64]int   // volunteer id → index in prob.People (only with movable seats)
}

// planRound builds the solver's problem: the open seats in needs order,
// the candidates in vols order, each with the open seats they held. Kept
// seats and the people who hold them stay out of the problem; seats that no
// longer fit are marked for removal and their holders in changed.
func planRound(needs []neededSeat, vols []runVolunteer, existing []existingSeat, changed map[int64]bool) *roundPlan {
	rp := &roundPlan{needs: needs, existing: existing, prob: &Problem{}}
	taken := rp.sortExisting(changed)
	prob := rp.prob
	prob.Seats = make([]OpenSeat, 0, len(needs)-len(taken))
	rp.seatNeed = make([]int32, 0, len(needs)-len(taken))
	if rp.needIdx != nil {
		rp.openOf = make([]int32, len(needs))
	}
	for i := range needs {
		s := &needs[i]
		if taken[i] {
			rp.openOf[i] = -1
			continue
		}
		if rp.openOf != nil {
			rp.openOf[i] = int32(len(prob.Seats))
		}
		rp.seatNeed = append(rp.seatNeed, int32(i))
		prob.Seats = append(prob.Seats, OpenSeat{Commune: s.commune, Bureau: s.bureau, Role: s.role, Priority: s.priority, Point: s.point, Order: s.order})
	}
	prob.People = make([]Candidate, 0, len(vols)) // busy people may be others than vols
	if len(rp.movable) > 0 {
		rp.candIdx = make(map[int64]int, len(vols))
	}
	for _, v := range vols {
		if rp.busy[v.id] {
			continue
		}
		if rp.candIdx != nil {
			rp.candIdx[v.id] = len(prob.People)
		}
		prob.People = append(prob.People, Candidate{ID: v.id, Commune: v.commune, Bureau: v.bureau, Point: v.point, MaxKm: v.maxKm, Roles: v.roles, Preferred: v.preferred, Removed: v.removed})
	}
	rp.heldBy = make([]int32, len(prob.Seats))
	for i := range rp.heldBy {
		rp.heldBy[i] = -1
	}
	for _, x := range rp.movable {
		ci, ok := rp.candIdx[x.volunteer]
		si := rp.openSeat(x.key)
		if ok && si >= 0 {
			prob.People[ci].Held = append(prob.People[ci].Held, si)
			rp.heldBy[si] = int32(ci)
		}
	}
	return rp
}

// sortExisting sorts the seats of earlier runs into kept, stale and
// movable ones, and returns the needs that kept seats fill.
func (rp *roundPlan) sortExisting(changed map[int64]bool) map[int]bool {
	taken := map[int]bool{}
	busy := map[int64]bool{}
	rp.busy = busy
	if len(rp.existing) == 0 {
		return taken
	}
	rp.needIdx = make(map[seatKey]int, len(rp.needs))
	for i := range rp.needs {
		rp.needIdx[rp.needs[i].key()] = i
	}
	fixed := func(x existingSeat) bool { return x.manual || x.confirmed || !x.seatInScope || !x.personInScope }
	for _, x := range rp.existing {
		if fixed(x) {
			busy[x.volunteer] = true
		}
	}
	for _, x := range rp.existing {
		ni, stillNeeded := rp.needIdx[x.key]
		switch {
		case fixed(x) || busy[x.volunteer] && stillNeeded && x.personEligible:
			// A person with a kept seat keeps their other seats too:
			// they are out of the problem this round.
			busy[x.volunteer] = true
			if stillNeeded {
				taken[ni] = true
				rp.kept++
			}
		case !stillNeeded || !x.personEligible:
			rp.stale = append(rp.stale, x.id)
			changed[x.volunteer] = true
		default:
			rp.movable = append(rp.movable, x)
		}
	}
	return taken
}

// openSeat is the index in prob.Seats of a needed seat left open, or -1.
func (rp *roundPlan) openSeat(k seatKey) int {
	ni, ok := rp.needIdx[k]
	if !ok || rp.openOf[ni] < 0 {
		return -1
	}
	return int(rp.openOf[ni])
}

// diff compares the solution with the seats of earlier runs: the seats to
// remove and to add, the earlier seats that stay, and the round's figures.
// The holders of every seat removed or added go in changed.
func (rp *roundPlan) diff(round int, sol *Solution, changed map[int64]bool) (RoundResult, roundWrites, []existingSeat) {
	rr := RoundResult{Round: round, Seats: len(rp.needs), Kept: rp.kept, Candidates: len(rp.prob.People)}
	removed := append([]int64(nil), rp.stale...)
	for _, x := range rp.movable {
		ci, ok := rp.candIdx[x.volunteer]
		if si := rp.openSeat(x.key); ok && si >= 0 && sol.Holder[si] == ci {
			rr.Unchanged++
			continue
		}
		removed = append(removed, x.id)
		changed[x.volunteer] = true
	}
	added := make([]addedSeat, 0, len(sol.Holder))
	for si, h := range sol.Holder {
		if h < 0 || int32(h) == rp.heldBy[si] {
			continue
		}
		n := &rp.needs[rp.seatNeed[si]]
		vid := rp.prob.People[h].ID
		changed[vid] = true
		added = append(added, addedSeat{key: n.key(), volunteer: vid, need: rp.seatNeed[si]})
	}
	var kept []existingSeat
	if len(rp.existing) > 0 {
		gone := make(map[int64]bool, len(removed))
		for _, id := range removed {
			gone[id] = true
		}
		for _, x := range rp.existing {
			if !gone[x.id] {
				kept = append(kept, x)
			}
		}
	}
	rr.Removed, rr.Added = len(removed), len(added)
	rr.Assigned = rr.Kept + rr.Unchanged + rr.Added
	rr.Uncovered = rr.Seats - rr.Assigned
	return rr, roundWrites{round: round, removed: removed, added: added}, kept
}

// roundFinal is what a round's messages need: the seats held after the
// run, earlier ones that stay and new ones, with the names of their
// places from the round's needs.
type roundFinal struct {
	round int
	date  time.Time
	needs []neededSeat
	kept  []existingSeat
	added []addedSeat
}

// collectFinal groups by person the seats held after the run in its rounds.
func collectFinal(finals []roundFinal) map[int64][]Seat {
	n := 0
	for _, f := range finals {
		n += len(f.kept) + len(f.added)
	}
	final := make(map[int64][]Seat, n)
	for _, f := range finals {
		var names map[[2]string]int32
		if len(f.kept) > 0 {
			names = make(map[[2]string]int32, len(f.needs)/3)
			for i := range f.needs {
				names[[2]string{f.needs[i].commune, f.needs[i].bureau}] = int32(i)
			}
		}
		for _, x := range f.kept {
			s := Seat{Round: f.round, RoundDate: f.date, CommuneCode: x.key.commune, CommuneName: x.key.commune, BureauCode: x.key.bureau, Role: x.key.role}
			if i, ok := names[[2]string{x.key.commune, x.key.bureau}]; ok {
				n := &f.needs[i]
				s.CommuneName, s.BureauName, s.Address = n.communeName, n.bureauName, n.address
			}
			final[x.volunteer] = append(final[x.volunteer], s)
		}
		for _, a := range f.added {
			n := &f.needs[a.need]
			final[a.volunteer] = append(final[a.volunteer], Seat{Round: f.round, RoundDate: f.date, CommuneCode: n.commune, CommuneName: n.communeName,
				BureauCode: n.bureau, BureauName: n.bureauName, Address: n.address, Role: a.key.role})
		}
	}
	return final
}

// growFor makes room for n more elements, doubling the capacity when it
// must grow: append grows large slices by a quarter at a time, which for
// the 200,000 rows of a national run allocates five times the final slice
// and touches as much fresh memory.
func growFor[T any](s []T, n int) []T {
	if len(s)+n <= cap(s) {
		return s
	}
	return slices.Grow(s, max(n, len(s)))
}
