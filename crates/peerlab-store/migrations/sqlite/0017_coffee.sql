-- Coffee rounds (DESIGN C6): a space (a cohort's channel or any space) pairs the people who
-- opted in, one round per cadence, through durable jobs. Each round is a grouping of kind
-- 'coffee', so it is history like any other: later rounds avoid its pairs and every person
-- sees it among their own groupings. "Did you meet?" is answered per member.
--
-- SQLite cannot change a CHECK, so the three grouping tables are rebuilt with the new kind
-- and the answer's columns: renamed aside (their references follow the rename), created
-- anew, copied, and the old ones dropped, children first, so no cascade touches a row.
ALTER TABLE grouping_members RENAME TO grouping_members_old;
ALTER TABLE grouping_groups RENAME TO grouping_groups_old;
ALTER TABLE groupings RENAME TO groupings_old;

CREATE TABLE groupings (
    id          INTEGER PRIMARY KEY,
    -- 'groups' (a session's small groups), 'partners' (a cohort's accountability pairs) or
    -- 'coffee' (a round of a space's coffee pairs).
    kind        TEXT    NOT NULL CHECK (kind IN ('groups', 'partners', 'coffee')),
    space_id    INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    cohort_id   INTEGER REFERENCES cohorts(id) ON DELETE CASCADE,
    session_id  INTEGER UNIQUE REFERENCES learning_sessions(id) ON DELETE CASCADE,
    on_date     TEXT    NOT NULL,
    -- The challenge and framework of small groups; a coffee round's conversation starter.
    challenge   TEXT    NOT NULL DEFAULT '',
    debrief_thread_id INTEGER REFERENCES threads(id) ON DELETE SET NULL,
    formed_by   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    formed_at   INTEGER NOT NULL
);
CREATE TABLE grouping_groups (
    grouping_id INTEGER NOT NULL REFERENCES groupings(id) ON DELETE CASCADE,
    group_no    INTEGER NOT NULL,
    space_id    INTEGER REFERENCES spaces(id) ON DELETE SET NULL,
    summary     TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (grouping_id, group_no)
);
CREATE TABLE grouping_members (
    grouping_id INTEGER NOT NULL REFERENCES groupings(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    group_no    INTEGER NOT NULL,
    role        TEXT    NOT NULL DEFAULT '',
    reasons     TEXT    NOT NULL DEFAULT '',
    rematch_reason TEXT,
    rematch_at  INTEGER,
    -- A coffee pair's answer to "did you meet?", and when it was given.
    met         TEXT CHECK (met IN ('yes', 'not_yet', 'couldnt')),
    met_at      INTEGER,
    PRIMARY KEY (grouping_id, person_id)
);
INSERT INTO groupings SELECT id, kind, space_id, cohort_id, session_id, on_date, challenge,
    debrief_thread_id, formed_by, formed_at FROM groupings_old;
INSERT INTO grouping_groups SELECT grouping_id, group_no, space_id, summary FROM grouping_groups_old;
INSERT INTO grouping_members (grouping_id, person_id, group_no, role, reasons, rematch_reason, rematch_at)
    SELECT grouping_id, person_id, group_no, role, reasons, rematch_reason, rematch_at
    FROM grouping_members_old;
DROP TABLE grouping_members_old;
DROP TABLE grouping_groups_old;
DROP TABLE groupings_old;
CREATE INDEX groupings_cohort ON groupings(cohort_id, kind);
CREATE INDEX groupings_space ON groupings(space_id, kind);
CREATE INDEX grouping_members_person ON grouping_members(person_id);

-- A space's coffee rounds: one row while they run or after they stopped. `generation`
-- counts the starts, so a round job of an earlier start (stopped, then started again with
-- another cadence) finds itself superseded; `next_round` is the number the next round gets.
CREATE TABLE coffee_circles (
    space_id      INTEGER PRIMARY KEY REFERENCES spaces(id) ON DELETE CASCADE,
    cadence_days  INTEGER NOT NULL CHECK (cadence_days IN (7, 14)),
    generation    INTEGER NOT NULL DEFAULT 1,
    next_round    INTEGER NOT NULL DEFAULT 1,
    next_round_at INTEGER NOT NULL,
    -- The facilitator's own conversation starter; empty: peerlab's, a new one each round.
    starter       TEXT    NOT NULL DEFAULT '',
    started_by    INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    stopped_at    INTEGER
);

-- Who opted in, and the one round (by number) each may skip.
CREATE TABLE coffee_members (
    space_id   INTEGER NOT NULL REFERENCES coffee_circles(space_id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    joined_at  INTEGER NOT NULL,
    skip_round INTEGER,
    PRIMARY KEY (space_id, person_id)
);

-- Each round formed, once: the key makes a job that runs twice (or on two nodes) form it
-- once. `pairs` is 0 for a round that had fewer than two people; `asked_at` is set by the
-- one job that asked "did you meet?".
CREATE TABLE coffee_rounds (
    space_id    INTEGER NOT NULL REFERENCES coffee_circles(space_id) ON DELETE CASCADE,
    round_no    INTEGER NOT NULL,
    grouping_id INTEGER UNIQUE REFERENCES groupings(id) ON DELETE CASCADE,
    people      INTEGER NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    asked_at    INTEGER,
    PRIMARY KEY (space_id, round_no)
);

-- The notices of a round: who you meet, and "did you meet?".
CREATE TABLE notifications_new (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('mention', 'reply', 'accepted', 'added',
                   'session_changed', 'session_cancelled', 'check_in', 'board', 'board_closing',
                   'prompt', 'coffee', 'coffee_met')),
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
