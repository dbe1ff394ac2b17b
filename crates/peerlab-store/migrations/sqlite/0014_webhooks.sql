-- Outgoing webhooks: other systems (signed JSON) and chat channels (Slack, Microsoft Teams)
-- hear of the statements peerlab stores. Times are Unix milliseconds.
CREATE TABLE webhooks (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL,
    url            TEXT    NOT NULL,
    -- signed: peerlab's JSON signed with HMAC-SHA256; slack: Block Kit; teams: an Adaptive
    -- Card for a Workflows webhook; teams_connector: the older MessageCard.
    format         TEXT    NOT NULL CHECK (format IN ('signed', 'slack', 'teams', 'teams_connector')),
    -- The signing key of a signed hook (shown once, when it is made).
    secret         TEXT    NOT NULL DEFAULT '',
    -- Only statements about this space (chat hooks always have one); NULL: all of them.
    space_id       INTEGER REFERENCES spaces(id) ON DELETE CASCADE,
    -- Space-separated verb IRIs; empty: every verb.
    verbs          TEXT    NOT NULL DEFAULT '',
    -- An admin allowed an http:// loopback address (for tests and local receivers).
    allow_loopback INTEGER NOT NULL DEFAULT 0,
    -- The newest statement when it was made: it hears of later ones only.
    since_seq      BIGINT NOT NULL DEFAULT 0,
    created_by     INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at     INTEGER NOT NULL,
    disabled_at    INTEGER
);

-- Whether the relay has offered a statement to the webhooks: 0 until it has. Statements
-- stored before this migration count as offered, so a new hook starts from now.
ALTER TABLE statements ADD COLUMN relayed INTEGER NOT NULL DEFAULT 0;
UPDATE statements SET relayed = 1;
CREATE INDEX statements_unrelayed ON statements(seq) WHERE relayed = 0;
