-- delegate_speed: what a national assignment run writes (logistics/delegates,
-- Desk.run), made cheaper. A run writes, in one transaction, 160,000 seats
-- (delegate_assignments) and, for the 140,000 people told of a change, as
-- many private links (delegate_links) and messages. Written so that running
-- it on a schema that already has it changes nothing.
--
-- The foreign keys of 005 from both tables to delegate_volunteers checked
-- each new row with its own query (a key lookup and a FOR KEY SHARE lock of
-- the volunteer through SPI): a third of the run's write time. The same
-- rules are kept, checked once per statement:
--  * a seat or link names an existing volunteer, whose row is locked
--    FOR KEY SHARE until the writer commits, as the foreign key did: a
--    concurrent DELETE of that volunteer waits for the writer, and the
--    writer's check waits for an uncommitted DELETE and then fails;
--  * deleting volunteers deletes their seats and links (ON DELETE CASCADE),
--    with a fresh snapshot after the waits above (the writers of this
--    schema run READ COMMITTED, as the advisory-lock rules of 005 assume);
--  * a volunteer's id never changes (the key that seats and links name);
--  * TRUNCATE of the volunteers empties the seats and links too (a foreign
--    key refused it without CASCADE).

ALTER TABLE delegate_assignments DROP CONSTRAINT IF EXISTS delegate_assignments_volunteer_id_fkey;
ALTER TABLE delegate_links DROP CONSTRAINT IF EXISTS delegate_links_volunteer_id_fkey;

-- Referencing side of the links, after each INSERT or UPDATE statement: one
-- join on the volunteers' primary key, whose rows it locks. As a join on a
-- primary key gives at most one row per new row, as many rows as new rows
-- means every volunteer exists.
CREATE OR REPLACE FUNCTION delegate_volunteer_exists() RETURNS trigger
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    wanted bigint;
    present bigint;
BEGIN
    SELECT count(*) INTO wanted FROM new_rows;
    SELECT count(*) INTO present
    FROM (SELECT 1 FROM new_rows n JOIN delegate_volunteers v ON v.id = n.volunteer_id FOR KEY SHARE OF v) l;
    IF present < wanted THEN
        PERFORM delegate_volunteer_missing(TG_TABLE_NAME,
            (SELECT n.volunteer_id FROM new_rows n
             WHERE NOT EXISTS (SELECT 1 FROM delegate_volunteers v WHERE v.id = n.volunteer_id) LIMIT 1));
    END IF;
    RETURN NULL;
END $$;

