// Package notify is the outbox of e-mails and SMS. A message is written in
// the transaction of the change that causes it, so it exists if and only if
// the change does; a worker sends it later. A change that tells thousands
// of people may write their messages beside its transaction instead
// (Stage), held until that transaction releases them: the same guarantee,
// with the writes on two connections.
package notify

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/pgdb"
)

// Channel is how a message travels.
type Channel string

const (
	Email Channel = "email"
	SMS   Channel = "sms"
)

// Message is one message to one recipient.
type Message struct {
	Channel   Channel
	Recipient string // e-mail address or E.164 phone number
	Subject   string // e-mail only
	Body      string // plain text, French; for SMS, one SMS: 160 characters of the GSM alphabet (SMSSegments)
	Kind      string // what caused it, e.g. "proxy.offer"
}

// Enqueue adds messages to the outbox within q (a transaction). Messages
// with no recipient are skipped, so that callers can pass a person's phone
// or e-mail without checking that they gave one.
//
// The worker finds them at its next poll, within a second (Worker.Interval).
// No NOTIFY signals them: PostgreSQL serialises the commits of every
// transaction that notifies (a cluster-wide lock held through the commit's
// WAL flush), which cut the public submissions from 1,030–1,120 to
// 730–770 a second on the development machine.
//
// In a transaction, thousands of messages at once (a matching batch) go
// with COPY instead: the same rows, without a 100 MB statement of array
// parameters.
func Enqueue(ctx context.Context, q pgdb.Q, msgs ...Message) error {
	if tx, ok := q.(pgx.Tx); ok && len(msgs) >= copyFrom {
		return enqueueCopy(ctx, tx, msgs)
	}
	var channels, recipients, subjects, bodies, kinds []string
	for _, m := range msgs {
		if strings.TrimSpace(m.Recipient) == "" {
			continue
		}
		channels = append(channels, string(m.Channel))
		recipients = append(recipients, strings.TrimSpace(m.Recipient))
		subjects = append(subjects, m.Subject)
		bodies = append(bodies, m.Body)
		kinds = append(kinds, m.Kind)
	}
	if len(channels) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `
		INSERT INTO outbox (channel, recipient, subject, body, kind)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`,
		channels, recipients, subjects, bodies, kinds)
	return err
}

// copyFrom is how many messages make Enqueue use COPY.
const copyFrom = 1000

// enqueueCopy is Enqueue for a batch: the rows by COPY.
func enqueueCopy(ctx context.Context, tx pgx.Tx, msgs []Message) error {
	return EnqueueEach(ctx, tx, len(msgs), func(i int) Message { return msgs[i] })
}

// EnqueueEach is Enqueue for a batch too large to hold in memory at once
// (a national delegate run tells 140,000 people, 150 MB of text): msg(i)
// makes the i-th of n messages when its row is sent, in order, once each,
// so that each one is garbage as soon as it is written. The same rows (by
// COPY) and the same skipping of messages without recipient as Enqueue.
// msg runs on another goroutine than the caller's, while the caller waits.
func EnqueueEach(ctx context.Context, tx pgx.Tx, n int, msg func(i int) Message) error {
	return Share(n, msg).Enqueue(ctx, tx)
}

// messageRow is the row of CopyRows of msg(i), skipped without recipient;
// with a hold (Stage), in a sixth column.
func messageRow(msg func(int) Message, hold int64) func(int, *pgdb.Row) bool {
	return func(i int, w *pgdb.Row) bool {
		m := msg(i)
		recipient := strings.TrimSpace(m.Recipient)
		if recipient == "" {
			return false
		}
		w.Text(string(m.Channel))
		w.Text(recipient)
		w.Text(m.Subject)
		w.Text(m.Body)
		w.Text(m.Kind)
		if hold != 0 {
			w.Int8(hold)
		}
		return true
	}
}

// Link joins the public base URL (SCRUTIN_BASE_URL, web.Server.BaseURL)
// and a path into the absolute link written in a message.
func Link(baseURL, path string) string {
	return strings.TrimRight(baseURL, "/") + "/" + strings.TrimLeft(path, "/")
}
