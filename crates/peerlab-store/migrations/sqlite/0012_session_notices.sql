-- Notifications about sessions and prompts: a session changed or was cancelled, check-in or
-- an agenda board opened, a new prompt in a space. SQLite cannot change a CHECK, so the
-- table is rebuilt with the new kinds and a `session_id`.
CREATE TABLE notifications_new (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('mention', 'reply', 'accepted', 'added',
                   'session_changed', 'session_cancelled', 'check_in', 'board', 'prompt')),
    actor_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    space_id   INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    thread_id  INTEGER REFERENCES threads(id) ON DELETE CASCADE,
    post_id    INTEGER,
    created_at INTEGER NOT NULL,
    read_at    INTEGER,
    session_id INTEGER REFERENCES learning_sessions(id) ON DELETE CASCADE
);
INSERT INTO notifications_new (id, person_id, kind, actor_id, space_id, thread_id, post_id, created_at, read_at)
    SELECT id, person_id, kind, actor_id, space_id, thread_id, post_id, created_at, read_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_person ON notifications(person_id, id);
CREATE INDEX notifications_unread ON notifications(person_id) WHERE read_at IS NULL;
