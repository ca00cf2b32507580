// Package changes holds the changes people ask for by sending a public form
// again (a proxy request or volunteer, a delegate volunteer, known by their
// e-mail address) until they confirm them from that address's mailbox.
//
// Sending the form again is how a person corrects their entry, and anyone
// can send it with anyone's address: applied at once, the second sending
// would let a stranger rewrite someone's name, voter number or place (and
// so the proxy a mandant establishes, or a designation letter). Held here,
// it changes nothing until a link sent to the entry's address is followed
// and confirmed. The form is kept as sent and validated again then: rules
// that depend on the date still hold on the day it is applied.
package changes

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/check"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/token"
)

// TTL is how long a change waits for its confirmation.
const TTL = 48 * time.Hour

// LinkPath is the path of the confirmation links, before the token: it
// holds "/t/" so that the request log masks the token.
const LinkPath = "/modification/t/"

// StatusHeld is the status a capability answers for a form sent again:
// the change waits for its confirmation.
const StatusHeld = "confirmation_pending"

// Kinds of entries.
const (
	ProxyRequest      = "proxy_request"
	ProxyVolunteer    = "proxy_volunteer"
	DelegateVolunteer = "delegate_volunteer"
)

// Hold stores the form sent again for the entry (kind, election, email)
// and returns the token of its confirmation link. Expired changes are
// cleared on the way.
func Hold(ctx context.Context, q pgdb.Q, kind string, electionID int64, email string, form any, now time.Time) (string, error) {
	payload, err := json.Marshal(form)
	if err != nil {
		return "", err
	}
	if _, err := DeleteExpired(ctx, q, now); err != nil {
		return "", err
	}
	plain, hash := token.New()
	_, err = q.Exec(ctx, `INSERT INTO pending_changes (token_hash, kind, election_id, email, payload, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, hash, kind, electionID, email, payload, now, now.Add(TTL))
	return plain, err
}

// Change is a held change, as its link finds it.
type Change struct {
	Kind       string
	ElectionID int64
	Email      string
	Payload    []byte
	CreatedAt  time.Time
}

// Find returns the change of a link's token if it is of one of kinds,
// check.ErrNotFound when the token is unknown, used or expired. It changes
// nothing: a link opened (by a person, or by a mail scanner) only shows
// what it would do.
func Find(ctx context.Context, q pgdb.Q, plain string, now time.Time, kinds ...string) (*Change, error) {
	return scan(q.QueryRow(ctx, `SELECT kind, election_id, email, payload, created_at FROM pending_changes
		WHERE token_hash = $1 AND kind = ANY ($2) AND expires_at >= $3`, token.Hash(plain), kinds, now))
}

// Take is Find for applying the change within tx: the change is removed,
// and so are the other changes still held for the same entry (the one
// confirmed is the person's last word).
func Take(ctx context.Context, tx pgx.Tx, plain string, now time.Time, kinds ...string) (*Change, error) {
	c, err := scan(tx.QueryRow(ctx, `DELETE FROM pending_changes WHERE token_hash = $1 AND kind = ANY ($2) AND expires_at >= $3
		RETURNING kind, election_id, email, payload, created_at`, token.Hash(plain), kinds, now))
	if err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, `DELETE FROM pending_changes WHERE election_id = $1 AND kind = $2 AND email = $3`, c.ElectionID, c.Kind, c.Email)
	return c, err
}

func scan(row pgx.Row) (*Change, error) {
	c := &Change{}
	err := row.Scan(&c.Kind, &c.ElectionID, &c.Email, &c.Payload, &c.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, check.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteExpired removes the changes no longer confirmable: the forms they
// hold are personal data with no use left (serve runs it every hour, and
// Hold on the way). It returns how many it removed.
func DeleteExpired(ctx context.Context, q pgdb.Q, now time.Time) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM pending_changes WHERE expires_at < $1`, now)
	return tag.RowsAffected(), err
}

// Purge removes the changes held for an election's entries (with the
// entries, after the election: they hold the same personal data).
func Purge(ctx context.Context, q pgdb.Q, electionID int64, kinds ...string) error {
	_, err := q.Exec(ctx, `DELETE FROM pending_changes WHERE election_id = $1 AND kind = ANY ($2)`, electionID, kinds)
	return err
}

// Summary is what a confirmation page shows of a held change: what it
// changes (What: "votre demande de procuration"), the values it sets and,
// if the form no longer passes the checks today, why (Problems: then
// confirming it would fail).
type Summary struct {
	What      string
	Lines     []Line
	CreatedAt time.Time
	Problems  []string
}

// Problems returns the messages of a validation error (nil for nil), and
// any other error as is.
func Problems(err error) ([]string, error) {
	if err == nil {
		return nil, nil
	}
	inv, ok := check.AsInvalid(err)
	if !ok {
		return nil, err
	}
	msgs := make([]string, 0, len(inv.Fields))
	for _, m := range inv.Fields {
		msgs = append(msgs, m)
	}
	slices.Sort(msgs)
	return slices.Compact(msgs), nil
}

// Line is one value of a Summary.
type Line struct{ Label, Value string }
