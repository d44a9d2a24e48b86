-- Sync state for apps: what the store knows of each peer's certificate, and an index of the
-- documents that hold unresolved conflicts (a projection, rebuilt from the documents).
ALTER TABLE peers ADD COLUMN certificate_name TEXT;
ALTER TABLE peers ADD COLUMN certificate_role TEXT;

-- One row per document with at least one conflicted field: how many fields conflict.
CREATE TABLE conflicts (
    person_id TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('plan', 'case')),
    fields    INTEGER NOT NULL CHECK (fields > 0),
    PRIMARY KEY (person_id, kind)
) STRICT;
