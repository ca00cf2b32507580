package delegates

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// A round with no earlier seats to move (a first run: every seat empty)
// stores its seats while the solver works: each component's seats are
// final as soon as it is solved (Problem.Solved), and the solver leaves
// PostgreSQL idle. They go in by one COPY statement that takes them as
// they come, so that PostgreSQL fills the table and its indexes meanwhile;
// the statement's checks (the seats' triggers) run once, at its end.

// seatStream stores a round's seats as the solver hands them over.
type seatStream struct {
	parts chan []addedSeat
	done  chan error
}

// streamSeats deletes the seats stale before the solve (they never
// conflict with the new ones otherwise) and starts the COPY on tx, which
// nothing else uses until finish returns. It sets prob.Solved.
func streamSeats(ctx context.Context, tx pgx.Tx, electionID int64, rp *roundPlan, round int, actor string, now time.Time) (*seatStream, error) {
	if err := deleteSeats(ctx, tx, rp.stale); err != nil {
		return nil, err
	}
	// One part per component at most: the solver never waits.
	s := &seatStream{parts: make(chan []addedSeat, len(rp.prob.Seats)+1), done: make(chan error, 1)}
	rp.prob.Solved = func(seats []int32, holder []int) {
		part := make([]addedSeat, 0, len(seats))
		for _, si := range seats {
			if h := holder[si]; h >= 0 {
				n := &rp.needs[rp.seatNeed[si]]
				part = append(part, addedSeat{key: n.key(), volunteer: rp.prob.People[h].ID, need: rp.seatNeed[si]})
			}
		}
		if len(part) > 0 {
			s.parts <- part
		}
	}
	go func() {
		src := &seatRows{parts: s.parts, row: seatRow(electionID, round, actor, now)}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"delegate_assignments"}, seatColumns, src)
		for range s.parts {
			// drained when the COPY failed early: the run fails with it
		}
		s.done <- err
	}()
	return s, nil
}

// finish waits for the last seats, once the solver returned.
func (s *seatStream) finish() error {
	close(s.parts)
	return <-s.done
}

// seatRows is the COPY source of a stream: the parts as they come, until
// the solver is done.
type seatRows struct {
	parts <-chan []addedSeat
	part  []addedSeat
	row   []any
}

func (r *seatRows) Next() bool {
	for len(r.part) == 0 {
		part, ok := <-r.parts
		if !ok {
			return false
		}
		r.part = part
	}
	setSeatRow(r.row, &r.part[0])
	r.part = r.part[1:]
	return true
}

func (r *seatRows) Values() ([]any, error) { return r.row, nil }

func (r *seatRows) Err() error { return nil }
