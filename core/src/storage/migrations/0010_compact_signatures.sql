-- Version 10 (issue 18, performance): an action writes its change row and its caseload row, and
-- signatures take half the bytes per person.

-- The devices that signed changes, each numbered once: a signature names its signer by this
-- number (one or two bytes) instead of its 32-byte key.
CREATE TABLE signers (
    id  INTEGER PRIMARY KEY,
    key BLOB NOT NULL UNIQUE CHECK (length(key) = 32)
) STRICT;

INSERT INTO signers (key) SELECT DISTINCT signer FROM change_signatures ORDER BY signer;

-- Change rows keyed by their document and their place in it, without a rowid: one b-tree
-- instead of a table and its per-document index. `id` keeps the order rows were appended in (a
-- new row takes the document's largest plus one). A row also holds what an action used to write
-- on two other pages: the document's `heads` after it (NULL on rows carried over here, whose
-- document's heads are `doc_state.heads`), and, for a change this device made, its signature
-- (`hash` to `valid_at`, all NULL otherwise), moved to `change_signatures` when the document is
-- compacted.
CREATE TABLE doc_changes_v10 (
    person_id TEXT NOT NULL,
    kind      TEXT NOT NULL,
    id        INTEGER NOT NULL,
    bytes     BLOB NOT NULL,
    heads     BLOB,
    hash      BLOB CHECK (length(hash) = 32),
    signer    INTEGER REFERENCES signers (id),
    signature BLOB CHECK (length(signature) = 64),
    adopted   INTEGER CHECK (adopted IN (0, 1)),
    valid_at  INTEGER,
    PRIMARY KEY (person_id, kind, id),
    FOREIGN KEY (person_id, kind) REFERENCES documents (person_id, kind) ON DELETE CASCADE,
    CHECK ((hash IS NULL) = (signer IS NULL) AND (hash IS NULL) = (signature IS NULL)
           AND (hash IS NULL) = (adopted IS NULL))
) STRICT, WITHOUT ROWID;

INSERT INTO doc_changes_v10 (person_id, kind, id, bytes)
    SELECT person_id, kind, id, bytes FROM doc_changes;

DROP TABLE doc_changes;
ALTER TABLE doc_changes_v10 RENAME TO doc_changes;

-- Change signatures keyed by their document and then the change hash, without a rowid and
-- without a second index: the person id as its 16 bytes, the signer by number. Every lookup
-- names the document (a sync message's document, an edit's, a history's).
CREATE TABLE change_signatures_v10 (
    person_id  BLOB NOT NULL CHECK (length(person_id) = 16),
    kind       TEXT NOT NULL CHECK (kind IN ('plan', 'case')),
    hash       BLOB NOT NULL CHECK (length(hash) = 32),
    signer     INTEGER NOT NULL REFERENCES signers (id),
    signature  BLOB NOT NULL CHECK (length(signature) = 64),
    adopted    INTEGER NOT NULL CHECK (adopted IN (0, 1)),
    valid_at   INTEGER,
    PRIMARY KEY (person_id, kind, hash)
) STRICT, WITHOUT ROWID;

-- Person ids are written as UUIDs; a row whose id is not one could not be looked up anyway.
INSERT INTO change_signatures_v10 (person_id, kind, hash, signer, signature, adopted, valid_at)
    SELECT unhex(replace(c.person_id, '-', '')), c.kind, c.hash, s.id, c.signature, c.adopted,
           c.valid_at
    FROM change_signatures c JOIN signers s ON s.key = c.signer
    WHERE length(unhex(replace(c.person_id, '-', ''))) = 16;

DROP TABLE change_signatures;
ALTER TABLE change_signatures_v10 RENAME TO change_signatures;

-- The change rows' size and count are counted from the rows themselves (below), so an action
-- does not rewrite the document's `doc_state` row; that row changes when the document is
-- compacted.
ALTER TABLE doc_state DROP COLUMN change_rows;
ALTER TABLE doc_state DROP COLUMN change_bytes;

-- Each document's current heads, snapshot size, and change rows' size and count: what
-- `doc_state` held before this step, read from `doc_state` and the document's change rows.
CREATE VIEW doc_current AS
SELECT s.person_id AS person_id,
       s.kind AS kind,
       coalesce((SELECT c.heads FROM doc_changes c
                 WHERE c.person_id = s.person_id AND c.kind = s.kind
                 ORDER BY c.id DESC LIMIT 1), s.heads) AS heads,
       s.snapshot_bytes AS snapshot_bytes,
       coalesce((SELECT sum(length(c.bytes)) FROM doc_changes c
                 WHERE c.person_id = s.person_id AND c.kind = s.kind), 0) AS change_bytes,
       (SELECT count(*) FROM doc_changes c
        WHERE c.person_id = s.person_id AND c.kind = s.kind) AS change_rows
FROM doc_state s;
