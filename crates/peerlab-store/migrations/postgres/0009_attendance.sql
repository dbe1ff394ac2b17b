-- Attendance (DESIGN C3): who came to a session, and the check-in window that lets people
-- record it themselves. One row per person per session, so a check-in is recorded once
-- however many times (or from however many nodes) it is sent.
CREATE TABLE attendance (
    session_id BIGINT NOT NULL REFERENCES learning_sessions(id) ON DELETE CASCADE,
    person_id  BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    status     TEXT    NOT NULL CHECK (status IN ('present', 'late', 'absent', 'excused')),
    -- 'check_in' (the person, with the code), 'facilitator' (marked by one).
    source     TEXT    NOT NULL CHECK (source IN ('check_in', 'facilitator')),
    marked_by  BIGINT REFERENCES people(id) ON DELETE SET NULL,
    marked_at  BIGINT NOT NULL,
    PRIMARY KEY (session_id, person_id)
);
CREATE INDEX attendance_person ON attendance(person_id);

-- An open check-in: the short code shown in the room, valid until `checkin_until`.
ALTER TABLE learning_sessions ADD COLUMN checkin_code TEXT;
ALTER TABLE learning_sessions ADD COLUMN checkin_until BIGINT;
CREATE INDEX learning_sessions_checkin ON learning_sessions(checkin_code);
