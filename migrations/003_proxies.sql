-- proxies: proxy-vote requests (mandants), volunteers (mandataires), the
-- rounds each needs or offers, the offers that pair them, and the private
-- links people use to act on their own entry. See logistics/proxies.

-- A voter who needs a mandataire. One entry per person (e-mail) and election:
-- submitting again updates it.
CREATE TABLE proxy_requests (
    id           bigserial PRIMARY KEY,
    election_id  bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    email        text NOT NULL CHECK (email = lower(email)),
    first_name   text NOT NULL,
    last_name    text NOT NULL,
    phone        text NOT NULL DEFAULT '',
    commune_code text NOT NULL REFERENCES communes (code),
    bureau_code  text NOT NULL DEFAULT '',      -- '' = "je ne sais pas"
    -- where the mandant votes (bureau, else commune), copied at submission
    -- so that matching loads positions without joins
    latitude     double precision,
    longitude    double precision,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (election_id, email)
);
CREATE INDEX proxy_requests_commune_idx ON proxy_requests (commune_code);
CREATE INDEX proxy_requests_departement_idx ON proxy_requests (departement_of(commune_code));
-- The instant matching reads the requests and volunteers around a place.
CREATE INDEX proxy_requests_position_idx ON proxy_requests (election_id, latitude);

-- One row per round the mandant needs. status:
--   open        waiting for a volunteer
--   proposed    an offer is pending with a volunteer
--   accepted    a volunteer accepted (volunteer_id); the mandant must now
--               make the proxy on maprocuration.gouv.fr
--   established the mandant confirmed the proxy is made
--   cancelled   the mandant no longer needs it
CREATE TABLE proxy_request_rounds (
    request_id   bigint NOT NULL REFERENCES proxy_requests (id) ON DELETE CASCADE,
    round        smallint NOT NULL CHECK (round IN (1, 2)),
    status       text NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'proposed', 'accepted', 'established', 'cancelled')),
    volunteer_id bigint,                        -- set when accepted or established
    status_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, round),
    CHECK ((status IN ('accepted', 'established')) = (volunteer_id IS NOT NULL))
)
-- Statuses change often (a batch moves tens of thousands at once): room
-- in each page and no index on status keep those updates HOT.
WITH (fillfactor = 70);

-- A voter who can carry a proxy. NNE and birth date are what the mandant
-- needs on maprocuration.gouv.fr; they are shown only to the mandant of an
-- accepted offer (counted, audited) and to staff in scope.
CREATE TABLE proxy_volunteers (
    id              bigserial PRIMARY KEY,
    election_id     bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    email           text NOT NULL CHECK (email = lower(email)),
    first_name      text NOT NULL,
    last_name       text NOT NULL,
    phone           text NOT NULL DEFAULT '',
    birth_date      date NOT NULL,
    voter_number    text NOT NULL CHECK (voter_number ~ '^[0-9]{8,9}$'),
    commune_code    text NOT NULL REFERENCES communes (code),
    bureau_code     text NOT NULL DEFAULT '',
    latitude        double precision,
    longitude       double precision,
    max_distance_km integer NOT NULL DEFAULT 10 CHECK (max_distance_km BETWEEN 0 AND 1000),
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (election_id, email)
);
CREATE INDEX proxy_volunteers_commune_idx ON proxy_volunteers (commune_code);
CREATE INDEX proxy_volunteers_departement_idx ON proxy_volunteers (departement_of(commune_code));
CREATE INDEX proxy_volunteers_position_idx ON proxy_volunteers (election_id, latitude);
-- One person, one entry: signing up again under another e-mail would let
-- a volunteer carry more proxies than the law allows.
CREATE UNIQUE INDEX proxy_volunteers_voter_number_key ON proxy_volunteers (election_id, voter_number);

-- Rounds a volunteer is available for.
CREATE TABLE proxy_volunteer_rounds (
    volunteer_id bigint NOT NULL REFERENCES proxy_volunteers (id) ON DELETE CASCADE,
    round        smallint NOT NULL CHECK (round IN (1, 2)),
    PRIMARY KEY (volunteer_id, round)
);

ALTER TABLE proxy_request_rounds ADD FOREIGN KEY (volunteer_id) REFERENCES proxy_volunteers (id);

-- A proposal of one request round to one volunteer.
--   pending  -> accepted | declined | expired | withdrawn
--   accepted -> withdrawn (the mandant cancels, the volunteer withdraws, staff unmatch)
-- A pair once declined or expired is never offered again.
-- No foreign keys: a batch inserts 100,000 offers at once, and checking
-- each against its request round and volunteer (a row lock on each, so a
-- write on each) tripled the time of that insert. Offers are only created
-- by matching runs and staff, from rows read under the election lock, and
-- removed with their election (proxies.Purge deletes them first).
CREATE TABLE proxy_offers (
    id            bigserial PRIMARY KEY,
    election_id   bigint NOT NULL,   -- the request's, copied for per-election reads
    request_id    bigint NOT NULL,
    round         smallint NOT NULL,
    volunteer_id  bigint NOT NULL,
    -- Which of the volunteer's places for this round the offer takes. The
    -- campaign's limit (proxies.MaxProxiesPerRound, one per round for
    -- volunteers in France) decides which slots the code uses; the CHECK is
    -- the legal ceiling of Code électoral L73 (2), a safety net that no bug
    -- can cross.
    slot          smallint NOT NULL DEFAULT 1 CHECK (slot BETWEEN 1 AND 2),
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')),
    -- why a withdrawn offer was withdrawn: moved (re-planned), cancelled
    -- (by the mandant), request_changed / volunteer_changed (entry edited),
    -- volunteer_withdrew, unmatched (by staff: never proposed again)
    reason        text NOT NULL DEFAULT '',
    cost          double precision NOT NULL DEFAULT 0,
    distance_km   double precision,
    created_by    text NOT NULL DEFAULT 'system',
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    answered_at   timestamptz,
    reminded_at   timestamptz,
    -- how many times the mandant displayed the volunteer's NNE and birth date
    details_views integer NOT NULL DEFAULT 0
);
-- Capacity, enforced by the database whatever the code does: a request
-- round has at most one live offer, and a volunteer at most one live offer
-- per slot and round.
CREATE UNIQUE INDEX proxy_offers_request_live_idx ON proxy_offers (request_id, round)
    WHERE status IN ('pending', 'accepted');
CREATE UNIQUE INDEX proxy_offers_volunteer_live_idx ON proxy_offers (volunteer_id, round, slot)
    WHERE status IN ('pending', 'accepted');
CREATE INDEX proxy_offers_expiry_idx ON proxy_offers (expires_at) WHERE status = 'pending';
CREATE INDEX proxy_offers_request_idx ON proxy_offers (request_id);
CREATE INDEX proxy_offers_volunteer_idx ON proxy_offers (volunteer_id);

-- Private links. Every message carries its own link (the plain token exists
-- only in the message), all pointing at the person's page until the
-- election is over.
-- No foreign keys, for the same reason as offers (a batch sends 100,000
-- messages, each with its link); proxies.Purge deletes them with their
-- election, and a link whose person is gone opens nothing.
CREATE TABLE proxy_links (
    token_hash   bytea PRIMARY KEY,
    request_id   bigint,
    volunteer_id bigint,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    CHECK ((request_id IS NULL) <> (volunteer_id IS NULL))
);
CREATE INDEX proxy_links_request_idx ON proxy_links (request_id);
CREATE INDEX proxy_links_volunteer_idx ON proxy_links (volunteer_id);
