-- Version 1: store identity and the documents (snapshot + incremental change rows).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE documents (
    person_id      TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('plan', 'case')),
    snapshot       BLOB NOT NULL,
    snapshot_bytes INTEGER NOT NULL,
    change_bytes   INTEGER NOT NULL DEFAULT 0,
    change_rows    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (person_id, kind)
) STRICT;

CREATE TABLE doc_changes (
    id        INTEGER PRIMARY KEY,
    person_id TEXT NOT NULL,
    kind      TEXT NOT NULL,
    bytes     BLOB NOT NULL,
    FOREIGN KEY (person_id, kind) REFERENCES documents (person_id, kind) ON DELETE CASCADE
) STRICT;

CREATE INDEX doc_changes_by_doc ON doc_changes (person_id, kind, id);
