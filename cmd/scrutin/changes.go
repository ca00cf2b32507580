package main

import (
	"context"
	"time"

	"scrutin/logistics/changes"
)

// changesExpireLock is the advisory lock of the worker that deletes the
// held changes no longer confirmable.
const changesExpireLock int64 = 7_304_001

func init() {
	registerWorker(worker{name: "changes.expire", lockKey: changesExpireLock, interval: time.Hour,
		run: func(ctx context.Context, e *env) error {
			_, err := changes.DeleteExpired(ctx, e.db.Pool, time.Now())
			return err
		}})
}
