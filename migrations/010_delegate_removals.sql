-- Seats staff took back from a volunteer by hand (Desk.Unassign): the
-- automatic assignment never gives that person that bureau again in that
-- round, or the next run would undo the staff's decision. Assigning the
-- same seat by hand lifts it.
--
-- Like the seats and links since 008, the rows go with their volunteer
-- through the statement triggers of delegate_volunteers (DELETE and
-- TRUNCATE), not a foreign key.
CREATE TABLE IF NOT EXISTS delegate_removals (
    election_id  bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    round        smallint NOT NULL,
    volunteer_id bigint NOT NULL,
    commune_code text NOT NULL,
    bureau_code  text NOT NULL,
    removed_by   text NOT NULL,
    removed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (election_id, round, volunteer_id, commune_code, bureau_code)
);
CREATE INDEX IF NOT EXISTS delegate_removals_volunteer_idx ON delegate_removals (volunteer_id);

CREATE OR REPLACE FUNCTION delegate_volunteers_cascade() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM delegate_assignments WHERE volunteer_id IN (SELECT id FROM old_rows);
    DELETE FROM delegate_links WHERE volunteer_id IN (SELECT id FROM old_rows);
    DELETE FROM delegate_removals WHERE volunteer_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION delegate_volunteers_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE delegate_assignments, delegate_links, delegate_removals;
    RETURN NULL;
END $$;
