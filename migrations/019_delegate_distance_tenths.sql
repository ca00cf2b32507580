-- delegate_distance_tenths: a delegate volunteer's travel limit is written
-- with a decimal when people want one ("7,5 km", "7.5"): it is kept to a
-- tenth of a kilometre (logistics/delegates ParseDistance refuses finer).
-- Whole kilometres stored before stay as they are. 0 is still "own bureau
-- only" and NULL "own commune"; a distance is 1 to 200 km, as the forms
-- and the API say.
ALTER TABLE delegate_volunteers DROP CONSTRAINT IF EXISTS delegate_volunteers_max_distance_km_check;
ALTER TABLE delegate_volunteers DROP CONSTRAINT IF EXISTS delegate_volunteers_travel_limit;
ALTER TABLE delegate_volunteers ALTER COLUMN max_distance_km TYPE numeric(4,1);
ALTER TABLE delegate_volunteers ADD CONSTRAINT delegate_volunteers_travel_limit
    CHECK (max_distance_km = 0 OR max_distance_km BETWEEN 1 AND 200);
