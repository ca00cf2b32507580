-- Messages written beside a transaction. A matching batch tells 100,000
-- volunteers: its messages go in on a second connection, in a transaction
-- of their own, while the batch's transaction inserts the offers (on one
-- connection each waited for the other). Such messages carry a hold: they
-- are neither sent nor listed until the change's transaction releases the
-- hold (notify.Release), so that for the worker and the Messages page they
-- exist if and only if the change does. A hold never released (the change
-- rolled back) goes with its messages an hour later (notify.DeleteOrphans).
CREATE TABLE outbox_holds (
    id          bigserial PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    released_at timestamptz
);
ALTER TABLE outbox ADD COLUMN hold bigint;
