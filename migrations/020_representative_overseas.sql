-- representative_overseas: a département representative may be named for
-- Saint-Barthélemy (977) and Saint-Martin (978) too, the codes the
-- communes file has and staff scopes take (logistics/insee). 006 allowed
-- overseas 971 to 976 only, so naming one failed the INSERT.
ALTER TABLE delegate_representatives DROP CONSTRAINT IF EXISTS delegate_representatives_departement_check;
ALTER TABLE delegate_representatives ADD CONSTRAINT delegate_representatives_departement_check
    CHECK (departement ~ '^([0-9]{2}|2A|2B|97[1-8])$');
