-- Sessions (DESIGN C3): a cohort's sessions and sessions held in any space, RSVPs, the
-- calendar messages owed to people, and each person's private calendar feed.

-- A session's times are kept twice: the instant (`starts_at`, `ends_at`, Unix ms, UTC) that
-- calendars receive, and the wall-clock start in its time zone (`local_start`,
-- `YYYY-MM-DDTHH:MM`), so that moving a program's moment by n days keeps 15:00 at 15:00
-- across a daylight-saving change. `uid` never changes; `sequence` goes up on every change
-- a calendar must apply (time, place, cancellation).
CREATE TABLE learning_sessions (
    id          INTEGER PRIMARY KEY,
    uid         TEXT    NOT NULL UNIQUE,
    space_id    INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    cohort_id   INTEGER REFERENCES cohorts(id) ON DELETE CASCADE,
    -- The stage of the cohort's program it belongs to (from 0).
    stage       INTEGER,
    title       TEXT    NOT NULL,
    mode        TEXT    NOT NULL CHECK (mode IN ('in_person', 'virtual', 'async')),
    -- A place, a video link, or empty (an asynchronous session's prompt is in `prework`).
    place       TEXT    NOT NULL DEFAULT '',
    prework     TEXT    NOT NULL DEFAULT '',
    time_zone   TEXT    NOT NULL,
    local_start TEXT    NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL CHECK (ends_at > starts_at),
    capacity    INTEGER CHECK (capacity IS NULL OR capacity >= 1),
    sequence    INTEGER NOT NULL DEFAULT 0,
    cancelled   INTEGER NOT NULL DEFAULT 0,
    organizer_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX learning_sessions_space ON learning_sessions(space_id, starts_at);
CREATE INDEX learning_sessions_cohort ON learning_sessions(cohort_id, starts_at);

-- Going, maybe or not going, for sessions held in a space (a cohort's participants are
-- invited by their enrolment).
CREATE TABLE session_rsvps (
    session_id INTEGER NOT NULL REFERENCES learning_sessions(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    answer     TEXT    NOT NULL CHECK (answer IN ('going', 'maybe', 'declined')),
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, person_id)
);

-- The calendar messages owed: one row per person per change, written in the transaction
-- that made the change, so none is lost or sent twice. `method` is the iTIP method
-- (REQUEST or CANCEL) and `sequence` the session's SEQUENCE it carries. The outbound
-- notifications deliver them; until then, the invitation is there to download.
CREATE TABLE calendar_messages (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES learning_sessions(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    method     TEXT    NOT NULL CHECK (method IN ('REQUEST', 'CANCEL')),
    sequence   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER,
    UNIQUE (session_id, person_id, sequence)
);
CREATE INDEX calendar_messages_person ON calendar_messages(person_id, session_id);
CREATE INDEX calendar_messages_unsent ON calendar_messages(sent_at, id);

-- A person's private calendar feed: the SHA-256 of the secret in its URL. Revoking deletes
-- the row; a new feed gets a new secret.
CREATE TABLE calendar_feeds (
    person_id  INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    token_hash TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- The time zone a cohort's sessions are planned in (the facilitator's, unless changed).
ALTER TABLE cohorts ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
