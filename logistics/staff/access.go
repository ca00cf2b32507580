package staff

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/check"
	"scrutin/logistics/pgdb"
)

// Revoked is what RevokeAll ended.
type Revoked struct {
	Tokens      int64 `json:"tokens"`      // API tokens
	Sessions    int64 `json:"sessions"`    // login sessions
	Invitations int64 `json:"invitations"` // invitation links not used yet
}

// Revoke is RevokeAll, for the command line: how many tokens and sessions
// it ended (the invitation links it voided are in the journal).
func Revoke(ctx context.Context, pool *pgxpool.Pool, actor, email string) (tokens, sessions int64, err error) {
	r, err := RevokeAll(ctx, pool, actor, email)
	return r.Tokens, r.Sessions, err
}

// RevokeAll ends every API token and login session of the account (a
// leaked token, a lost laptop) and voids its invitation links not used
// yet (a link in a mailbox that leaked would let whoever holds it choose
// the password and log in); the account and its password stay. It returns
// what it ended; the journal says who did it, in the same transaction.
// check.ErrNotFound: no such account.
func RevokeAll(ctx context.Context, pool *pgxpool.Pool, actor, email string) (r Revoked, err error) {
	err = pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		u, err := ByEmail(ctx, tx, email)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			WITH t AS (DELETE FROM staff_tokens WHERE user_id = $1 RETURNING 1),
			     s AS (DELETE FROM staff_sessions WHERE user_id = $1 RETURNING 1),
			     i AS (DELETE FROM staff_invitations WHERE user_id = $1 AND used_at IS NULL RETURNING 1)
			SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM s), (SELECT count(*) FROM i)`, u.ID).
			Scan(&r.Tokens, &r.Sessions, &r.Invitations); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, "staff.revoke", "staff_user", u.Email,
			map[string]any{"tokens": r.Tokens, "sessions": r.Sessions, "invitations": r.Invitations})
	})
	return r, err
}

// Remove deletes the account (someone leaves the campaign): its tokens and
// sessions go with it, at once. The audit log keeps what it did under its
// e-mail. check.ErrNotFound: no such account.
func Remove(ctx context.Context, pool *pgxpool.Pool, actor, email string) error {
	return pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		email := strings.ToLower(strings.TrimSpace(email))
		tag, err := tx.Exec(ctx, `DELETE FROM staff_users WHERE email = $1`, email)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return check.ErrNotFound
		}
		return Audit(ctx, tx, actor, "staff.remove", "staff_user", email, nil)
	})
}

// HasPassword reports whether the account can log in on the staff pages
// (without a password it only acts through API tokens).
func HasPassword(ctx context.Context, q pgdb.Q, userID int64) (bool, error) {
	var has bool
	err := q.QueryRow(ctx, `SELECT password_hash <> '' FROM staff_users WHERE id = $1`, userID).Scan(&has)
	return has, err
}
