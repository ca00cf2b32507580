package staff

import (
	"context"
	"strings"

	"scrutin/logistics/check"
	"scrutin/logistics/pgdb"
)

// Revoke ends every API token and login session of the account (a leaked
// token, a lost laptop); the account and its password stay. It returns how
// many tokens and sessions it ended.
func Revoke(ctx context.Context, q pgdb.Q, email string) (tokens, sessions int64, err error) {
	u, err := ByEmail(ctx, q, email)
	if err != nil {
		return 0, 0, err
	}
	err = q.QueryRow(ctx, `
		WITH t AS (DELETE FROM staff_tokens WHERE user_id = $1 RETURNING 1),
		     s AS (DELETE FROM staff_sessions WHERE user_id = $1 RETURNING 1)
		SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM s)`, u.ID).Scan(&tokens, &sessions)
	return tokens, sessions, err
}

// Remove deletes the account (someone leaves the campaign): its tokens and
// sessions go with it, at once. The audit log keeps what it did under its
// e-mail.
func Remove(ctx context.Context, q pgdb.Q, email string) error {
	tag, err := q.Exec(ctx, `DELETE FROM staff_users WHERE email = $1`, strings.ToLower(strings.TrimSpace(email)))
	if err == nil && tag.RowsAffected() == 0 {
		return check.ErrNotFound
	}
	return err
}

// HasPassword reports whether the account can log in on the staff pages
// (without a password it only acts through API tokens).
func HasPassword(ctx context.Context, q pgdb.Q, userID int64) (bool, error) {
	var has bool
	err := q.QueryRow(ctx, `SELECT password_hash <> '' FROM staff_users WHERE id = $1`, userID).Scan(&has)
	return has, err
}
