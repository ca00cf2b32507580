package notify

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/pgdb"
)

// visible is the condition of the outbox rows that exist for the worker
// and the Messages page: not held, or held by a released hold (see Stage).
const visible = `(hold IS NULL OR EXISTS (SELECT 1 FROM outbox_holds h WHERE h.id = outbox.hold AND h.released_at IS NOT NULL))`

// Stage writes n messages (msg(i), as EnqueueEach) on another connection
// of pool, in a transaction of their own committed before it returns, so
// that a change telling thousands of people writes its own rows meanwhile
// on its connection. The messages carry a hold: they are neither sent nor
// listed until the change's transaction calls Release(hold) and commits
// (see migration 014); if it never does, DeleteOrphans removes them.
//
// ok is false when the pool had no free connection: nothing is written,
// and the caller enqueues in its own transaction. Stage does not wait for
// one: the pool's other connections may all be held by work queued on a
// lock the change holds.
func Stage(ctx context.Context, pool *pgxpool.Pool, n int, msg func(i int) Message) (hold int64, ok bool, err error) {
	conn, err := pgdb.TryAcquire(ctx, pool)
	if conn == nil || err != nil {
		return 0, false, err
	}
	defer conn.Release()
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO outbox_holds DEFAULT VALUES RETURNING id`).Scan(&hold); err != nil {
			return err
		}
		_, err := pgdb.CopyRows(ctx, tx, "outbox", []string{"channel", "recipient", "subject", "body", "kind", "hold"}, n, messageRow(msg, hold))
		return err
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