-- The error a foreign key raised.
CREATE OR REPLACE FUNCTION delegate_volunteer_missing(tbl text, volunteer bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"', tbl, tbl || '_volunteer_id_fkey'
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = tbl || '_volunteer_id_fkey', TABLE = tbl,
              DETAIL = format('Key (volunteer_id)=(%s) is not present in table "delegate_volunteers".', volunteer);
END $$;

DROP TRIGGER IF EXISTS delegate_links_volunteer_insert ON delegate_links;
CREATE TRIGGER delegate_links_volunteer_insert
    AFTER INSERT ON delegate_links REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION delegate_volunteer_exists();
DROP TRIGGER IF EXISTS delegate_links_volunteer_update ON delegate_links;
CREATE TRIGGER delegate_links_volunteer_update
    AFTER UPDATE ON delegate_links REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION delegate_volunteer_exists();

-- Seats: the statement check of 005 (same rules, same errors) takes the key
-- check over, in the join it already made with the volunteers:
--  * one pass over the new rows and their volunteers (hash join, volunteer
--    rows locked FOR KEY SHARE) counts the rows whose volunteer is missing
--    or does not fit; the slow search for the row to name in the error
--    only runs when there is one;
--  * the limits look at the (volunteer, round) pairs with two seats or
--    more only (one seat breaks no limit: max_bureaux_per_delegue >= 1),
--    with min <> max instead of count(DISTINCT) so that PostgreSQL may hash
--    instead of sorting 200,000 rows.
CREATE OR REPLACE FUNCTION delegate_assignments_check() RETURNS trigger
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    bad record;
    e bigint;
    wanted bigint;
    present bigint;
    unfit bigint;
BEGIN
    FOR e IN SELECT DISTINCT election_id FROM new_rows ORDER BY 1 LOOP
        PERFORM pg_advisory_xact_lock(7231005, e::int);
    END LOOP;

    SELECT count(*) INTO wanted FROM new_rows;
    SELECT count(*), count(*) FILTER (WHERE unfits) INTO present, unfit
    FROM (SELECT v.election_id <> n.election_id
                 OR v.status <> 'active'
                 OR NOT (n.role = ANY (v.roles))
                 OR NOT (n.round = ANY (v.rounds))
                 OR departement_of(v.commune_code) <> departement_of(n.commune_code) AS unfits
          FROM new_rows n JOIN delegate_volunteers v ON v.id = n.volunteer_id
          FOR KEY SHARE OF v) l;
    IF present < wanted THEN
        PERFORM delegate_volunteer_missing(TG_TABLE_NAME,
            (SELECT n.volunteer_id FROM new_rows n
             WHERE NOT EXISTS (SELECT 1 FROM delegate_volunteers v WHERE v.id = n.volunteer_id) LIMIT 1));
    END IF;
    IF unfit > 0 THEN
        SELECT n.volunteer_id, n.round, n.commune_code, n.bureau_code, n.role INTO bad
        FROM new_rows n JOIN delegate_volunteers v ON v.id = n.volunteer_id
        WHERE v.election_id <> n.election_id
           OR v.status <> 'active'
           OR NOT (n.role = ANY (v.roles))
           OR NOT (n.round = ANY (v.rounds))
           OR departement_of(v.commune_code) <> departement_of(n.commune_code)
        LIMIT 1;
        RAISE EXCEPTION 'delegate % cannot hold % in %_% (round %)', bad.volunteer_id, bad.role, bad.commune_code, bad.bureau_code, bad.round
            USING ERRCODE = 'check_violation', CONSTRAINT = 'delegate_volunteer_fits';
    END IF;

    SELECT a.volunteer_id, a.round INTO bad
    FROM delegate_assignments a
    WHERE (a.volunteer_id, a.round) IN (SELECT volunteer_id, round FROM new_rows)
    GROUP BY a.volunteer_id, a.round
    HAVING count(*) > 1 AND (
           count(*) FILTER (WHERE a.role LIKE 'assesseur%') > 0
        OR min(a.commune_code) FILTER (WHERE a.role LIKE 'delegue%') <> max(a.commune_code) FILTER (WHERE a.role LIKE 'delegue%')
        OR count(*) FILTER (WHERE a.role LIKE 'delegue%') > coalesce(
               (SELECT s.max_bureaux_per_delegue FROM delegate_settings s WHERE s.election_id = min(a.election_id)), 3))
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'delegate % holds too many seats in round %', bad.volunteer_id, bad.round
            USING ERRCODE = 'check_violation', CONSTRAINT = 'delegate_seat_limit';
    END IF;
    RETURN NULL;
END $$;

-- (005's triggers on delegate_assignments call the function above.)

-- Referenced side: the cascade, once per DELETE statement (Purge, or the
-- cascade of an election's deletion).
CREATE OR REPLACE FUNCTION delegate_volunteers_cascade() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM delegate_assignments WHERE volunteer_id IN (SELECT id FROM old_rows);
    DELETE FROM delegate_links WHERE volunteer_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS delegate_volunteers_cascade ON delegate_volunteers;
CREATE TRIGGER delegate_volunteers_cascade
    AFTER DELETE ON delegate_volunteers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION delegate_volunteers_cascade();

CREATE OR REPLACE FUNCTION delegate_volunteers_keep_id() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the id of delegate volunteer % cannot change', OLD.id
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'delegate_volunteers_pkey';
END $$;

DROP TRIGGER IF EXISTS delegate_volunteers_keep_id ON delegate_volunteers;
CREATE TRIGGER delegate_volunteers_keep_id
    BEFORE UPDATE OF id ON delegate_volunteers
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION delegate_volunteers_keep_id();

CREATE OR REPLACE FUNCTION delegate_volunteers_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE delegate_assignments, delegate_links;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS delegate_volunteers_truncate ON delegate_volunteers;
CREATE TRIGGER delegate_volunteers_truncate
    AFTER TRUNCATE ON delegate_volunteers
    FOR EACH STATEMENT EXECUTE FUNCTION delegate_volunteers_truncate();

-- Links are looked up by their token hash only (ResolveLink). The index of
-- 005 on volunteer_id served the cascade above and nobody else: the cascade
-- of a Purge or of an election's deletion is one statement for thousands of
-- volunteers, which PostgreSQL answers with one pass over the links (hash
-- join) whatever the indexes, and it cost a run an insertion at a random
-- place of the index per message (as 007 found for the proxy links).
DROP INDEX IF EXISTS delegate_links_volunteer_idx;
