package delegates_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/delegates"
)

// A first run of every round stores each round's seats while it is solved,
// and its messages as they are written: on one connection (no side reader:
// the seats end before the reads) it stores the same seats, links and
// messages as with a pool, and every hard rule holds.
func TestFirstRunOfEveryRoundIsTheSameOnOneConnection(t *testing.T) {
	d, e, admin := setup(t, true)
	ctx := context.Background()
	cfg := d.Pool.Config().Copy()
	cfg.MaxConns = 1
	single, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer single.Close()

	type stored struct {
		seats    map[string]heldSeat
		messages map[string]string // recipient → body without its token
		links    int
		res      *delegates.RunResult
	}
	run := func(pool *pgxpool.Pool) stored {
		t.Helper()
		if _, err := d.Pool.Exec(ctx, `TRUNCATE delegate_assignments, delegate_links, outbox`); err != nil {
			t.Fatal(err)
		}
		desk := &delegates.Desk{Pool: pool, BaseURL: d.BaseURL}
		res, err := desk.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug})
		if err != nil {
			t.Fatal(err)
		}
		checkDatabaseRules(t, d.Pool, e.ID)
		s := stored{seats: seatMap(t, d.Pool, e.ID), messages: map[string]string{}, res: res}
		rows, err := d.Pool.Query(ctx, `SELECT recipient, body FROM outbox WHERE kind = 'delegate.assignment'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		token := regexp.MustCompile(delegates.LinkPath + `\S+`)
		for rows.Next() {
			var to, body string
			if err := rows.Scan(&to, &body); err != nil {
				t.Fatal(err)
			}
			if _, dup := s.messages[to]; dup {
				t.Fatalf("two messages to %s", to)
			}
			s.messages[to] = token.ReplaceAllString(body, "TOKEN")
		}
		if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM delegate_links`).Scan(&s.links); err != nil {
			t.Fatal(err)
		}
		return s
	}
	one, pooled := run(single), run(d.Pool)
	if one.res.Added == 0 || one.res.Notified != len(one.messages) || one.links != len(one.messages) || one.res.Assigned != len(one.seats) {
		t.Fatalf("one connection: %+v, %d messages, %d links, %d seats", one.res, len(one.messages), one.links, len(one.seats))
	}
	if len(one.seats) != len(pooled.seats) || len(one.messages) != len(pooled.messages) || one.links != pooled.links {
		t.Fatalf("one connection: %d seats, %d messages, %d links; pool: %d, %d, %d",
			len(one.seats), len(one.messages), one.links, len(pooled.seats), len(pooled.messages), pooled.links)
	}
	for k, s := range one.seats {
		if pooled.seats[k] != s {
			t.Errorf("seat %s: %+v on one connection, %+v with a pool", k, s, pooled.seats[k])
		}
	}
	for to, body := range one.messages {
		if pooled.messages[to] != body {
			t.Errorf("message to %s:\n%s\nwith a pool:\n%s", to, body, pooled.messages[to])
		}
	}
}
