-- delegate_city: the town of a delegate volunteer's home address, which
-- the designation letter to the mairie prints after the postal code (R46:
-- "2 rue X, 04000 Digne-les-Bains"). The sign-up asks for it as a field of
-- its own from now on; the rows signed up before have none (NULL) and
-- their letter prints the address as typed, with the postal code.
ALTER TABLE delegate_volunteers ADD COLUMN IF NOT EXISTS city text;
