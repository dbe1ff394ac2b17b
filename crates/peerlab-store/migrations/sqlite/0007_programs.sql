-- Cohort programs (DESIGN C1–C3): programs made from a template, their cohorts, and who is
-- enrolled in each. Times are Unix milliseconds; days are ISO dates (YYYY-MM-DD).

-- A program keeps its own copy of the template's JSON, so that editing or shipping a
-- template later changes no program that already runs. Every date in it is an offset from
-- `anchor`, the business moment it is tied to ("performance-review cycle opens").
CREATE TABLE programs (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    purpose      TEXT    NOT NULL DEFAULT '',
    template_key TEXT    NOT NULL,
    template     TEXT    NOT NULL,
    moment       TEXT    NOT NULL,
    anchor       TEXT    NOT NULL,
    created_by   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- What a program is for: skills from the directory.
CREATE TABLE program_skills (
    program_id INTEGER NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    skill_id   INTEGER NOT NULL REFERENCES skills(id),
    PRIMARY KEY (program_id, skill_id)
);

-- A cohort runs its program's schedule `shift_days` after the program's anchor (the autumn
-- cohort, half a year on), in its own private channel, with one facilitator who manages none
-- of its participants (checked in the writing transaction).
CREATE TABLE cohorts (
    id             INTEGER PRIMARY KEY,
    program_id     INTEGER NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    space_id       INTEGER NOT NULL REFERENCES spaces(id),
    facilitator_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
    shift_days     INTEGER NOT NULL DEFAULT 0,
    capacity       INTEGER CHECK (capacity IS NULL OR capacity >= 1),
    self_enrol     INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (program_id, name)
);
CREATE INDEX cohorts_program ON cohorts(program_id);

-- Who is in a cohort: `enrolled`, `waiting` (past capacity; moved up in `requested_at`
-- order when a place frees) or `removed` (kept, so that history stays).
CREATE TABLE enrolments (
    cohort_id    INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
    person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    state        TEXT    NOT NULL CHECK (state IN ('enrolled', 'waiting', 'removed')),
    requested_at INTEGER NOT NULL,
    changed_at   INTEGER NOT NULL,
    PRIMARY KEY (cohort_id, person_id)
);
CREATE INDEX enrolments_person ON enrolments(person_id);
CREATE INDEX enrolments_waiting ON enrolments(cohort_id, state, requested_at);
