-- An agenda board closes on time and reminds people before it does (the same change as the
-- SQLite migration).
ALTER TABLE agenda_boards ADD COLUMN reminded_at BIGINT;
UPDATE agenda_boards SET reminded_at = created_at;

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('mention', 'reply',
    'accepted', 'added', 'session_changed', 'session_cancelled', 'check_in', 'board', 'board_closing',
    'prompt'));

INSERT INTO jobs (kind, payload, run_at, max_attempts, dedupe_key, created_at)
    SELECT 'board_close', '{"session":' || session_id || '}', closes_at, 10,
           'board:' || session_id || ':close', created_at
    FROM agenda_boards WHERE closed_at IS NULL;
