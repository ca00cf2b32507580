-- proxy_batch: what the proxy matching batch writes for every offer, made
-- cheaper (logistics/proxies, Desk.write). A national batch writes, in one
-- transaction, 100,000 offers, as many request-round status changes,
-- private links and messages.

-- Private links are only ever looked up by their token hash (ResolveLink).
-- The indexes of 003 on request_id and volunteer_id served nobody: Purge,
-- the one query by person, deletes a whole election's links at once with an
-- OR of two IN (subquery) conditions, which PostgreSQL answers with one
-- sequential scan and hashed subqueries whatever the indexes. They cost two
-- index insertions per message (one of them of a NULL): half of what the
-- links weigh in a batch.
DROP INDEX IF EXISTS proxy_links_request_idx;
DROP INDEX IF EXISTS proxy_links_volunteer_idx;

-- A batch moves every open request round of the election to 'proposed'.
-- An update is HOT (no index entry, a third of the WAL) only when the new
-- row version fits in the old one's page. At 003's fillfactor of 70 a page
-- holds about 110 rows with room for 40 new versions, so most of a batch's
-- updates went to other pages, each with a new primary-key entry. A row is
-- 52 bytes with its line pointer, 60 once 'proposed': at 45 a page holds
-- about 70 rows and room for all of their new versions. The table is
-- small (a row per request and round), and the space is given back as
-- soon as the old versions are pruned.
ALTER TABLE proxy_request_rounds SET (fillfactor = 45);
-- Rewrite the rows already there with the new fillfactor (CLUSTER on a
-- named table runs inside the migration's transaction, unlike VACUUM FULL).
CLUSTER proxy_request_rounds USING proxy_request_rounds_pkey;
