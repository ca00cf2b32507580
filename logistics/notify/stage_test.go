package notify

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database/dbtest"
	"scrutin/logistics/pgdb"
)

// stage writes n messages to n recipients beside any transaction.
func stage(t *testing.T, pool *pgxpool.Pool, n int) int64 {
	t.Helper()
	hold, ok, err := Stage(context.Background(), pool, Share(n, func(i int) Message {
		return Message{Channel: Email, Recipient: fmt.Sprintf("benevole%d@example.org", i), Subject: "Offre", Body: "Bonjour", Kind: "proxy.offer"}
	}))
	if err != nil || !ok {
		t.Fatalf("stage: ok %v, %v", ok, err)
	}
	return hold
}

func visibleCount(t *testing.T, pool *pgxpool.Pool) int64 {
	t.Helper()
	p, err := List(context.Background(), pool, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := CountByStatus(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	if c.Pending+c.Sent+c.Failed != p.Total {
		t.Fatalf("counts %+v, list %d", c, p.Total)
	}
	return p.Total
}

// Messages staged beside a transaction are neither sent nor listed until
// that transaction releases them and commits; then they go as any other.
func TestStagedMessagesWaitForTheirRelease(t *testing.T) {
	srv := startSMTP(t)
	pool := dbtest.New(t)
	ctx := context.Background()
	w := newWorker(t, pool, map[Channel]Sender{Email: srv.sender(t, "smtp://HOST?from=contact@campagne.example.org")})
	hold := stage(t, pool, 3)

	if n := sendDue(t, w); n != 0 || len(srv.messages()) != 0 {
		t.Fatalf("sent %d messages before their release", n)
	}
	if n := visibleCount(t, pool); n != 0 {
		t.Fatalf("the Messages page lists %d messages before their release", n)
	}
	// The change rolls back: still nothing.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := Release(ctx, tx, hold); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if n := sendDue(t, w); n != 0 || visibleCount(t, pool) != 0 {
		t.Fatalf("sent %d messages of a change that rolled back", n)
	}
	// It commits.
	if err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error { return Release(ctx, tx, hold) }); err != nil {
		t.Fatal(err)
	}
	if n := visibleCount(t, pool); n != 3 {
		t.Fatalf("the Messages page lists %d messages, want 3", n)
	}
	if n := sendDue(t, w); n != 3 || len(srv.messages()) != 3 {
		t.Fatalf("sent %d messages (server got %d), want 3", n, len(srv.messages()))
	}
	if err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error { return Release(ctx, tx, hold) }); err == nil {
		t.Fatal("a hold was released twice")
	}
}

// The messages of a hold never released go after an hour; a release that
// comes later fails, and its change with it.
func TestOrphanedMessagesAreDeleted(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	orphan := stage(t, pool, 2)
	recent := stage(t, pool, 1)
	if _, err := pool.Exec(ctx, `UPDATE outbox_holds SET created_at = now() - interval '61 minutes' WHERE id = $1`, orphan); err != nil {
		t.Fatal(err)
	}
	n, err := DeleteOrphans(ctx, pool, time.Now())
	if err != nil || n != 2 {
		t.Fatalf("deleted %d messages (%v), want 2", n, err)
	}
	var left int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE hold = $1`, recent).Scan(&left); err != nil || left != 1 {
		t.Fatalf("the recent hold kept %d messages (%v)", left, err)
	}
	if err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error { return Release(ctx, tx, orphan) }); err == nil {
		t.Fatal("an orphan hold was released")
	}
}

// Without a free connection Stage writes nothing and says so, rather than
// wait for one.
func TestStageWithoutAFreeConnection(t *testing.T) {
	cfg, err := pgxpool.ParseConfig(dbtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	conn, err := pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, ok, err := Stage(context.Background(), pool, Share(1, func(int) Message {
		return Message{Channel: Email, Recipient: "a@example.org", Body: "x"}
	}))
	var rows int
	if qerr := conn.QueryRow(context.Background(), `SELECT count(*) FROM outbox`).Scan(&rows); qerr != nil {
		t.Fatal(qerr)
	}
	conn.Release()
	if ok || err != nil || rows != 0 {
		t.Fatalf("staged with the only connection taken: ok %v, err %v, %d rows", ok, err, rows)
	}
}

// Messages shared between Stage and the change's transaction are each
// written once, by one or the other, and all listed once the change
// releases its hold and commits.
func TestSharedMessagesWrittenOnceEach(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	const n = 5000 // several COPY chunks each way
	s := Share(n, func(i int) Message {
		return Message{Channel: Email, Recipient: fmt.Sprintf("benevole%d@example.org", i), Subject: "Offre", Body: "Bonjour", Kind: "proxy.offer"}
	})
	err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		type staged struct {
			hold int64
			ok   bool
			err  error
		}
		done := make(chan staged)
		go func() {
			var st staged
			st.hold, st.ok, st.err = Stage(ctx, pool, s)
			done <- st
		}()
		if err := s.Enqueue(ctx, tx); err != nil {
			return err
		}
		st := <-done
		if st.err != nil || !st.ok {
			return fmt.Errorf("stage: ok %v, %v", st.ok, st.err)
		}
		return Release(ctx, tx, st.hold)
	})
	if err != nil {
		t.Fatal(err)
	}
	var rows, recipients int
	if err := pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT recipient) FROM outbox`).Scan(&rows, &recipients); err != nil {
		t.Fatal(err)
	}
	if rows != n || recipients != n || visibleCount(t, pool) != n {
		t.Fatalf("%d rows to %d recipients, want %d once each, all listed", rows, recipients, n)
	}
}
