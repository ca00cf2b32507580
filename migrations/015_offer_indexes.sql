-- offer_indexes: what an offer costs to insert. A proxy batch inserts
-- 90,000 offers in one COPY, and each entered the six indexes of
-- proxy_offers. Two of them, on request_id and on volunteer_id (003), held
-- every offer, where the unique indexes of 003 already hold the live ones
-- (pending, accepted) by request and by volunteer: they cost a batch about
-- 0.25 s of its transaction's time.
--
-- They give way to partial indexes of the other offers (declined, expired,
-- withdrawn), which an offer enters when it leaves the live states, not
-- when it is made. The few queries that read every offer of a person
-- (their history) say so with both conditions, live or not
-- (proxies.anyStatus), which the planner answers from both indexes.
DROP INDEX IF EXISTS proxy_offers_request_idx;
DROP INDEX IF EXISTS proxy_offers_volunteer_idx;
CREATE INDEX IF NOT EXISTS proxy_offers_request_done_idx ON proxy_offers (request_id) WHERE status NOT IN ('pending', 'accepted');
CREATE INDEX IF NOT EXISTS proxy_offers_volunteer_done_idx ON proxy_offers (volunteer_id) WHERE status NOT IN ('pending', 'accepted');
