-- Version 9 (issue 18, performance): fewer pages written per action, fewer bytes per person.

-- Each document's heads, sizes and change-row count, apart from its snapshot. In `documents`
-- they sat after the snapshot, on its last overflow page, so every action rewrote that page
-- (and read the whole overflow chain to reach them); here a row is about 100 bytes.
CREATE TABLE doc_state (
    person_id      TEXT NOT NULL,
    kind           TEXT NOT NULL,
    heads          BLOB NOT NULL DEFAULT x'',
    snapshot_bytes INTEGER NOT NULL,
    change_bytes   INTEGER NOT NULL DEFAULT 0,
    change_rows    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (person_id, kind),
    FOREIGN KEY (person_id, kind) REFERENCES documents (person_id, kind) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

INSERT INTO doc_state (person_id, kind, heads, snapshot_bytes, change_bytes, change_rows)
    SELECT person_id, kind, heads, snapshot_bytes, change_bytes, change_rows FROM documents;

ALTER TABLE documents DROP COLUMN heads;
ALTER TABLE documents DROP COLUMN change_rows;
ALTER TABLE documents DROP COLUMN change_bytes;
ALTER TABLE documents DROP COLUMN snapshot_bytes;

-- The item index keyed by the id's 16 bytes, without a rowid (one b-tree instead of a table and
-- its key index), and only for the kinds an edit finds by id: goals, steps, consultations,
-- onward referrals, flags and case notes. Progress entries, measure responses, episodes,
-- contact attempts and consents are never looked up by id, and were most of its rows.
CREATE TABLE items_v10 (
    item_id   BLOB PRIMARY KEY CHECK (length(item_id) = 16),
    person_id BLOB NOT NULL CHECK (length(person_id) = 16),
    kind      TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Rows whose ids are not UUIDs cannot be carried over: none are written, and the projection
-- rebuild would restore a row for any item a document holds.
INSERT INTO items_v10 (item_id, person_id, kind)
    SELECT unhex(replace(item_id, '-', '')), unhex(replace(person_id, '-', '')), kind
    FROM items
    WHERE kind IN ('goal', 'step', 'consultation', 'onward-referral', 'flag', 'case-note')
      AND length(unhex(replace(item_id, '-', ''))) = 16
      AND length(unhex(replace(person_id, '-', ''))) = 16;

DROP TABLE items;
ALTER TABLE items_v10 RENAME TO items;
CREATE INDEX items_by_person ON items (person_id);

-- Where the current episode begins, for the check that refuses edits of a past episode's goals
-- and steps without loading the case document: NULL when no item can be of a past episode (no
-- episode, or only one), the current episode's `opened_at` (ms) when there are several, the
-- largest integer when a newer version's episode is current. Filled by the projection rebuild.
ALTER TABLE people ADD COLUMN episode_from INTEGER;

-- Change signatures without a rowid, keyed by the change hash: one b-tree instead of a table
-- and its key index (2.3 KB per person, and one page fewer written per signed action).
CREATE TABLE change_signatures_v10 (
    hash       BLOB PRIMARY KEY CHECK (length(hash) = 32),
    person_id  TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('plan', 'case')),
    signer     BLOB NOT NULL CHECK (length(signer) = 32),
    signature  BLOB NOT NULL CHECK (length(signature) = 64),
    adopted    INTEGER NOT NULL CHECK (adopted IN (0, 1)),
    valid_at   INTEGER
) STRICT, WITHOUT ROWID;

INSERT INTO change_signatures_v10 (hash, person_id, kind, signer, signature, adopted, valid_at)
    SELECT hash, person_id, kind, signer, signature, adopted, valid_at FROM change_signatures;

DROP TABLE change_signatures;
ALTER TABLE change_signatures_v10 RENAME TO change_signatures;
CREATE INDEX change_signatures_doc ON change_signatures (person_id, kind);
