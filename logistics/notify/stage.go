package notify

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/pgdb"
)

// visible is the condition of the outbox rows that exist for the worker
// and the Messages page: not held, or held by a released hold (see Stage).
const visible = `(hold IS NULL OR EXISTS (SELECT 1 FROM outbox_holds h WHERE h.id = outbox.hold AND h.released_at IS NOT NULL))`

// Shared is n messages, msg(i), that two writers take at once, each
// message once, about 64 kB at a time: Stage on another connection, and
// Enqueue in the change's transaction when its own rows are in. Both then
// end about together, whatever else each connection had to write. msg
// must be safe to call from two goroutines.
type Shared struct {
	n    int
	msg  func(i int) Message
	next atomic.Int64
}

// Share makes the n messages msg(i) ready for Stage and Enqueue.
func Share(n int, msg func(i int) Message) *Shared {
	return &Shared{n: n, msg: msg}
}

// copy writes in tx the messages not taken yet (with hold, if not 0).
func (s *Shared) copy(ctx context.Context, tx pgx.Tx, hold int64) error {
	columns := []string{"channel", "recipient", "subject", "body", "kind"}
	if hold != 0 {
		columns = append(columns, "hold")
	}
	row := messageRow(s.msg, hold)
	_, err := pgdb.CopyRows(ctx, tx, "outbox", columns, s.n, func(_ int, w *pgdb.Row) bool {
		k := s.next.Add(1) - 1
		return k < int64(s.n) && row(int(k), w)
	})
	return err
}

// Enqueue writes in tx the messages that Stage has not taken, or all of
// them without Stage.
func (s *Shared) Enqueue(ctx context.Context, tx pgx.Tx) error {
	return s.copy(ctx, tx, 0)
}

// Stage writes messages of s on another connection of pool, in a
// transaction of its own committed before it returns, so that a change
// telling thousands of people writes its own rows meanwhile on its
// connection (and then the messages left, s.Enqueue). The messages carry
// a hold: they are neither sent nor listed until the change's transaction
// calls Release(hold) and commits (see migration 014); if it never does,
// DeleteOrphans removes them.
//
// ok is false when the pool had no free connection: nothing is written,
// and s.Enqueue writes every message. Stage does not wait for one: the
// pool's other connections may all be held by work queued on a lock the
// change holds.
func Stage(ctx context.Context, pool *pgxpool.Pool, s *Shared) (hold int64, ok bool, err error) {
	conn, err := pgdb.TryAcquire(ctx, pool)
	if conn == nil || err != nil {
		return 0, false, err
	}
	defer conn.Release()
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO outbox_holds DEFAULT VALUES RETURNING id`).Scan(&hold); err != nil {
			return err
		}
		return s.copy(ctx, tx, hold)
	})
	return hold, err == nil, err
}

// Release makes the messages of hold sendable when tx commits.
func Release(ctx context.Context, tx pgx.Tx, hold int64) error {
	tag, err := tx.Exec(ctx, `UPDATE outbox_holds SET released_at = now() WHERE id = $1 AND released_at IS NULL`, hold)
	if err == nil && tag.RowsAffected() != 1 {
		err = errors.New("notify: hold deleted before its release")
	}
	return err
}

// orphanAge is how long a hold may stay unreleased: far longer than any
// transaction that stages messages (a national batch takes seconds).
const orphanAge = time.Hour

// DeleteOrphans deletes the holds left unreleased for orphanAge at now,
// with their messages (their change rolled back), and returns how many
// messages went.
func DeleteOrphans(ctx context.Context, pool *pgxpool.Pool, now time.Time) (int64, error) {
	var n int64
	err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			WITH gone AS (DELETE FROM outbox_holds WHERE released_at IS NULL AND created_at < $1 RETURNING id)
			DELETE FROM outbox WHERE hold IN (SELECT id FROM gone)`, now.Add(-orphanAge))
		n = tag.RowsAffected()
		return err
	})
	return n, err
}
