-- linkwork-hub, PostgreSQL schema version 2: documents synced through the hub (automerge
-- bytes and heads), who created each person and whose caseload they are in, per-device sync
-- state, change signatures, signers' certificates and tombstones.
CREATE TABLE people (
    person_id TEXT PRIMARY KEY,
    created_by BIGINT NOT NULL REFERENCES users(id),
    assigned_to BIGINT NOT NULL REFERENCES users(id)
);
CREATE TABLE documents (
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('plan', 'case')),
    bytes BYTEA NOT NULL,
    heads BYTEA NOT NULL,
    PRIMARY KEY (person_id, kind)
);
CREATE TABLE sync_state (
    peer_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    state BYTEA NOT NULL,
    PRIMARY KEY (peer_id, person_id, kind)
);
CREATE TABLE change_signatures (
    hash BYTEA PRIMARY KEY,
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    signature BYTEA NOT NULL
);
CREATE INDEX change_signatures_document ON change_signatures (person_id, kind);
CREATE TABLE certificates (
    device BYTEA PRIMARY KEY,
    certificate BYTEA NOT NULL
);
CREATE TABLE tombstones (
    person_id TEXT PRIMARY KEY,
    erased_at BIGINT NOT NULL,
    signature BYTEA
);
-- The person an audit entry is about (a document sent or changes received), for
-- `linkwork-hub audit --person`.
ALTER TABLE audit ADD COLUMN person TEXT;
CREATE INDEX audit_person ON audit (person);
