-- Notifications about sessions and prompts: a session changed or was cancelled, check-in or
-- an agenda board opened, a new prompt in a space (the same change as the SQLite migration).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('mention', 'reply',
    'accepted', 'added', 'session_changed', 'session_cancelled', 'check_in', 'board', 'prompt'));
ALTER TABLE notifications ADD COLUMN session_id BIGINT REFERENCES learning_sessions(id) ON DELETE CASCADE;
