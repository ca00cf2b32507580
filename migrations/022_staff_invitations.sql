-- staff_invitations: the private links with which a person an admin gave
-- a staff account (page « Comptes », /api/v1/staff-accounts) chooses its
-- password. Nobody else ever knows it: the account is made without one.
-- A link is valid 72 hours and serves once (used_at); only the hash of its
-- token is stored (logistics/token). A new invitation voids the unused
-- ones of the account; removing the account removes its invitations.
CREATE TABLE staff_invitations (
    token_hash bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    created_by text NOT NULL,            -- audit actor of the admin, "staff:<email>"
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX staff_invitations_user_idx ON staff_invitations (user_id);
