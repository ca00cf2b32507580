package demo

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/elections"
)

func loadDelegates(ctx context.Context, tx pgx.Tx, e *elections.Election, now time.Time) error { return nil }
