-- Pairing grants taken up: a pairing offer enrols one phone. The first device this store meets
-- with a certificate taking up a grant (on a channel, or as the signer of changes that travel
-- to it) holds the grant; any other device presenting the same grant is refused. Not erased
-- with the person: a grant id names no one, and forgetting it would let the grant be reused.
CREATE TABLE grant_redemptions (
    grant_id     BLOB PRIMARY KEY CHECK (length(grant_id) = 16),
    device       BLOB NOT NULL CHECK (length(device) = 32),
    recorded_at  INTEGER NOT NULL
) STRICT;
