-- overseas_collectivities: one rule, in Go (logistics/insee) and here, for
-- the département or collectivity of a commune code: its first 3
-- characters when it starts with 97 or 98, else its first 2 (2A and 2B for
-- Corsica). 001 took 3 characters for 97 only, so the communes of French
-- Polynesia (987), New Caledonia (988), Wallis-et-Futuna (986) and the
-- TAAF (984) were all in "98", which no staff filter or scope has.
CREATE OR REPLACE FUNCTION departement_of(code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN code LIKE '97%' OR code LIKE '98%' THEN left(code, 3) ELSE left(code, 2) END $$;

-- An index on departement_of (or on in_scope, which calls it) holds the
-- answers of the old function: build every such index anew, whatever
-- migration made it. Dropped and created, not REINDEXed: a session that
-- has used the index (tern's connection may have) caches its expression
-- with the old function inlined, and REINDEX in that session would build
-- with it again.
DO $$
DECLARE
    defs text[];
    ixs regclass[];
BEGIN
    SELECT coalesce(array_agg(pg_get_indexdef(indexrelid)), '{}'), coalesce(array_agg(indexrelid::regclass), '{}')
    INTO defs, ixs
    FROM pg_index
    WHERE pg_get_indexdef(indexrelid) LIKE '%departement_of(%'
       OR pg_get_indexdef(indexrelid) LIKE '%in_scope(%';
    FOR i IN 1 .. coalesce(array_length(ixs, 1), 0) LOOP
        EXECUTE format('DROP INDEX %s', ixs[i]);
        EXECUTE defs[i];
    END LOOP;
END $$;

-- The import stored each commune's département as Go said it: "98" for
-- the 98x communes. Say it as both say it now.
UPDATE communes SET departement = departement_of(code)
WHERE departement IS DISTINCT FROM departement_of(code);

-- A commune code is two digits, 2A or 2B, then three digits, as
-- insee.ValidCommune says (001 let "1A001" or "9B123" in). Tightened only
-- when every stored code has that shape (the communes file's all do,
-- 98901 Clipperton included; the import skips 99138 Monaco), so that the
-- migration never fails on existing data; else the old check stays.
DO $$
DECLARE
    bad bigint;
BEGIN
    SELECT count(*) INTO bad FROM communes WHERE code !~ '^([0-9]{2}|2[AB])[0-9]{3}$';
    IF bad > 0 THEN
        RAISE WARNING 'communes: % code(s) are not INSEE commune codes; communes_code_check left as it was', bad;
    ELSE
        ALTER TABLE communes DROP CONSTRAINT IF EXISTS communes_code_check;
        ALTER TABLE communes ADD CONSTRAINT communes_code_check
            CHECK (code ~ '^([0-9]{2}|2[AB])[0-9]{3}$');
    END IF;
END $$;
