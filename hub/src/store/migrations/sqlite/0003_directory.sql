-- linkwork-hub, embedded SQLite schema version 3: the organisation's services directory, by
-- version (the newest is current; a few earlier ones are kept). `feed` is the Open Referral
-- feed as validated, what phones are sent; `digest` is its content hash (hex SHA-256 of the
-- cleaned services, as core computes it).
CREATE TABLE directory_feeds (
    version INTEGER PRIMARY KEY AUTOINCREMENT,
    digest TEXT NOT NULL,
    source TEXT NOT NULL,
    feed_date TEXT,
    imported_at INTEGER NOT NULL,
    services INTEGER NOT NULL,
    records INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    feed BLOB NOT NULL
);
