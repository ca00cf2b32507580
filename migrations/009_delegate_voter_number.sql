-- One sign-up per voter and election: the national voter number (NNE)
-- names one person, so a second sign-up with it under another e-mail is
-- the same person twice, whom the assignment would seat in two bureaux
-- (an assesseur sits in one only). The proxy volunteers have the same key
-- (003_proxies.sql).
--
-- A database that already holds such duplicates keeps them (they are
-- people's sign-ups: staff sort them out) and gets a plain index instead;
-- the sign-up checks the rule itself either way (delegates.saveSignup).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM delegate_volunteers GROUP BY election_id, voter_number HAVING count(*) > 1) THEN
        RAISE WARNING 'delegate volunteers share a voter number: the sign-up refuses new ones, the index stays non-unique';
        CREATE INDEX IF NOT EXISTS delegate_volunteers_voter_number_idx ON delegate_volunteers (election_id, voter_number);
    ELSE
        CREATE UNIQUE INDEX IF NOT EXISTS delegate_volunteers_voter_number_key ON delegate_volunteers (election_id, voter_number);
    END IF;
END $$;
