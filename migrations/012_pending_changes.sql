-- Changes to an existing entry asked for by sending a public form again
-- (a proxy request or volunteer, a delegate volunteer: the same e-mail
-- address for the same election). They wait here until the person confirms
-- them from the mailbox of that address (logistics/changes), so that
-- knowing someone's address is not enough to rewrite their name, voter
-- number or place. Only the hash of the link's token is stored.
CREATE TABLE pending_changes (
    token_hash  bytea PRIMARY KEY,
    kind        text NOT NULL,          -- proxy_request, proxy_volunteer, delegate_volunteer
    election_id bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    email       text NOT NULL,
    payload     jsonb NOT NULL,         -- the form as sent, validated again when confirmed
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
-- Confirming one change voids the others of the same entry.
CREATE INDEX pending_changes_entry_idx ON pending_changes (election_id, kind, email);
