-- pacific_areas: what 021 left behind when the communes of 98x codes went
-- from "98" to their own collectivity (984 TAAF, 986 Wallis-et-Futuna,
-- 987 French Polynesia, 988 New Caledonia).
--
-- A "98" stored before 021 matched every 98x commune through
-- departement_of; since 021 it matches none, silently: a staff account
-- with "98" in its scope sees nothing of the Pacific, a delegate role rule
-- for "98" no longer applies (the election's rule or the default does), a
-- representative named for "98" no longer signs (the election's does),
-- and a delegate run of scope "98" would be hidden from the Pacific's
-- accounts once their scopes are mended. Each "98" becomes the four collectivities 984, 986, 987 and
-- 988: they hold every commune "98" held but Clipperton (98901, where
-- nobody lives and nobody votes: insee.Uninhabited), so no one gains or
-- loses a voter, a bureau or a letter. Which of them a "98" was meant for
-- is not written anywhere: guessing fewer could cut an organizer off from
-- the communes they ran the week before the vote; an admin narrows the
-- scope or the rule afterwards if it was meant for Tahiti alone. A row an
-- admin made since 021 for one of the four (a 987 rule) is newer and
-- says what was meant there: it wins over the copy of "98".
--
-- Every statement finds nothing to do the second time (no "98" is left),
-- and none fails on existing data.

-- A stored scope with each "98" replaced by the four codes in its place,
-- without a code twice (a scope "98, 987" becomes 984, 986, 987, 988).
CREATE OR REPLACE FUNCTION pg_temp.without_98(scope text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE
AS $$
    SELECT array_agg(code ORDER BY n, m) FROM (
        SELECT code, min(s.n) AS n, min(x.m) AS m
        FROM unnest(scope) WITH ORDINALITY AS s (c, n),
             unnest(CASE WHEN s.c = '98' THEN ARRAY['984', '986', '987', '988'] ELSE ARRAY[s.c] END) WITH ORDINALITY AS x (code, m)
        GROUP BY code) y
$$;

-- Staff scopes: the change of what an account may see is in the journal
-- (logistics/staff: action staff.scope_pacific), with the scope before.
WITH changed AS (
    SELECT id, scope AS previous FROM staff_users WHERE '98' = ANY (scope)
), updated AS (
    UPDATE staff_users u SET scope = pg_temp.without_98(u.scope)
    FROM changed c WHERE u.id = c.id
    RETURNING u.email, u.scope, c.previous
)
INSERT INTO audit_log (actor, action, entity, entity_id, details)
SELECT 'system', 'staff.scope_pacific', 'staff_user', email,
       jsonb_build_object('previous_scope', previous, 'scope', scope, 'migration', '023')
FROM updated;

-- Delegate runs: where a run planned seats, which also says who sees it
-- (delegates.RecentRuns). NULL is national, left alone.
UPDATE delegate_runs SET scope = pg_temp.without_98(scope) WHERE '98' = ANY (scope);

-- Delegate role rules: the rule of "98", with its author and date, for
-- each of the four.
INSERT INTO delegate_role_rules (election_id, round, scope, roles, updated_by, updated_at)
SELECT r.election_id, r.round, c.code, r.roles, r.updated_by, r.updated_at
FROM delegate_role_rules r, unnest(ARRAY['984', '986', '987', '988']) AS c (code)
WHERE r.scope = '98'
ON CONFLICT (election_id, round, scope) DO NOTHING;
DELETE FROM delegate_role_rules WHERE scope = '98';

-- Representatives: 006 and 020 let one be named for every two-digit code,
-- "98" included, and for 971 to 978 only, so French Polynesia (987) and
-- New Caledonia (988) could have none of their own. The check now takes
-- what insee.KnownArea takes, the areas staff filters and scopes take:
-- 01 to 95 but 20, 2A, 2B, 971 to 978, 984, 986, 987, 988 (not 00, 96,
-- 97, 98, 99, nor 985, Mayotte's old code, nor 989, Clipperton). The old
-- check goes first: it would refuse the copies of "98".
ALTER TABLE delegate_representatives DROP CONSTRAINT IF EXISTS delegate_representatives_departement_check;

INSERT INTO delegate_representatives (election_id, departement, name, updated_by, updated_at)
SELECT r.election_id, c.code, r.name, r.updated_by, r.updated_at
FROM delegate_representatives r, unnest(ARRAY['984', '986', '987', '988']) AS c (code)
WHERE r.departement = '98'
ON CONFLICT (election_id, departement) DO NOTHING;
DELETE FROM delegate_representatives WHERE departement = '98';

-- Any other row the new check refuses (a representative for 99 or 20,
-- which no form has taken since the communes' check, but 006 allowed)
-- must not fail the migration: the check is then NOT VALID, kept for
-- every new or changed row, and the odd rows stay for an admin to remove.
DO $$
DECLARE
    bad bigint;
BEGIN
    SELECT count(*) INTO bad FROM delegate_representatives
    WHERE departement !~ '^(0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-8]|98[4678])$';
    IF bad > 0 THEN
        RAISE WARNING 'delegate_representatives: % row(s) for a code no département or collectivity has; check added NOT VALID', bad;
        ALTER TABLE delegate_representatives ADD CONSTRAINT delegate_representatives_departement_check
            CHECK (departement ~ '^(0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-8]|98[4678])$') NOT VALID;
    ELSE
        ALTER TABLE delegate_representatives ADD CONSTRAINT delegate_representatives_departement_check
            CHECK (departement ~ '^(0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-8]|98[4678])$');
    END IF;
END $$;

DROP FUNCTION pg_temp.without_98(text[]);
