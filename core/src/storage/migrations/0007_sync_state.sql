-- Sync state for apps: what the store knows of each peer's certificate, and an index of the
-- documents that hold unresolved conflicts (a projection, rebuilt from the documents).

-- The name and role on a peer's verified certificate, from its latest authenticated session
-- (no row for a peer that never proved one).
CREATE TABLE peer_certificates (
    peer_id TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    role    TEXT NOT NULL
) STRICT;

-- One row per document with at least one conflicted field: how many fields conflict.
CREATE TABLE conflicts (
    person_id TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('plan', 'case')),
    fields    INTEGER NOT NULL CHECK (fields > 0),
    PRIMARY KEY (person_id, kind)
) STRICT;
