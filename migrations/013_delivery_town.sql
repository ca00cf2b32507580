-- La Poste's delivery name of each postal code of a commune (the file's
-- Libelle_acheminement): what the last line of an address says after the
-- postal code ("75004 PARIS", not the commune's "Paris 4e Arrondissement").
-- Empty until the communes are imported again; labels then fall back to
-- the commune's name.
ALTER TABLE postal_codes ADD COLUMN delivery_town text NOT NULL DEFAULT '';
