-- linkwork-hub, embedded SQLite schema version 2: documents synced through the hub (automerge
-- bytes and heads), who created each person and whose caseload they are in, per-device sync
-- state, change signatures, signers' certificates and tombstones.
CREATE TABLE people (
    person_id TEXT PRIMARY KEY,
    created_by INTEGER NOT NULL REFERENCES users(id),
    assigned_to INTEGER NOT NULL REFERENCES users(id)
);
CREATE TABLE documents (
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('plan', 'case')),
    bytes BLOB NOT NULL,
    heads BLOB NOT NULL,
    PRIMARY KEY (person_id, kind)
);
CREATE TABLE sync_state (
    peer_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    state BLOB NOT NULL,
    PRIMARY KEY (peer_id, person_id, kind)
);
CREATE TABLE change_signatures (
    hash BLOB PRIMARY KEY,
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    signature BLOB NOT NULL
);
CREATE INDEX change_signatures_document ON change_signatures (person_id, kind);
CREATE TABLE certificates (
    device BLOB PRIMARY KEY,
    certificate BLOB NOT NULL
);
CREATE TABLE tombstones (
    person_id TEXT PRIMARY KEY,
    erased_at INTEGER NOT NULL,
    signature BLOB
);
-- The person an audit entry is about (a document sent or changes received), for
-- `linkwork-hub audit --person`.
ALTER TABLE audit ADD COLUMN person TEXT;
CREATE INDEX audit_person ON audit (person);
