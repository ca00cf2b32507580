-- Foundation: places, elections, staff, sessions, audit, rate limits, outbox.

CREATE TABLE communes (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9][0-9AB][0-9]{3}$'),
    name        text NOT NULL,
    departement text NOT NULL,
    latitude    double precision,
    longitude   double precision,
    -- name folded for search: lower case, no accents, "saint" -> "st",
    -- punctuation -> space (see places.Fold).
    search_name text NOT NULL
);
CREATE INDEX communes_search_idx ON communes (search_name text_pattern_ops);
CREATE INDEX communes_departement_idx ON communes (departement);

CREATE TABLE postal_codes (
    postal_code  text NOT NULL CHECK (postal_code ~ '^[0-9]{5}$'),
    commune_code text NOT NULL REFERENCES communes (code) ON DELETE CASCADE,
    PRIMARY KEY (postal_code, commune_code)
);
CREATE INDEX postal_codes_commune_idx ON postal_codes (commune_code);

-- A polling station. code is the REU bureau code without leading zeros.
CREATE TABLE bureaux (
    commune_code text NOT NULL REFERENCES communes (code) ON DELETE CASCADE,
    code         text NOT NULL,
    name         text NOT NULL DEFAULT '',
    address      text NOT NULL DEFAULT '',
    postal_code  text NOT NULL DEFAULT '',
    latitude     double precision,
    longitude    double precision,
    PRIMARY KEY (commune_code, code)
);

CREATE TABLE elections (
    id             bigserial PRIMARY KEY,
    slug           text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    name           text NOT NULL,
    -- who appoints delegates and signs letters (R44-R47)
    candidate      text NOT NULL DEFAULT '',
    representative text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rounds (
    election_id bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    number      smallint NOT NULL CHECK (number IN (1, 2)),
    date        date NOT NULL,
    PRIMARY KEY (election_id, number)
);

CREATE TABLE staff_users (
    id            bigserial PRIMARY KEY,
    email         text NOT NULL UNIQUE CHECK (email = lower(email)),
    name          text NOT NULL DEFAULT '',
    password_hash text NOT NULL DEFAULT '',
    role          text NOT NULL CHECK (role IN ('admin', 'organizer', 'viewer')),
    -- département and/or commune codes; empty for admins (national)
    scope         text[] NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_tokens (
    token_hash   bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);

CREATE TABLE staff_sessions (
    token_hash bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

CREATE TABLE audit_log (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text NOT NULL,          -- "staff:<email>", "public", "system", "cli"
    action    text NOT NULL,          -- e.g. "proxy_request.create", "export.proxies"
    entity    text NOT NULL DEFAULT '',
    entity_id text NOT NULL DEFAULT '',
    details   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);

-- Shared by every instance: fixed-window counters for rate limits.
CREATE UNLOGGED TABLE rate_limits (
    key          text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL
);

-- Key/value store behind the CSRF middleware (fiber.Storage).
CREATE UNLOGGED TABLE web_kv (
    key        text PRIMARY KEY,
    value      bytea NOT NULL,
    expires_at timestamptz
);

-- Messages to send, written in the transaction of the change that causes
-- them, sent by the notify worker.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    created_at      timestamptz NOT NULL DEFAULT now(),
    channel         text NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       text NOT NULL,
    subject         text NOT NULL DEFAULT '',
    body            text NOT NULL,
    kind            text NOT NULL DEFAULT '',   -- e.g. "proxy.offer"
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz,
    sent_at         timestamptz,
    last_error      text NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at) WHERE status = 'pending';

-- Département of a commune code: 3 characters overseas (971..976), else 2.
CREATE FUNCTION departement_of(code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN code LIKE '97%' THEN left(code, 3) ELSE left(code, 2) END $$;

-- Staff scope check used by every query that reads personal data. A NULL
-- scope means national (admins).
CREATE FUNCTION in_scope(commune_code text, scope text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT scope IS NULL OR commune_code = ANY (scope) OR departement_of(commune_code) = ANY (scope) $$;
