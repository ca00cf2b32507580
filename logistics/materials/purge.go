package materials

import (
	"context"

	"scrutin/logistics/pgdb"
)

// Purge deletes an election's orders (names, addresses, phones) and their
// lines; the catalog and its counters stay for the campaign's records.
func Purge(ctx context.Context, q pgdb.Q, electionID int64) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM material_orders WHERE election_id = $1`, electionID)
	return tag.RowsAffected(), err
}
