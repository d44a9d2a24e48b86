-- linkwork-hub, PostgreSQL schema version 7: an index on each user's team, so that a team
-- lead's sync step finds the users of its team (and so their caseloads) by index rather than
-- by reading every user of the organisation (issue 16, narrow reads per step).
CREATE INDEX users_team ON users (team);
