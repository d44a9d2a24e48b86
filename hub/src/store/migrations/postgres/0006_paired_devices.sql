-- linkwork-hub, PostgreSQL schema version 6: patients' phones paired offline by a link
-- worker's device. Such a phone is recorded in `devices` the first time the hub admits it (so
-- that it is listed and can be revoked), under the user of the device that paired it, with the
-- person whose phone it is and that device's key.
ALTER TABLE devices ADD COLUMN person TEXT;
ALTER TABLE devices ADD COLUMN paired_by BYTEA;
