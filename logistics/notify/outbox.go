// Package notify is the outbox of e-mails and SMS. A message is written in
// the transaction of the change that causes it, so it exists if and only if
// the change does; a worker sends it later.
package notify

import (
	"context"

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
	Body      string // plain text, French
	Kind      string // what caused it, e.g. "proxy.offer"
}

// Enqueue adds messages to the outbox within q (a transaction).
func Enqueue(ctx context.Context, q pgdb.Q, msgs ...Message) error {
	for _, m := range msgs {
		if m.Recipient == "" {
			continue
		}
		if _, err := q.Exec(ctx, `INSERT INTO outbox (channel, recipient, subject, body, kind) VALUES ($1, $2, $3, $4, $5)`,
			m.Channel, m.Recipient, m.Subject, m.Body, m.Kind); err != nil {
			return err
		}
	}
	return nil
}
