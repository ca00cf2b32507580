-- One sign-up per voter and election: the national voter number (NNE)
-- names one person, so a second sign-up with it under another e-mail is
-- the same person twice, whom the assignment would seat in two bureaux
-- (an assesseur sits in one only). The proxy volunteers have the same key
-- (003_proxies.sql).
CREATE UNIQUE INDEX IF NOT EXISTS delegate_volunteers_voter_number_key
    ON delegate_volunteers (election_id, voter_number);
