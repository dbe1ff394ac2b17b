-- An agenda board closes on time and reminds people before it does, through durable jobs:
-- opening a board enqueues its `board_close` job (key `board:<session>:close`) and, when
-- the board is open long enough, its `board_reminder` (key `board:<session>:reminder`).
-- `reminded_at` is set once, by the reminder that wrote the notifications, so a job that
-- runs twice reminds nobody twice. SQLite cannot change a CHECK, so the notifications table
-- is rebuilt with the new kind, keeping every column and index it has.
ALTER TABLE agenda_boards ADD COLUMN reminded_at INTEGER;
UPDATE agenda_boards SET reminded_at = created_at;

CREATE TABLE notifications_new (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('mention', 'reply', 'accepted', 'added',
                   'session_changed', 'session_cancelled', 'check_in', 'board', 'board_closing',
                   'prompt')),
    actor_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    space_id   INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    thread_id  INTEGER REFERENCES threads(id) ON DELETE CASCADE,
    post_id    INTEGER,
    created_at INTEGER NOT NULL,
    read_at    INTEGER,
    session_id INTEGER REFERENCES learning_sessions(id) ON DELETE CASCADE,
    relay      TEXT CHECK (relay IN ('mail', 'digest', 'digested', 'none'))
);
INSERT INTO notifications_new (id, person_id, kind, actor_id, space_id, thread_id, post_id, created_at, read_at, session_id, relay)
    SELECT id, person_id, kind, actor_id, space_id, thread_id, post_id, created_at, read_at, session_id, relay FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_person ON notifications(person_id, id);
CREATE INDEX notifications_unread ON notifications(person_id) WHERE read_at IS NULL;
CREATE INDEX notifications_unrelayed ON notifications(id) WHERE relay IS NULL;
CREATE INDEX notifications_digest ON notifications(person_id, id) WHERE relay = 'digest';

-- Boards that are open now close on time from here on.
INSERT INTO jobs (kind, payload, run_at, max_attempts, dedupe_key, created_at)
    SELECT 'board_close', '{"session":' || session_id || '}', closes_at, 10,
           'board:' || session_id || ':close', created_at
    FROM agenda_boards WHERE closed_at IS NULL;
