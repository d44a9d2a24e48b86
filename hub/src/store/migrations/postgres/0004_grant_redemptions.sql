-- linkwork-hub, PostgreSQL schema version 4: pairing grants taken up (as on a phone, core
-- migration 0008). The first device the hub meets taking up a pairing grant (on a connection,
-- or as the signer of changes that reach it) holds the grant; any other device presenting the
-- same grant is refused.
CREATE TABLE grant_redemptions (
    grant_id BYTEA PRIMARY KEY,
    device BYTEA NOT NULL
);
