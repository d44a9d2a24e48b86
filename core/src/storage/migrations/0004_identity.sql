-- Identity: the device's key pair (its secret half lives only here, inside the encrypted
-- store), its certificate, the organisation's trust root and the newest revocation list.
-- One row. Stores created before this version get their key on first open.
CREATE TABLE device_identity (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    secret_key    BLOB NOT NULL CHECK (length(secret_key) = 32),
    public_key    BLOB NOT NULL CHECK (length(public_key) = 32),
    certificate   BLOB,
    trust_root    BLOB,
    revocations   BLOB,
    crl_version   INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Pairing grants this device issued (a link worker's), so its caseload knows which patients'
-- phones it enrolled.
CREATE TABLE pairing_grants (
    grant_id   BLOB PRIMARY KEY,
    person_id  TEXT NOT NULL,
    issued_at  INTEGER NOT NULL,
    pair_by    INTEGER NOT NULL
) STRICT;
