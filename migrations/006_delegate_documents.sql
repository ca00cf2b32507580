-- delegate documents: what the designation letter and the prefecture
-- summary print on top of 005 (Code électoral R46 and the prefecture's
-- cover page). Owned by logistics/delegates. Written so that running it on
-- a schema that already has it changes nothing.

-- Number of the person on their commune's electoral list (the "numéro
-- d'ordre" printed on the voter card), which R46 asks for with the commune.
-- Optional: '' when not given, and the documents then print the NNE.
ALTER TABLE delegate_volunteers ADD COLUMN IF NOT EXISTS list_number text NOT NULL DEFAULT ''
    CONSTRAINT delegate_volunteers_list_number_check CHECK (list_number ~ '^([0-9]{1,6})?$');

-- The candidate's or list's representative in a département: signs the
-- designation letters of its communes and is named on the prefecture
-- summary. Without a row, elections.representative (then the candidate)
-- signs.
CREATE TABLE IF NOT EXISTS delegate_representatives (
    election_id bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    departement text NOT NULL CHECK (departement ~ '^([0-9]{2}|2A|2B|97[1-6])$'),
    name        text NOT NULL CHECK (name <> ''),
    updated_by  text NOT NULL DEFAULT '',   -- audit actor of the last change
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (election_id, departement)
);
