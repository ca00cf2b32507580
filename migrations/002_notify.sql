-- notify: what the sending worker and the Messages page need on top of the
-- outbox table of 001.

-- When the last delivery attempt happened (shown to admins, and the base
-- of the backoff: next_attempt_at = last_attempt_at + delay).
ALTER TABLE outbox ADD COLUMN last_attempt_at timestamptz;

-- The worker claims due rows of the channels it has a provider for; rows of
-- a channel without provider stay pending for good and must not be walked
-- through at every claim, hence channel first.
DROP INDEX outbox_pending_idx;
CREATE INDEX outbox_due_idx ON outbox (channel, next_attempt_at) WHERE status = 'pending';

-- The Messages page lists newest first (id order), filtered by status or kind.
CREATE INDEX outbox_status_idx ON outbox (status, id);
CREATE INDEX outbox_kind_idx ON outbox (kind, id);
