// Package pgdb holds what every capability needs to talk to PostgreSQL: the
// query interface satisfied by a pool and a transaction, and a transaction
// helper that retries serialization failures.
package pgdb

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Q is satisfied by *pgxpool.Pool, *pgxpool.Conn and pgx.Tx.
type Q interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Tx runs fn in a transaction and commits it, retrying a few times when
// PostgreSQL reports a serialization failure or deadlock, so that callers
// never see a half-written change.
func Tx(ctx context.Context, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) error {
	return TxOptions(ctx, pool, pgx.TxOptions{}, fn)
}

// TxOptions is Tx with an isolation level.
func TxOptions(ctx context.Context, pool *pgxpool.Pool, opts pgx.TxOptions, fn func(tx pgx.Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = pgx.BeginTxFunc(ctx, pool, opts, fn)
		if !Retryable(err) {
			return err
		}
	}
	return err
}

// Retryable reports a serialization failure or a deadlock.
func Retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// IsUniqueViolation reports a unique constraint violation, optionally on
// the named constraint.
func IsUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" &&
		(constraint == "" || pgErr.ConstraintName == constraint)
}

// EstimateRows is the planner's estimate of table's rows (pg_class), 0
// when unknown: the size to give a slice or map that a whole-table read
// fills. Go grows a long slice by a quarter at a time, which copied a
// proxy batch's 200,000 volunteer rounds about five times over, and its
// maps as often. It never asks for more than a few million.
func EstimateRows(ctx context.Context, q Q, table string) int {
	var n float64
	if err := q.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)`, table).Scan(&n); err != nil {
		return 0
	}
	return int(min(max(n, 0), 1<<22))
}
