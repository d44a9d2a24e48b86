-- linkwork-hub, embedded SQLite schema version 1: the organisation, its users, invites (hashes
-- only), devices, revocation lists and the append-only audit log.
CREATE TABLE organisation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    trust_root BLOB NOT NULL,
    hub_certificate BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('link-worker', 'team-lead', 'admin')),
    team TEXT
);
CREATE TABLE invites (
    code_hash BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE TABLE devices (
    key BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    certificate BLOB NOT NULL,
    enrolled_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE revocations (
    version INTEGER PRIMARY KEY,
    list BLOB NOT NULL,
    issued_at INTEGER NOT NULL
);
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    event TEXT NOT NULL,
    device TEXT,
    user_name TEXT,
    detail TEXT
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
