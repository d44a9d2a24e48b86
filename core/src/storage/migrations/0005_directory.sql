-- The community services directory (Open Referral UK / HSDS 3.0): reference data, not a
-- person's document. One imported version at a time, replaced whole in one transaction.

-- The directory now on this store: at most one row (id = 1).
CREATE TABLE directory_version (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    feed_id      TEXT NOT NULL,
    feed_date    TEXT,
    imported_at  INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    services     INTEGER NOT NULL
) STRICT;

-- One row per service: the columns a search reads (kept narrow, so a scan of every service
-- reads few pages).
CREATE TABLE directory_services (
    row        INTEGER PRIMARY KEY,
    service_id TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    org_name   TEXT,
    min_age    INTEGER,
    max_age    INTEGER,
    summary    TEXT
) STRICT;

-- The cleaned record of each service as JSON (what `show` returns).
CREATE TABLE directory_records (
    row    INTEGER PRIMARY KEY REFERENCES directory_services (row) ON DELETE CASCADE,
    record TEXT NOT NULL
) STRICT;

CREATE INDEX directory_services_by_name ON directory_services (name COLLATE NOCASE);

-- Every distinct word of names, organisation names, descriptions and taxonomy terms.
CREATE TABLE directory_vocab (
    word TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

-- Which service a word occurs in, and how much it counts (name 4, organisation 3, term 2,
-- description 1; the highest field wins).
CREATE TABLE directory_words (
    word   TEXT NOT NULL,
    row    INTEGER NOT NULL REFERENCES directory_services (row) ON DELETE CASCADE,
    weight INTEGER NOT NULL,
    PRIMARY KEY (word, row)
) STRICT, WITHOUT ROWID;

-- Taxonomy terms (needs) of a service; matched case-insensitively on id, code or name.
CREATE TABLE directory_terms (
    row      INTEGER NOT NULL REFERENCES directory_services (row) ON DELETE CASCADE,
    term_id  TEXT,
    code     TEXT,
    name     TEXT NOT NULL,
    taxonomy TEXT
) STRICT;

CREATE INDEX directory_terms_by_row ON directory_terms (row);

-- Places a service is delivered at, with coordinates when the feed gave valid ones and the
-- normalised postcode (upper case, no spaces) when it gave one.
CREATE TABLE directory_locations (
    row       INTEGER NOT NULL REFERENCES directory_services (row) ON DELETE CASCADE,
    latitude  REAL,
    longitude REAL,
    postcode  TEXT
) STRICT;

CREATE INDEX directory_locations_by_postcode ON directory_locations (postcode);

-- Opening schedules (HSDS RRULE subset): weekly or monthly by day, optional validity dates.
CREATE TABLE directory_schedules (
    row        INTEGER NOT NULL REFERENCES directory_services (row) ON DELETE CASCADE,
    freq       TEXT,
    interval   INTEGER,
    byday      TEXT,
    bymonthday TEXT,
    dtstart    TEXT,
    valid_from TEXT,
    valid_to   TEXT
) STRICT;
