-- Crowd-sourced agendas (DESIGN C4): before a session its people suggest topics and vote
-- with a fixed budget; when the board closes it becomes the session's ordered, time-boxed
-- agenda, and the topics that did not fit become threads in its space.
CREATE TABLE agenda_boards (
    session_id   BIGINT PRIMARY KEY REFERENCES learning_sessions(id) ON DELETE CASCADE,
    vote_budget  BIGINT NOT NULL CHECK (vote_budget BETWEEN 1 AND 20),
    -- Minutes each agenda item gets; the session's length decides how many fit.
    topic_minutes BIGINT NOT NULL CHECK (topic_minutes BETWEEN 5 AND 120),
    closes_at    BIGINT NOT NULL,
    -- Set once, by whichever request closes it first (at closes_at or by a facilitator).
    closed_at    BIGINT,
    opened_by    BIGINT REFERENCES people(id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE agenda_topics (
    id          BIGSERIAL PRIMARY KEY,
    session_id  BIGINT NOT NULL REFERENCES agenda_boards(session_id) ON DELETE CASCADE,
    author_id   BIGINT REFERENCES people(id) ON DELETE SET NULL,
    title       TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    -- Set when the board closes: the place on the agenda (from 1) and its minutes, or
    -- NULL for a topic that did not fit.
    position    BIGINT,
    minutes     BIGINT,
    votes       BIGINT NOT NULL DEFAULT 0,
    -- Who takes the item's action, and what it is, once discussed.
    owner_id    BIGINT REFERENCES people(id) ON DELETE SET NULL,
    action      TEXT    NOT NULL DEFAULT '',
    -- A topic that did not fit continues as a thread in the session's space.
    thread_id   BIGINT REFERENCES threads(id) ON DELETE SET NULL
);
CREATE INDEX agenda_topics_session ON agenda_topics(session_id, created_at);

CREATE TABLE agenda_votes (
    topic_id   BIGINT NOT NULL REFERENCES agenda_topics(id) ON DELETE CASCADE,
    person_id  BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    session_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (topic_id, person_id)
);
CREATE INDEX agenda_votes_person ON agenda_votes(session_id, person_id);
