package proxies

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/check"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/token"
)

// LinkPath is where a private link leads. The secret sits after "/t/" so
// that the request log masks it.
const LinkPath = "/procuration/t/"

// Owner is whose page a private link opens: exactly one of the two is set.
type Owner struct {
	RequestID   int64
	VolunteerID int64
}

// ResolveLink finds the entry behind a private link; an unknown or expired
// link is check.ErrNotFound.
func ResolveLink(ctx context.Context, q pgdb.Q, plain string, now time.Time) (Owner, error) {
	var rid, vid *int64
	if plain == "" || len(plain) > 100 {
		return Owner{}, check.ErrNotFound
	}
	err := q.QueryRow(ctx, `SELECT request_id, volunteer_id FROM proxy_links WHERE token_hash = $1 AND expires_at > $2`,
		token.Hash(plain), now).Scan(&rid, &vid)
	if errors.Is(err, pgx.ErrNoRows) {
		return Owner{}, check.ErrNotFound
	}
	if err != nil {
		return Owner{}, err
	}
	var o Owner
	if rid != nil {
		o.RequestID = *rid
	}
	if vid != nil {
		o.VolunteerID = *vid
	}
	return o, nil
}

// url is the absolute private link for a plain token.
func (d *Desk) url(plain string) string { return notify.Link(d.BaseURL, LinkPath+plain) }

// newLink stores a new private link to a person's page, valid until a few
// days after the last round of their election, and returns its URL.
func (d *Desk) newLink(ctx context.Context, q pgdb.Q, kind string, id int64, expires time.Time) (string, error) {
	plain, hash := token.New()
	var err error
	if kind == "request" {
		_, err = q.Exec(ctx, `INSERT INTO proxy_links (token_hash, request_id, expires_at) VALUES ($1, $2, $3)`, hash, id, expires)
	} else {
		_, err = q.Exec(ctx, `INSERT INTO proxy_links (token_hash, volunteer_id, expires_at) VALUES ($1, $2, $3)`, hash, id, expires)
	}
	return d.url(plain), err
}

// linkFor is newLink when the caller does not have the election at hand.
func (d *Desk) linkFor(ctx context.Context, q pgdb.Q, kind string, id int64) (string, error) {
	table := "proxy_requests"
	if kind != "request" {
		table = "proxy_volunteers"
	}
	var last time.Time
	if err := q.QueryRow(ctx, `SELECT max(r.date) FROM rounds r JOIN `+table+` p ON p.election_id = r.election_id WHERE p.id = $1`, id).Scan(&last); err != nil {
		return "", err
	}
	return d.newLink(ctx, q, kind, id, last.AddDate(0, 0, 3))
}

// shareElection takes the election's proxy lock in shared mode: state
// changes run side by side, but not while a matching run writes.
func shareElection(ctx context.Context, q pgdb.Q, electionID int64) error {
	_, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1, $2::int)`, lockClass, electionID)
	return err
}

// lockElection takes the election's proxy lock exclusively (matching).
func lockElection(ctx context.Context, q pgdb.Q, electionID int64) error {
	_, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2::int)`, lockClass, electionID)
	return err
}
