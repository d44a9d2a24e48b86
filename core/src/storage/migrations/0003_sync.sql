-- Version 3: sync. Per-peer automerge sync state per document, erasure tombstones, known peers.
CREATE TABLE sync_state (
    peer_id   TEXT NOT NULL,
    person_id TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('plan', 'case')),
    state     BLOB NOT NULL,
    PRIMARY KEY (peer_id, person_id, kind)
) STRICT;

CREATE INDEX sync_state_by_person ON sync_state (person_id);

-- A person erased on some device: their documents are deleted everywhere the tombstone reaches
-- and are never accepted again.
CREATE TABLE tombstones (
    person_id TEXT PRIMARY KEY,
    erased_at INTEGER NOT NULL
) STRICT;

CREATE TABLE peers (
    peer_id   TEXT PRIMARY KEY,
    role      TEXT NOT NULL,
    person_id TEXT,
    last_sync INTEGER NOT NULL
) STRICT;

-- The document's current heads (sorted 32-byte change hashes, concatenated), so a sync digest
-- or manifest never has to load documents. Filled for existing rows by the projection rebuild.
ALTER TABLE documents ADD COLUMN heads BLOB NOT NULL DEFAULT x'';
