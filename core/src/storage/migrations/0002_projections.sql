-- Version 2: projection tables, rebuilt from the documents, so screens never load every document.
CREATE TABLE people (
    person_id     TEXT PRIMARY KEY,
    given_name    TEXT,
    family_name   TEXT,
    given_lc      TEXT,
    family_lc     TEXT,
    date_of_birth TEXT,
    nhs_number    TEXT,
    status        TEXT,
    next_step_due TEXT,
    active_goals  INTEGER NOT NULL DEFAULT 0,
    open_onward   INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX people_by_family ON people (family_lc, given_lc);
CREATE INDEX people_by_given ON people (given_lc);
CREATE INDEX people_by_nhs ON people (nhs_number);
CREATE INDEX people_by_status ON people (status);

-- Every item id in a person's documents, so an id alone finds its person.
CREATE TABLE items (
    item_id   TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    kind      TEXT NOT NULL
) STRICT;

CREATE INDEX items_by_person ON items (person_id);

-- Open steps and active goals with a due or target date.
CREATE TABLE due_items (
    item_id   TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('step', 'goal')),
    text      TEXT NOT NULL,
    due       TEXT NOT NULL
) STRICT;

CREATE INDEX due_items_by_due ON due_items (due);
CREATE INDEX due_items_by_person ON due_items (person_id);

-- Onward referrals not yet in a final state.
CREATE TABLE open_onward (
    referral_id TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL,
    service     TEXT NOT NULL,
    status      TEXT NOT NULL,
    sent_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX open_onward_by_person ON open_onward (person_id);
