package delegates_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"scrutin/logistics/delegates"
)

// voterNumberMessagesTo counts the messages of kind KindVoterNumberTaken
// to recipient.
func voterNumberMessagesTo(t *testing.T, d *delegates.Desk, recipient string) int {
	t.Helper()
	var n int
	if err := d.Pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE kind = $1 AND recipient = $2`,
		delegates.KindVoterNumberTaken, recipient).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Whoever knows a voter number may send the sign-up form with it again and
// again, each time with another address of their own: its owner is told
// once every ten minutes at most, each sender every time, and the answer
// is a change held's throughout.
func TestVoterNumberAlertThrottle(t *testing.T) {
	d, _, _ := setup(t, false)
	ctx := context.Background()
	const owner = "titulaire@example.org"
	if _, err := d.Signup(ctx, validSignup(owner)); err != nil {
		t.Fatal(err)
	}
	again := validSignup(owner)
	again.LastName = "Autre"
	held, err := d.Signup(ctx, again)
	if err != nil || !held.Held {
		t.Fatalf("change held: %+v, %v", held, err)
	}
	seq := 0
	send := func(t *testing.T) string {
		seq++
		in := validSignup(fmt.Sprintf("curieux%d@example.net", seq))
		in.VoterNumber = validSignup(owner).VoterNumber
		out, err := d.Signup(ctx, in)
		if err != nil || *out != *held {
			t.Errorf("sent with %s: %+v, %v; change held %+v", in.Email, out, err, held)
		}
		return in.Email
	}

	var senders []string
	for range 5 {
		senders = append(senders, send(t))
	}
	if n := voterNumberMessagesTo(t, d, owner); n != 1 {
		t.Fatalf("%d alerts to the owner after 5 sendings, want 1", n)
	}
	for _, s := range senders {
		if n := voterNumberMessagesTo(t, d, s); n != 1 {
			t.Errorf("%d messages to the sender %s, want 1", n, s)
		}
	}

	// Ten minutes later, the owner is told again.
	if _, err := d.Pool.Exec(ctx, `UPDATE audit_log SET at = at - interval '11 minutes';
		UPDATE outbox SET created_at = created_at - interval '11 minutes'`); err != nil {
		t.Fatal(err)
	}
	send(t)
	if n := voterNumberMessagesTo(t, d, owner); n != 2 {
		t.Fatalf("%d alerts to the owner ten minutes later, want 2", n)
	}
	send(t)
	if n := voterNumberMessagesTo(t, d, owner); n != 2 {
		t.Fatalf("%d alerts to the owner, want 2", n)
	}
}

// Sendings at once with one voter number and as many addresses: one alert.
func TestVoterNumberAlertThrottleAtOnce(t *testing.T) {
	d, _, _ := setup(t, false)
	ctx := context.Background()
	const owner = "titulaire@example.org"
	if _, err := d.Signup(ctx, validSignup(owner)); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	senders := make([]string, n)
	for i := range senders {
		senders[i] = fmt.Sprintf("curieux%d@example.net", i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := validSignup(senders[i])
			in.VoterNumber = validSignup(owner).VoterNumber
			<-start
			out, err := d.Signup(ctx, in)
			if err != nil || !out.Held || out.ID != 0 {
				t.Errorf("sent with %s: %+v, %v", senders[i], out, err)
			}
		}()
	}
	// The audit log is closed to writes meanwhile: each sign-up has
	// looked for an alert by then and waits to record its own. Without a
	// lock between the look and the record, each would alert.
	hold, err := d.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hold.Exec(ctx, `LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	close(start)
	for waiting := 0; waiting == 0; {
		time.Sleep(20 * time.Millisecond)
		if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE NOT granted`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if err := hold.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if got := voterNumberMessagesTo(t, d, owner); got != 1 {
		t.Fatalf("%d alerts to the owner after %d sendings at once, want 1", got, n)
	}
	for _, s := range senders {
		if got := voterNumberMessagesTo(t, d, s); got != 1 {
			t.Errorf("%d messages to the sender %s, want 1", got, s)
		}
	}
}
