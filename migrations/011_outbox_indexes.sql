-- outbox_indexes: what a message costs to enqueue. A national delegate run
-- tells 140,000 people and a proxy batch 100,000, each message written in
-- the transaction of the change (logistics/notify.EnqueueEach).
--
-- The Messages page filtered by status or kind through 002's (status, id)
-- and (kind, id) indexes, but it counts the matching rows and lists the
-- kinds present, which read the whole table whatever the indexes: with
-- 140,000 messages the page took about 0.35 s with them, about as long
-- without, where the two indexes cost a national run 0.4 to 0.8 s (two
-- insertions per message, one of them in a long run of equal kinds).
-- Failed messages are the rare rows admins look for: they keep an index of
-- their own, which a message enters only when it fails.
DROP INDEX IF EXISTS outbox_status_idx;
DROP INDEX IF EXISTS outbox_kind_idx;
CREATE INDEX IF NOT EXISTS outbox_failed_idx ON outbox (id) WHERE status = 'failed';
