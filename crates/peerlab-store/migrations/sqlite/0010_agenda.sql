-- Crowd-sourced agendas (DESIGN C4): before a session its people suggest topics and vote
-- with a fixed budget; when the board closes it becomes the session's ordered, time-boxed
-- agenda, and the topics that did not fit become threads in its space.
CREATE TABLE agenda_boards (
    session_id   INTEGER PRIMARY KEY REFERENCES learning_sessions(id) ON DELETE CASCADE,
    vote_budget  INTEGER NOT NULL CHECK (vote_budget BETWEEN 1 AND 20),
    -- Minutes each agenda item gets; the session's length decides how many fit.
    topic_minutes INTEGER NOT NULL CHECK (topic_minutes BETWEEN 5 AND 120),
    closes_at    INTEGER NOT NULL,
    -- Set once, by whichever request closes it first (at closes_at or by a facilitator).
    closed_at    INTEGER,
    opened_by    INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE agenda_topics (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES agenda_boards(session_id) ON DELETE CASCADE,
    author_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    title       TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    -- Set when the board closes: the place on the agenda (from 1) and its minutes, or
    -- NULL for a topic that did not fit.
    position    INTEGER,
    minutes     INTEGER,
    votes       INTEGER NOT NULL DEFAULT 0,
    -- Who takes the item's action, and what it is, once discussed.
    owner_id    INTEGER REFERENCES people(id) ON DELETE SET NULL,
    action      TEXT    NOT NULL DEFAULT '',
    -- A topic that did not fit continues as a thread in the session's space.
    thread_id   INTEGER REFERENCES threads(id) ON DELETE SET NULL
);
CREATE INDEX agenda_topics_session ON agenda_topics(session_id, created_at);

CREATE TABLE agenda_votes (
    topic_id   INTEGER NOT NULL REFERENCES agenda_topics(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    session_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (topic_id, person_id)
);
CREATE INDEX agenda_votes_person ON agenda_votes(session_id, person_id);
