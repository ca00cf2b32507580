package delegates

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
)

// MaxBureauxLimit bounds the bureaux a délégué may cover (the table's
// check): the law sets no number, a day's rounds between bureaux do.
const MaxBureauxLimit = 20

// SettingsInput is the election-wide setting of the assignment an admin
// changes.
type SettingsInput struct {
	Election             string `json:"election"`
	MaxBureauxPerDelegue int    `json:"max_bureaux_per_delegue"`
}

// MaxBureauxPerDelegue is how many bureaux (of one commune) a délégué may
// cover in one round of e: the election's setting, else the default.
func MaxBureauxPerDelegue(ctx context.Context, q pgdb.Q, e *elections.Election) (int, error) {
	var k int
	err := q.QueryRow(ctx, `SELECT max_bureaux_per_delegue FROM delegate_settings WHERE election_id = $1`, e.ID).Scan(&k)
	if errors.Is(err, pgx.ErrNoRows) {
		return DefaultMaxBureauxPerDelegue, nil
	}
	return k, err
}

// SetSettings changes the election's setting (admins: it holds for every
// commune). It cannot go below what a délégué covers already: the seats'
// rules would then refuse any later change of theirs, a confirmation
// included. Runs and manual seats after it follow the new number.
func (d *Desk) SetSettings(ctx context.Context, u *staff.User, in SettingsInput) error {
	if !u.IsAdmin() {
		return check.ErrForbidden
	}
	errs := check.Errors{}
	k := in.MaxBureauxPerDelegue
	if k < 1 || k > MaxBureauxLimit {
		errs.Add("max_bureaux_per_delegue", fmt.Sprintf("Indiquez un nombre de bureaux entre 1 et %d.", MaxBureauxLimit))
	}
	e, err := elections.Resolve(ctx, d.Pool, strings.TrimSpace(in.Election), "election", d.now())
	if _, err := errs.Merge(err); err != nil {
		return err
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		if err := lockElection(ctx, tx, e.ID); err != nil {
			return err
		}
		previous, err := MaxBureauxPerDelegue(ctx, tx, e)
		if err != nil {
			return err
		}
		var most int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(n), 0) FROM (
			SELECT count(*) AS n FROM delegate_assignments
			WHERE election_id = $1 AND role LIKE 'delegue%' GROUP BY volunteer_id, round) c`, e.ID).Scan(&most); err != nil {
			return err
		}
		if k < most {
			return check.Field("max_bureaux_per_delegue", fmt.Sprintf("Un·e délégué·e couvre déjà %s : retirez-lui des bureaux avant de descendre sous ce nombre.",
				fr.Count(most, "bureau", "bureaux")))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO delegate_settings (election_id, max_bureaux_per_delegue) VALUES ($1, $2)
			ON CONFLICT (election_id) DO UPDATE SET max_bureaux_per_delegue = EXCLUDED.max_bureaux_per_delegue`, e.ID, k); err != nil {
			return err
		}
		return staff.Audit(ctx, tx, u.Actor(), "delegate_settings.update", "election", e.Slug,
			map[string]any{"max_bureaux_per_delegue": k, "previous": previous})
	})
}
