-- Outbound: what peerlab sends out of the product (e-mail now; webhooks and chat later), all
-- through the jobs table. Times are Unix milliseconds.

-- Where each notification stands on its way out: NULL until the relay (a step of every
-- node's job runner) has looked at it; then 'mail' (an e-mail job was enqueued), 'digest'
-- (waiting for the person's next digest), 'digested' (in a digest that was sent) or 'none'
-- (the person wants no e-mail of its kind, or has no address). Notifications written before
-- this migration count as dealt with: an upgrade does not mail history.
ALTER TABLE notifications ADD COLUMN relay TEXT
    CHECK (relay IN ('mail', 'digest', 'digested', 'none'));
UPDATE notifications SET relay = 'none';
CREATE INDEX notifications_unrelayed ON notifications(id) WHERE relay IS NULL;
CREATE INDEX notifications_digest ON notifications(person_id, id) WHERE relay = 'digest';

-- calendar_messages.sent_at is set when the relay has dealt with the message (enqueued its
-- e-mail, or found it superseded or unwanted); history is dealt with, as above.
UPDATE calendar_messages SET sent_at = created_at WHERE sent_at IS NULL;
CREATE INDEX calendar_messages_unrelayed ON calendar_messages(id) WHERE sent_at IS NULL;

-- What a handler said of a job it finished ("sent to a@b.c", "held: e-mail is off"), for the
-- admin's outbound queue.
ALTER TABLE jobs ADD COLUMN outcome TEXT;
CREATE INDEX jobs_kind ON jobs(kind, id);

-- A person's choice per kind of e-mail: 'immediately', 'digest' or 'never'. No row: the
-- kind's default (declared in peerlab-web's outbound module).
CREATE TABLE notification_prefs (
    person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    topic     TEXT    NOT NULL,
    mode      TEXT    NOT NULL CHECK (mode IN ('immediately', 'digest', 'never')),
    PRIMARY KEY (person_id, topic)
);

-- How often a person's digest comes; no row: daily.
CREATE TABLE digest_settings (
    person_id BIGINT PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    frequency TEXT    NOT NULL CHECK (frequency IN ('daily', 'weekly'))
);

-- Keys this instance keeps for itself (the one that signs unsubscribe links), made once by
-- whichever node asks first.
CREATE TABLE instance_keys (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
