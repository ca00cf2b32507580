-- delegates: poll delegates (assesseurs and délégués, Code électoral R44-R47).
-- Owned by logistics/delegates. Roles everywhere are one of
--   assesseur_titulaire, assesseur_suppleant, delegue_titulaire, delegue_suppleant.
-- Bureau codes are the REU codes without leading zeros (places.NormalizeBureau).
-- There are no foreign keys to communes/bureaux: a re-import of the places
-- must not be blocked (or cascade-delete people) because of delegates; codes
-- are checked when written.

-- Per-election settings of the assignment.
CREATE TABLE delegate_settings (
    election_id             bigint PRIMARY KEY REFERENCES elections (id) ON DELETE CASCADE,
    -- how many bureaux (of one commune) a délégué may cover in one round (R47)
    max_bureaux_per_delegue integer NOT NULL DEFAULT 3 CHECK (max_bureaux_per_delegue BETWEEN 1 AND 20)
);

-- A person who offered to be assesseur or délégué for an election. A second
-- sign-up with the same e-mail for the same election updates this row.
CREATE TABLE delegate_volunteers (
    id                bigserial PRIMARY KEY,
    election_id       bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    last_name         text NOT NULL,                -- nom (d'usage)
    birth_name        text NOT NULL DEFAULT '',     -- nom de naissance, '' when the same as last_name
    first_names       text NOT NULL,                -- prénoms, all of them, as on the voter list
    birth_date        date NOT NULL,
    birth_place       text NOT NULL,                -- commune (and country/département) of birth, free text
    address           text NOT NULL,                -- postal address, street and town
    postal_code       text NOT NULL DEFAULT '',     -- postal code of that address
    email             text NOT NULL CHECK (email = lower(email)),
    phone             text NOT NULL DEFAULT '',     -- E.164, '' when not given
    commune_code      text NOT NULL,                -- INSEE code of the commune (arrondissement) where registered to vote
    bureau_code       text NOT NULL,                -- bureau where registered to vote, in that commune
    voter_number      text NOT NULL CHECK (voter_number ~ '^[0-9]{8,9}$'), -- NNE, digit string
    -- roles accepted, at least one
    roles             text[] NOT NULL CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['assesseur_titulaire', 'assesseur_suppleant', 'delegue_titulaire', 'delegue_suppleant']),
    -- round numbers the person is available for, at least one
    rounds            smallint[] NOT NULL CHECK (cardinality(rounds) > 0 AND rounds <@ ARRAY[1, 2]::smallint[]),
    -- travel limit: 0 = own bureau only, NULL = own commune, N = own
    -- commune and any bureau within N km of the registration bureau
    -- (places.Location to places.Location, places.DistanceKm)
    max_distance_km   integer CHECK (max_distance_km BETWEEN 0 AND 200),
    -- bureaux the person would rather serve, as "04209_1"
    preferred_bureaux text[] NOT NULL DEFAULT '{}',
    -- active, or withdrawn through the private link (assignments removed)
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (election_id, email)
);
CREATE INDEX delegate_volunteers_commune_idx ON delegate_volunteers (election_id, commune_code);
CREATE INDEX delegate_volunteers_departement_idx ON delegate_volunteers (election_id, departement_of(commune_code));

