package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Outgoing is a claimed outbox row handed to a Sender.
type Outgoing struct {
	ID        int64
	CreatedAt time.Time
	Channel   Channel
	Recipient string
	Subject   string
	Body      string
	Kind      string
	Attempts  int // attempts before this one
}

// Sender delivers the messages of one channel to a provider.
//
// Send tries each message in order and calls done right after the
// provider's answer for it (nil when the provider accepted it), before
// trying the next; it stops as soon as done returns false. Messages not
// passed to done are released by the worker for a later run. A message
// already handed to the provider is carried through even if ctx is
// cancelled (with the sender's own timeout), so that a graceful shutdown
// never leaves an accepted message unrecorded.
type Sender interface {
	Send(ctx context.Context, msgs []Outgoing, done func(m Outgoing, err error) bool)
}

// PermanentError is a refusal that retrying will not change (unknown
// mailbox, malformed number): the message fails at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return &PermanentError{Err: err} }

// UnavailableError says the provider itself is out of reach or refuses us
// (connection, TLS, authentication, gateway down or rate limiting): the
// message counts a failed attempt like any other, and the worker pauses
// the whole channel instead of burning an attempt of every queued message
// on the same outage.
type UnavailableError struct{ Err error }

func (e *UnavailableError) Error() string { return e.Err.Error() }
func (e *UnavailableError) Unwrap() error { return e.Err }

// Unavailable marks err as the provider's, not the message's.
func Unavailable(err error) error { return &UnavailableError{Err: err} }

// Worker sends due outbox messages through the configured senders.
//
// Several workers may run at once (two serve instances, or one that lost
// its advisory lock while still sending): each claims rows with
// FOR UPDATE SKIP LOCKED and writes a lease (locked_until) in the same
// statement, so no row is ever handed to two workers while its lease runs,
// and a worker stops starting new sends well before its lease ends. serve
// additionally runs the worker under a PostgreSQL advisory lock so that a
// deployment has one sender at a time (one SMTP connection, provider rate
// limits respected); correctness does not depend on that lock.
//
// Delivery is at least once: a row is marked sent, and its lease released,
// in one statement right after the provider accepted it. If the process
// dies between the provider's acceptance and that statement (a window of
// one database round trip), the lease expires and the message is sent
// again. E-mails carry a Message-ID derived from the outbox row so that
// mail systems can recognise the duplicate; SMS carry an Idempotency-Key
// header with the same value for providers that honour it.
//
// A refusal of one message (unknown mailbox) costs that message an
// attempt; after MaxAttempts, or at once for a permanent refusal, it
// fails and waits for an admin's "renvoyer". A provider outage costs one
// attempt to the message that found it, and pauses the channel: the queue
// behind it keeps its attempts for when the provider is back.
type Worker struct {
	Pool    *pgxpool.Pool
	Senders map[Channel]Sender // a channel without sender stays pending
	Log     *slog.Logger

	Batch int // rows claimed at once (default 50)
	// Lease is how long a claim holds its rows (default 5 min). No send
	// starts after half of it, so one send (connection included, which
	// the senders bound to 90 s at most) always ends within the lease.
	Lease       time.Duration
	MaxAttempts int                             // attempts before a message fails (default 8)
	Backoff     func(attempt int) time.Duration // delay after the n-th failed attempt (default DefaultBackoff)
	Interval    time.Duration                   // how often to look for new messages (default 1 s)

	// A channel whose provider is unavailable rests for 5 s, then twice
	// as long after each new outage, up to 5 min; a success ends it.
	// In memory: another instance just finds out for itself.
	pausedUntil map[Channel]time.Time
	outages     map[Channel]int
	clock       func() time.Time // time.Now; tests move it
}

// DefaultBackoff doubles from 30 s and caps at one hour: 8 attempts span
// about an hour, enough for a provider hiccup, short enough for an election
// week.
func DefaultBackoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

