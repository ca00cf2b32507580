// Package notify is the outbox of e-mails and SMS. A message is written in
// the transaction of the change that causes it, so it exists if and only if
// the change does; a worker sends it later.
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

// WakeChannel is the PostgreSQL LISTEN/NOTIFY channel on which Enqueue
// signals new messages, so that the worker sends them at once instead of
// at its next poll.
const WakeChannel = "outbox"

// Message is one message to one recipient.
type Message struct {
	Channel   Channel
	Recipient string // e-mail address or E.164 phone number
	Subject   string // e-mail only
	Body      string // plain text, French; for SMS keep it short (160 characters is one SMS)
	Kind      string // what caused it, e.g. "proxy.offer"
}

// Enqueue adds messages to the outbox within q (a transaction). Messages
// with no recipient are skipped, so that callers can pass a person's phone
// or e-mail without checking that they gave one.
//
// It also signals WakeChannel: PostgreSQL delivers the notification when
// the transaction commits (never if it rolls back), which wakes the worker
// within milliseconds. One statement for all messages and the signal keeps
// the caller's transaction to a single round trip.
//
// In a transaction, thousands of messages at once (a matching batch) go
// with COPY instead: the same rows and the same signal, without a 100 MB
// statement of array parameters.
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
		WITH ins AS (
			INSERT INTO outbox (channel, recipient, subject, body, kind)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
			RETURNING 1)
		SELECT pg_notify('`+WakeChannel+`', ''), (SELECT count(*) FROM ins)`,
		channels, recipients, subjects, bodies, kinds)
	return err
}

// copyFrom is how many messages make Enqueue use COPY.
const copyFrom = 1000

// enqueueCopy is Enqueue for a batch: the rows by COPY, then the signal.
func enqueueCopy(ctx context.Context, tx pgx.Tx, msgs []Message) error {
	kept := make([]int, 0, len(msgs))
	for i, m := range msgs {
		if strings.TrimSpace(m.Recipient) != "" {
			kept = append(kept, i)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	row := make([]any, 5)
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"outbox"}, []string{"channel", "recipient", "subject", "body", "kind"},
		pgx.CopyFromSlice(len(kept), func(i int) ([]any, error) {
			// CopyFrom encodes each row before asking for the next: one
			// slice serves them all.
			m := &msgs[kept[i]]
			row[0], row[1], row[2], row[3], row[4] = string(m.Channel), strings.TrimSpace(m.Recipient), m.Subject, m.Body, m.Kind
			return row, nil
		})); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, WakeChannel)
	return err
}

// Link joins the public base URL (SCRUTIN_BASE_URL, web.Server.BaseURL)
// and a path into the absolute link written in a message.
func Link(baseURL, path string) string {
	return strings.TrimRight(baseURL, "/") + "/" + strings.TrimLeft(path, "/")
}
