-- Cohort programs (DESIGN C1–C3; the same tables as the SQLite migration): programs made from a template, their cohorts, and who is
-- enrolled in each. Times are Unix milliseconds; days are ISO dates (YYYY-MM-DD).

-- A program keeps its own copy of the template's JSON, so that editing or shipping a
-- template later changes no program that already runs. Every date in it is an offset from
-- `anchor`, the business moment it is tied to ("performance-review cycle opens").
CREATE TABLE programs (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT    NOT NULL,
    purpose      TEXT    NOT NULL DEFAULT '',
    template_key TEXT    NOT NULL,
    template     TEXT    NOT NULL,
    moment       TEXT    NOT NULL,
    anchor       TEXT    NOT NULL,
    created_by   BIGINT REFERENCES people(id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- What a program is for: skills from the directory.
CREATE TABLE program_skills (
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    skill_id   BIGINT NOT NULL REFERENCES skills(id),
    PRIMARY KEY (program_id, skill_id)
);

-- A cohort runs its program's schedule `shift_days` after the program's anchor (the autumn
-- cohort, half a year on), in its own private channel, with one facilitator who manages none
-- of its participants (checked in the writing transaction).
CREATE TABLE cohorts (
    id             BIGSERIAL PRIMARY KEY,
    program_id     BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    space_id       BIGINT NOT NULL REFERENCES spaces(id),
    facilitator_id BIGINT REFERENCES people(id) ON DELETE SET NULL,
    shift_days     BIGINT NOT NULL DEFAULT 0,
    capacity       BIGINT CHECK (capacity IS NULL OR capacity >= 1),
    self_enrol     BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (program_id, name)
);
CREATE INDEX cohorts_program ON cohorts(program_id);

-- Who is in a cohort: `enrolled`, `waiting` (past capacity; moved up in `requested_at`
-- order when a place frees) or `removed` (kept, so that history stays).
CREATE TABLE enrolments (
    cohort_id    BIGINT NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
    person_id    BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    state        TEXT    NOT NULL CHECK (state IN ('enrolled', 'waiting', 'removed')),
    requested_at BIGINT NOT NULL,
    changed_at   BIGINT NOT NULL,
    PRIMARY KEY (cohort_id, person_id)
);
CREATE INDEX enrolments_person ON enrolments(person_id);
CREATE INDEX enrolments_waiting ON enrolments(cohort_id, state, requested_at);