func (w *Worker) defaults() {
	if w.Batch <= 0 {
		w.Batch = 50
	}
	if w.Lease <= 0 {
		w.Lease = 5 * time.Minute
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 8
	}
	if w.Backoff == nil {
		w.Backoff = DefaultBackoff
	}
	if w.Interval <= 0 {
		w.Interval = time.Second
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
	if w.clock == nil {
		w.clock = time.Now
	}
	if w.pausedUntil == nil {
		w.pausedUntil, w.outages = map[Channel]time.Time{}, map[Channel]int{}
	}
}

// pause rests ch after its provider failed us.
func (w *Worker) pause(ch Channel) {
	w.outages[ch]++
	d := 5 * time.Second
	for i := 1; i < w.outages[ch] && d < 5*time.Minute; i++ {
		d *= 2
	}
	w.pausedUntil[ch] = w.clock().Add(min(d, 5*time.Minute))
}

// resumeAt is when the earliest paused channel may be tried again.
func (w *Worker) resumeAt() (time.Time, bool) {
	var at time.Time
	for _, ch := range w.channels() {
		if t := w.pausedUntil[Channel(ch)]; w.clock().Before(t) && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	return at, !at.IsZero()
}

func (w *Worker) channels() []string {
	out := make([]string, 0, len(w.Senders))
	for ch := range w.Senders {
		out = append(out, string(ch))
	}
	sort.Strings(out)
	return out
}

// active are the channels with a provider that is not resting.
func (w *Worker) active() []string {
	var out []string
	for _, ch := range w.channels() {
		if !w.clock().Before(w.pausedUntil[Channel(ch)]) {
			out = append(out, ch)
		}
	}
	return out
}

// Run sends due messages until ctx is cancelled, looking for them every
// Interval (and as soon as a paused provider may be tried again). It
// returns nil on cancellation.
//
// Polling rather than LISTEN/NOTIFY: a transaction that notifies takes a
// cluster-wide lock for its commit, WAL flush included, so that every
// public submission waited for the others' (see Enqueue); one indexed
// query a second costs nothing in comparison.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	if len(w.Senders) == 0 {
		<-ctx.Done()
		return nil
	}
	for {
		if _, err := w.SendDue(ctx); err != nil && ctx.Err() == nil {
			w.Log.Error("notify: send pass failed", "err", err)
		}
		wait := w.Interval
		if at, ok := w.resumeAt(); ok {
			wait = min(wait, max(at.Sub(w.clock()), 50*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// SendDue sends every message due now, batch after batch, and returns how
// many the providers accepted. It stops early when ctx is cancelled.
func (w *Worker) SendDue(ctx context.Context) (int, error) {
	w.defaults()
	total := 0
	for ctx.Err() == nil && len(w.active()) > 0 {
		sent, claimed, err := w.sendBatch(ctx)
		total += sent
		if err != nil || claimed < w.Batch {
			return total, err
		}
	}
	return total, nil
}

// sendBatch claims one batch, sends it and records each outcome.
func (w *Worker) sendBatch(ctx context.Context) (sent, claimed int, err error) {
	start := time.Now()
	batch, err := w.claim(ctx)
	if err != nil || len(batch) == 0 {
		return 0, 0, err
	}
	// The lease was computed by the database after start; stop starting
	// sends early enough that the last one ends before the lease does.
	deadline := start.Add(w.Lease / 2)
	done := make(map[int64]bool, len(batch))
	var recordErr error
	byChannel := map[Channel][]Outgoing{}
	for _, m := range batch {
		byChannel[m.Channel] = append(byChannel[m.Channel], m)
	}
	for ch, msgs := range byChannel {
		if ctx.Err() != nil || recordErr != nil {
			break
		}
		w.Senders[ch].Send(ctx, msgs, func(m Outgoing, sendErr error) bool {
			done[m.ID] = true
			if err := w.record(m, sendErr); err != nil {
				recordErr = err
				return false
			}
			var unavailable *UnavailableError
			switch {
			case sendErr == nil:
				sent++
				w.outages[ch] = 0
			case errors.As(sendErr, &unavailable):
				w.pause(ch)
				return false // the rest of the batch is released untouched
			}
			return ctx.Err() == nil && time.Now().Before(deadline)
		})
	}
	var rest []int64
	for _, m := range batch {
		if !done[m.ID] {
			rest = append(rest, m.ID)
		}
	}
	if len(rest) > 0 {
		// Release what was not tried so that the next run (this worker's or
		// another's) takes it without waiting for the lease to end.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := w.Pool.Exec(rctx, `UPDATE outbox SET locked_until = NULL WHERE id = ANY($1) AND status = 'pending'`, rest); err != nil && recordErr == nil {
			recordErr = err
		}
	}
	return sent, len(batch), recordErr
}

// claim leases up to Batch due messages of the served channels.
func (w *Worker) claim(ctx context.Context) ([]Outgoing, error) {
	rows, err := w.Pool.Query(ctx, `
		UPDATE outbox o SET locked_until = now() + $3 * interval '1 millisecond'
		FROM (SELECT id FROM outbox
		      WHERE status = 'pending' AND channel = ANY($1) AND next_attempt_at <= now()
		        AND (locked_until IS NULL OR locked_until <= now()) AND `+visible+`
		      ORDER BY next_attempt_at, id
		      LIMIT $2
		      FOR UPDATE SKIP LOCKED) due
		WHERE o.id = due.id
		RETURNING o.id, o.created_at, o.channel, o.recipient, o.subject, o.body, o.kind, o.attempts`,
		w.active(), w.Batch, w.Lease.Milliseconds())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Outgoing
	for rows.Next() {
		var m Outgoing
		if err := rows.Scan(&m.ID, &m.CreatedAt, &m.Channel, &m.Recipient, &m.Subject, &m.Body, &m.Kind, &m.Attempts); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, rows.Err()
}

// record writes the outcome of one attempt and releases the row's lease.
// It runs even when ctx is cancelled: the provider has answered, and
// forgetting a success would mean sending the message again.
func (w *Worker) record(m Outgoing, sendErr error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if sendErr == nil {
		_, err := w.Pool.Exec(ctx, `UPDATE outbox SET status = 'sent', sent_at = now(), last_attempt_at = now(),
			attempts = attempts + 1, locked_until = NULL, last_error = '' WHERE id = $1`, m.ID)
		return err
	}
	attempt := m.Attempts + 1
	var perm *PermanentError
	final := errors.As(sendErr, &perm) || attempt >= w.MaxAttempts
	msg := sendErr.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	w.Log.Warn("notify: delivery failed", "outbox_id", m.ID, "channel", m.Channel, "attempt", attempt, "final", final, "err", msg)
	status := Pending
	if final {
		status = Failed
	}
	_, err := w.Pool.Exec(ctx, `UPDATE outbox SET status = $2, attempts = attempts + 1, last_attempt_at = now(),
		next_attempt_at = now() + $3 * interval '1 millisecond', locked_until = NULL, last_error = $4 WHERE id = $1`,
		m.ID, status, w.Backoff(attempt).Milliseconds(), msg)
	return err
}

// MessageID is the stable Message-ID of an outbox row: the same on every
// attempt, so that a resent e-mail is recognised as the same message, and
// unique across databases thanks to the row's creation time.
func MessageID(id int64, createdAt time.Time, domain string) string {
	if domain == "" {
		domain = "scrutin"
	}
	return fmt.Sprintf("<outbox-%d.%d@%s>", id, createdAt.UnixMicro(), domain)
}
