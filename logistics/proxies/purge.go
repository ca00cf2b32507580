package proxies

import (
	"context"

	"scrutin/logistics/changes"
	"scrutin/logistics/pgdb"
)

// Purge deletes an election's proxy requests and volunteers with their
// rounds, offers, private links and held changes: names, NNE and birth
// dates must not outlive the election (DOMAIN.md §5). It returns how many
// people it removed.
func Purge(ctx context.Context, q pgdb.Q, electionID int64) (int64, error) {
	// Offers point at both sides, and accepted request rounds at their
	// volunteer: offers go first, then requests (with their rounds), then
	// the volunteers nothing points at any more.
	if _, err := q.Exec(ctx, `DELETE FROM proxy_offers WHERE election_id = $1`, electionID); err != nil {
		return 0, err
	}
	// Private links have no foreign key (see migration 003): removed here.
	if _, err := q.Exec(ctx, `DELETE FROM proxy_links WHERE request_id IN (SELECT id FROM proxy_requests WHERE election_id = $1)
		OR volunteer_id IN (SELECT id FROM proxy_volunteers WHERE election_id = $1)`, electionID); err != nil {
		return 0, err
	}
	// Changes held for confirmation carry the same personal data.
	if err := changes.Purge(ctx, q, electionID, changes.ProxyRequest, changes.ProxyVolunteer); err != nil {
		return 0, err
	}
	var n int64
	for _, table := range []string{"proxy_requests", "proxy_volunteers"} {
		tag, err := q.Exec(ctx, `DELETE FROM `+table+` WHERE election_id = $1`, electionID)
		if err != nil {
			return n, err
		}
		n += tag.RowsAffected()
	}
	return n, nil
}
