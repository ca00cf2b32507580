package pgdb

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Side is a read-only transaction on another connection of the pool that
// sees exactly what a writing transaction sees (SET TRANSACTION SNAPSHOT):
// a long run (a national matching or assignment) reads on both
// connections at once, and still writes in its one transaction.
type Side struct {
	conn *pgxpool.Conn
	tx   pgx.Tx
}

// OpenSide opens a side reader of tx. Without a free connection it opens
// none (Open reports false) rather than wait (see TryAcquire).
func OpenSide(ctx context.Context, pool *pgxpool.Pool, tx pgx.Tx) (*Side, error) {
	s := &Side{}
	conn, err := TryAcquire(ctx, pool)
	if conn == nil || err != nil {
		return s, err
	}
	var snap string
	err = tx.QueryRow(ctx, `SELECT pg_export_snapshot()`).Scan(&snap)
	var side pgx.Tx
	if err == nil {
		side, err = conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	}
	if err == nil {
		_, err = side.Exec(ctx, `SET TRANSACTION SNAPSHOT `+quoteLiteral(snap))
		if err != nil {
			side.Rollback(ctx)
		}
	}
	if err != nil {
		conn.Release()
		return nil, err
	}
	s.conn, s.tx = conn, side
	return s, nil
}

// TryAcquire returns a connection of pool if one is free (within 200 ms),
// else nil, with ctx's error if ctx ended. Work that holds a lock and wants
// a second connection must not wait for one: the pool's other connections
// may all be held by work queued on that lock.
func TryAcquire(ctx context.Context, pool *pgxpool.Pool) (*pgxpool.Conn, error) {
	if pool == nil || pool.Stat().AcquiredConns() >= pool.Config().MaxConns {
		return nil, nil
	}
	actx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	conn, err := pool.Acquire(actx)
	if err != nil {
		return nil, ctx.Err()
	}
	return conn, nil
}

func quoteLiteral(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

// Open reports whether the side transaction exists.
func (s *Side) Open() bool { return s.tx != nil }

// Q is the side transaction, or tx when there is none (then reads must
// not run concurrently with tx's).
func (s *Side) Q(tx pgx.Tx) Q {
	if s.tx == nil {
		return tx
	}
	return s.tx
}

// Close ends the side transaction and gives its connection back.
func (s *Side) Close() {
	if s.tx != nil {
		s.tx.Rollback(context.Background())
		s.conn.Release()
		s.tx = nil
	}
}
