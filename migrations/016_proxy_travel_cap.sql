-- proxy_travel_cap: a proxy volunteer's own travel limit is at most the
-- matching's global cap, 20 km (proxies.MaxTravelKm). The forms took up to
-- 100 km before, which the matching never used: the limits above the cap
-- say what it does, and the CHECK keeps them so.
UPDATE proxy_volunteers SET max_distance_km = 20 WHERE max_distance_km > 20;
ALTER TABLE proxy_volunteers DROP CONSTRAINT IF EXISTS proxy_volunteers_max_distance_km_check;
ALTER TABLE proxy_volunteers DROP CONSTRAINT IF EXISTS proxy_volunteers_travel_cap;
ALTER TABLE proxy_volunteers ADD CONSTRAINT proxy_volunteers_travel_cap CHECK (max_distance_km BETWEEN 0 AND 20);
