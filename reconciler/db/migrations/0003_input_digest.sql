-- A digest of what the synced rows were derived from (every document, the READMEs they pull in, the code): a
-- sync of the same commit whose inputs still match is known to be current before any row is derived.
ALTER TABLE sync_state ADD COLUMN input_digest text;
