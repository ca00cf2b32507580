package notify

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Listener receives PostgreSQL NOTIFY signals on a connection of its own:
// a LISTEN must outlive any one query, so it cannot borrow a pooled
// connection that would go back to the pool still listening. Any worker
// that must react at once to a commit (pg_notify in the writing
// transaction) can use it.
type Listener struct {
	conn *pgx.Conn
}

// Listen opens a connection with the pool's settings and LISTENs on channel.
func Listen(ctx context.Context, pool *pgxpool.Pool, channel string) (*Listener, error) {
	conn, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return &Listener{conn: conn}, nil
}

// Wait returns true as soon as a signal arrives (signals that arrived
// since the last Wait count, several count as one), or false after timeout.
// An error means the connection is broken (or ctx ended).
func (l *Listener) Wait(ctx context.Context, timeout time.Duration) (bool, error) {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := l.conn.WaitForNotification(wctx)
	if err == nil {
		l.drain(ctx)
		return true, nil
	}
	if ctx.Err() == nil && errors.Is(wctx.Err(), context.DeadlineExceeded) && !l.conn.IsClosed() {
		return false, nil
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	return false, err
}

// drain swallows signals already received, so that a burst of commits
// causes one wake-up rather than one per commit.
func (l *Listener) drain(ctx context.Context) {
	for {
		wctx, cancel := context.WithTimeout(ctx, time.Millisecond)
		_, err := l.conn.WaitForNotification(wctx)
		cancel()
		if err != nil {
			return
		}
	}
}

// Close ends the connection.
func (l *Listener) Close() {
	l.conn.Close(context.Background())
}
