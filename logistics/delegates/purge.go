package delegates

import (
	"context"

	"scrutin/logistics/changes"
	"scrutin/logistics/pgdb"
)

// Purge deletes an election's delegate volunteers with their assignments,
// private links and the changes still held for them; needs, priorities and
// settings stay.
func Purge(ctx context.Context, q pgdb.Q, electionID int64) (int64, error) {
	if err := changes.Purge(ctx, q, electionID, changes.DelegateVolunteer); err != nil {
		return 0, err
	}
	if _, err := q.Exec(ctx, `DELETE FROM delegate_assignments WHERE election_id = $1`, electionID); err != nil {
		return 0, err
	}
	tag, err := q.Exec(ctx, `DELETE FROM delegate_volunteers WHERE election_id = $1`, electionID)
	return tag.RowsAffected(), err
}
