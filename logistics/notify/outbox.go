// Package notify is the outbox of e-mails and SMS. A message is written in
// the transaction of the change that causes it, so it exists if and only if
// the change does; a worker sends it later.
package notify

import (
	"context"
	"strings"

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
func Enqueue(ctx context.Context, q pgdb.Q, msgs ...Message) error {
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

// Link joins the public base URL (SCRUTIN_BASE_URL, web.Server.BaseURL)
// and a path into the absolute link written in a message.
func Link(baseURL, path string) string {
	return strings.TrimRight(baseURL, "/") + "/" + strings.TrimLeft(path, "/")
}