-- Private links (/assesseurs/t/{token}) through which a volunteer sees their
-- seats, confirms or withdraws. Each e-mail carries a fresh link; older ones
-- keep working until they expire (the day after the last round).
CREATE TABLE delegate_links (
    token_hash   bytea PRIMARY KEY,      -- token.Hash of the link's token; the token itself is never stored
    volunteer_id bigint NOT NULL REFERENCES delegate_volunteers (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX delegate_links_volunteer_idx ON delegate_links (volunteer_id);

-- Which roles each bureau needs in a round. The most specific rule wins:
-- commune code, then département code, then '' (whole election); without
-- any rule a bureau needs assesseur_titulaire, assesseur_suppleant and
-- delegue_titulaire. An empty roles array means "nothing to cover here".
CREATE TABLE delegate_role_rules (
    election_id bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    round       smallint NOT NULL CHECK (round IN (1, 2)),
    scope       text NOT NULL,   -- '', a département code or a commune code
    roles       text[] NOT NULL CHECK (roles <@ ARRAY['assesseur_titulaire', 'assesseur_suppleant', 'delegue_titulaire', 'delegue_suppleant']),
    updated_by  text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (election_id, round, scope)
);

-- Priority bureaux (every round of the election). Without a row a bureau has
-- priority 1; a seat of priority p counts p times in the coverage objective.
CREATE TABLE delegate_priorities (
    election_id  bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    commune_code text NOT NULL,
    bureau_code  text NOT NULL,
    priority     smallint NOT NULL CHECK (priority BETWEEN 1 AND 9),
    PRIMARY KEY (election_id, commune_code, bureau_code)
);

-- The seats to cover: one row per (election, round, bureau, role) needed,
-- with its priority. Readers (coverage pages, exports) filter by election,
-- round and commune/département; the solver computes the same in Go.
CREATE VIEW delegate_seats AS
SELECT r.election_id, r.number AS round, b.commune_code, b.code AS bureau_code,
       role, coalesce(p.priority, 1)::smallint AS priority
FROM rounds r
CROSS JOIN bureaux b
CROSS JOIN LATERAL (
    SELECT coalesce(
        (SELECT x.roles FROM delegate_role_rules x WHERE x.election_id = r.election_id AND x.round = r.number AND x.scope = b.commune_code),
        (SELECT x.roles FROM delegate_role_rules x WHERE x.election_id = r.election_id AND x.round = r.number AND x.scope = departement_of(b.commune_code)),
        (SELECT x.roles FROM delegate_role_rules x WHERE x.election_id = r.election_id AND x.round = r.number AND x.scope = ''),
        ARRAY['assesseur_titulaire', 'assesseur_suppleant', 'delegue_titulaire']) AS roles
) rr
CROSS JOIN LATERAL unnest(rr.roles) AS role
LEFT JOIN delegate_priorities p
       ON p.election_id = r.election_id AND p.commune_code = b.commune_code AND p.bureau_code = b.code;

-- Who sits where. A row is a seat held: (election, round, bureau, role) by
-- one volunteer. Hard rules are enforced here, not only in Go.
CREATE TABLE delegate_assignments (
    id           bigserial PRIMARY KEY,
    -- the volunteer's election (checked by the trigger below; no foreign
    -- key: the volunteer's one already cascades, and a national run writes
    -- 200,000 rows whose per-row key checks would double its write time)
    election_id  bigint NOT NULL,
    round        smallint NOT NULL CHECK (round IN (1, 2)),
    commune_code text NOT NULL,      -- bureau served: commune ...
    bureau_code  text NOT NULL,      -- ... and bureau code
    role         text NOT NULL CHECK (role IN ('assesseur_titulaire', 'assesseur_suppleant', 'delegue_titulaire', 'delegue_suppleant')),
    volunteer_id bigint NOT NULL REFERENCES delegate_volunteers (id) ON DELETE CASCADE,
    -- 'manual' (staff) and confirmed seats are kept by later runs; 'auto'
    -- seats may move when a run finds a better cover
    source       text NOT NULL CHECK (source IN ('auto', 'manual')),
    assigned_by  text NOT NULL DEFAULT '',   -- audit actor of the change
    created_at   timestamptz NOT NULL DEFAULT now(),
    notified_at  timestamptz,                -- when the volunteer was told (outbox)
    confirmed_at timestamptz                 -- when the volunteer confirmed through their link
);
-- at most one person per role per bureau
CREATE UNIQUE INDEX delegate_assignments_seat_key
    ON delegate_assignments (election_id, round, commune_code, bureau_code, role);
-- a person holds at most one seat per bureau (never délégué where assesseur)
CREATE UNIQUE INDEX delegate_assignments_person_bureau_key
    ON delegate_assignments (volunteer_id, round, commune_code, bureau_code);
-- an assesseur (titulaire or suppléant) sits in one bureau only in a round
CREATE UNIQUE INDEX delegate_assignments_assesseur_key
    ON delegate_assignments (volunteer_id, round) WHERE role IN ('assesseur_titulaire', 'assesseur_suppleant');
-- (reads by election, round and commune use the prefix of the seat key)

-- Rules that span rows, checked after each INSERT/UPDATE statement:
--  * an assesseur holds no other seat that round;
--  * a délégué covers bureaux of one commune only, at most
--    delegate_settings.max_bureaux_per_delegue (default 3) per round;
--  * the person is a voter of the bureau's département, accepts the role,
--    is available that round, has not withdrawn, and belongs to the election.
-- Concurrent writers queue on a transaction-level advisory lock per
-- election, (7231005, election id): the counts below are taken with it
-- held, and each query of this READ COMMITTED function sees what the
-- previous holder committed. The code that changes a volunteer's status,
-- roles or rounds takes the same lock (logistics/delegates lockKey), so a
-- withdrawal cannot slip between a run's check and its commit. One lock
-- per statement rather than a row lock per volunteer: a national run
-- writes 200,000 seats in one statement.
CREATE FUNCTION delegate_assignments_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
    e bigint;
BEGIN
    FOR e IN SELECT DISTINCT election_id FROM new_rows ORDER BY 1 LOOP
        PERFORM pg_advisory_xact_lock(7231005, e::int);
    END LOOP;

    SELECT n.volunteer_id, n.round, n.commune_code, n.bureau_code, n.role INTO bad
    FROM new_rows n JOIN delegate_volunteers v ON v.id = n.volunteer_id
    WHERE v.election_id <> n.election_id
       OR v.status <> 'active'
       OR NOT (n.role = ANY (v.roles))
       OR NOT (n.round = ANY (v.rounds))
       OR departement_of(v.commune_code) <> departement_of(n.commune_code)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'delegate % cannot hold % in %_% (round %)', bad.volunteer_id, bad.role, bad.commune_code, bad.bureau_code, bad.round
            USING ERRCODE = 'check_violation', CONSTRAINT = 'delegate_volunteer_fits';
    END IF;

    SELECT a.volunteer_id, a.round INTO bad
    FROM delegate_assignments a
    JOIN (SELECT DISTINCT volunteer_id, round FROM new_rows) k USING (volunteer_id, round)
    LEFT JOIN delegate_settings s ON s.election_id = a.election_id
    GROUP BY a.volunteer_id, a.round, s.max_bureaux_per_delegue
    HAVING (count(*) FILTER (WHERE a.role LIKE 'assesseur%') > 0 AND count(*) > 1)
        OR count(DISTINCT a.commune_code) FILTER (WHERE a.role LIKE 'delegue%') > 1
        OR count(*) FILTER (WHERE a.role LIKE 'delegue%') > coalesce(s.max_bureaux_per_delegue, 3)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'delegate % holds too many seats in round %', bad.volunteer_id, bad.round
            USING ERRCODE = 'check_violation', CONSTRAINT = 'delegate_seat_limit';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER delegate_assignments_insert_check
    AFTER INSERT ON delegate_assignments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION delegate_assignments_check();
CREATE TRIGGER delegate_assignments_update_check
    AFTER UPDATE ON delegate_assignments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION delegate_assignments_check();

-- One row per assignment run (CLI, staff button, API), for the staff page.
CREATE TABLE delegate_runs (
    id          bigserial PRIMARY KEY,
    election_id bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    round       smallint,                 -- NULL = every round
    actor       text NOT NULL,            -- audit actor
    scope       text[],                   -- staff scope of the run, NULL = national
    dry_run     boolean NOT NULL DEFAULT false,
    started_at  timestamptz NOT NULL DEFAULT now(),
    duration_ms integer NOT NULL DEFAULT 0,
    seats       integer NOT NULL DEFAULT 0,  -- seats needed in the run's scope
    assigned    integer NOT NULL DEFAULT 0,  -- seats covered after the run
    uncovered   integer NOT NULL DEFAULT 0,  -- seats still empty
    added       integer NOT NULL DEFAULT 0,  -- seats given to someone new
    removed     integer NOT NULL DEFAULT 0   -- auto seats taken back (moved people)
);
CREATE INDEX delegate_runs_election_idx ON delegate_runs (election_id, id DESC);
