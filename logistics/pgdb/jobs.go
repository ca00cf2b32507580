package pgdb

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Every runs fn every interval for as long as ctx lives, but only in the
// one instance holding the PostgreSQL advisory lock lockKey: several serve
// instances can run side by side and each job still runs once at a time.
// wake, if not nil, triggers a run before the interval has passed.
func Every(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, name string, lockKey int64,
	interval time.Duration, wake <-chan struct{}, fn func(ctx context.Context) error) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if err := runLocked(ctx, pool, lockKey, fn); err != nil && ctx.Err() == nil {
			log.Error("job failed", "job", name, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-wake:
		}
	}
}

func runLocked(ctx context.Context, pool *pgxpool.Pool, key int64, fn func(ctx context.Context) error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil || !got {
		return err
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, key)
	return fn(ctx)
}
