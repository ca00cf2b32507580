-- commune_search: what the commune search of every public form needs
-- (places.Search), which runs as people type.
--
-- A postal code's start ("04", "750") was a LIKE on postal_codes, which the
-- primary key cannot answer unless the database's collation is C: each
-- search read the whole table (36,000 rows). text_pattern_ops answers LIKE
-- 'prefix%' whatever the collation.
--
-- A later word of a name ("pietrabugno" for Ville-di-Pietrabugno) is a
-- LIKE '% word%' that no B-tree answers: the full-text index finds the
-- names with these words (the last one as a prefix), built in PostgreSQL
-- with no extension. fastupdate is off so that a search after an import
-- does not read a long pending list; the import of the national file
-- writes it once.
CREATE INDEX IF NOT EXISTS postal_codes_prefix_idx ON postal_codes (postal_code text_pattern_ops);
CREATE INDEX IF NOT EXISTS communes_words_idx ON communes USING gin (to_tsvector('simple', search_name)) WITH (fastupdate = off);
