package proxies

import (
	"context"
	"time"

	"scrutin/logistics/places"
)

// The instant path: after a change commits (a new request or volunteer, a
// decline, an expiry, a withdrawal), plan the neighbourhood of the place it
// concerns, with the same code as the batch (Match with Near). Changes are
// coalesced per election: while a run works, new places pile up and the
// next run covers them all, so a burst of sign-ups costs a few runs, not
// one each. A change lost to a crash is caught by the next batch or event
// nearby: the database, not this queue, is the state.

// trigger queues the places of committed changes.
func (d *Desk) trigger(events ...event) {
	if d.InstantOff {
		return
	}
	q := &d.instant
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pending == nil {
		q.pending, q.running = map[int64][]places.Point{}, map[int64]bool{}
	}
	for _, e := range events {
		if e.point == nil {
			continue // no position: only the batch can plan it (same-commune volunteers have none either)
		}
		q.pending[e.electionID] = append(q.pending[e.electionID], *e.point)
		if !q.running[e.electionID] {
			q.running[e.electionID] = true
			q.wg.Add(1)
			go d.runInstant(e.electionID)
		}
	}
}

func (d *Desk) runInstant(electionID int64) {
	q := &d.instant
	defer q.wg.Done()
	for {
		q.mu.Lock()
		pts := q.pending[electionID]
		delete(q.pending, electionID)
		if len(pts) == 0 {
			q.running[electionID] = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := d.Match(ctx, electionID, MatchOptions{Near: dedupe(pts)})
		cancel()
		if err != nil && d.OnError != nil {
			d.OnError(err)
		}
	}
}

// Settle waits until the instant matching has handled every change
// committed so far (tests; graceful shutdown).
func (d *Desk) Settle() { d.instant.wg.Wait() }

func dedupe(pts []places.Point) []places.Point {
	seen := make(map[places.Point]bool, len(pts))
	out := pts[:0]
	for _, p := range pts {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}
