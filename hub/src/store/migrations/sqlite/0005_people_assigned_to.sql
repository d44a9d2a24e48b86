-- linkwork-hub, embedded SQLite schema version 5: an index on whose caseload each person is in, so
-- that a sync step reads its device's caseload rows by index (issue 16, narrow reads per
-- step) rather than every person of the organisation.
CREATE INDEX people_assigned_to ON people (assigned_to);
