-- linkwork-hub, PostgreSQL schema version 1: the organisation, its users, invites (hashes
-- only), devices, revocation lists and the append-only audit log.
CREATE TABLE organisation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    trust_root BYTEA NOT NULL,
    hub_certificate BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('link-worker', 'team-lead', 'admin')),
    team TEXT
);
CREATE TABLE invites (
    code_hash BYTEA PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE TABLE devices (
    key BYTEA PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    certificate BYTEA NOT NULL,
    enrolled_at BIGINT NOT NULL,
    revoked_at BIGINT,
    seq BIGSERIAL UNIQUE
);
CREATE TABLE revocations (
    version BIGINT PRIMARY KEY,
    list BYTEA NOT NULL,
    issued_at BIGINT NOT NULL
);
CREATE TABLE audit (
    seq BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    event TEXT NOT NULL,
    device TEXT,
    user_name TEXT,
    detail TEXT
);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
