-- Version 6: attributable changes (ADR 0007). Each automerge change's signature by the device
-- that made it (or, `adopted` = 1, by the device that vouched for a change whose author it
-- could not prove: imported, or held when it enrolled), the time a certified device of the
-- organisation first found the signer's certificate valid (`valid_at`, seconds; NULL while no
-- certificate is known for the signer), and the certificates of the devices that signed.
CREATE TABLE change_signatures (
    hash       BLOB PRIMARY KEY CHECK (length(hash) = 32),
    person_id  TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('plan', 'case')),
    signer     BLOB NOT NULL CHECK (length(signer) = 32),
    signature  BLOB NOT NULL CHECK (length(signature) = 64),
    adopted    INTEGER NOT NULL CHECK (adopted IN (0, 1)),
    valid_at   INTEGER
) STRICT;
CREATE INDEX change_signatures_doc ON change_signatures (person_id, kind);

CREATE TABLE signer_certificates (
    device       BLOB PRIMARY KEY CHECK (length(device) = 32),
    certificate  BLOB NOT NULL
) STRICT;

-- Tombstones are signed by the device that erased (a certificate with the erase permission).
ALTER TABLE tombstones ADD COLUMN signer BLOB;
ALTER TABLE tombstones ADD COLUMN signature BLOB;
