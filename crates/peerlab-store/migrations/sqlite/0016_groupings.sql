-- Groupings formed in the product (DESIGN C5, C6, A2): a session's small groups, a cohort's
-- accountability partners. Each is history: who met whom, in which role, on which day, read
-- back by every later grouping and matching of every program, so nobody passes a file.
CREATE TABLE groupings (
    id          INTEGER PRIMARY KEY,
    -- 'groups' (a session's small groups) or 'partners' (a cohort's accountability pairs).
    kind        TEXT    NOT NULL CHECK (kind IN ('groups', 'partners')),
    -- The space it was formed in (a cohort's channel or any space); its confidentiality
    -- decides whether statements are written.
    space_id    INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    cohort_id   INTEGER REFERENCES cohorts(id) ON DELETE CASCADE,
    -- A session has at most one grouping: forming again is refused, not silently doubled.
    session_id  INTEGER UNIQUE REFERENCES learning_sessions(id) ON DELETE CASCADE,
    -- The day the meeting counts from in later history (the session's local day).
    on_date     TEXT    NOT NULL,
    -- The challenge and framework the facilitator gave every group.
    challenge   TEXT    NOT NULL DEFAULT '',
    -- The cohort channel's thread where each group posts its approach.
    debrief_thread_id INTEGER REFERENCES threads(id) ON DELETE SET NULL,
    formed_by   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    formed_at   INTEGER NOT NULL
);
CREATE INDEX groupings_cohort ON groupings(cohort_id, kind);

CREATE TABLE grouping_groups (
    grouping_id INTEGER NOT NULL REFERENCES groupings(id) ON DELETE CASCADE,
    group_no    INTEGER NOT NULL,
    -- The group's private small-group space (its members and the facilitator).
    space_id    INTEGER REFERENCES spaces(id) ON DELETE SET NULL,
    -- Why the group is diverse, as previewed ("4 departments, 3 locations, nobody met before").
    summary     TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (grouping_id, group_no)
);

CREATE TABLE grouping_members (
    grouping_id INTEGER NOT NULL REFERENCES groupings(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    group_no    INTEGER NOT NULL,
    role        TEXT    NOT NULL DEFAULT '',
    reasons     TEXT    NOT NULL DEFAULT '',
    -- A partner's one request to be rematched, with the reason the facilitator sees.
    rematch_reason TEXT,
    rematch_at  INTEGER,
    PRIMARY KEY (grouping_id, person_id)
);
CREATE INDEX grouping_members_person ON grouping_members(person_id);

-- A person's private "never pair me with" list, honoured by every grouping and matching.
CREATE TABLE person_blocks (
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    blocked_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (person_id, blocked_id),
    CHECK (person_id <> blocked_id)
);
