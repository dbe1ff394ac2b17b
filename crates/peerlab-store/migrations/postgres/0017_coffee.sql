-- Coffee rounds (DESIGN C6): the same change as the SQLite migration (which explains it).
ALTER TABLE groupings DROP CONSTRAINT groupings_kind_check;
ALTER TABLE groupings ADD CONSTRAINT groupings_kind_check
    CHECK (kind IN ('groups', 'partners', 'coffee'));
CREATE INDEX groupings_space ON groupings(space_id, kind);
ALTER TABLE grouping_members ADD COLUMN met TEXT CHECK (met IN ('yes', 'not_yet', 'couldnt'));
ALTER TABLE grouping_members ADD COLUMN met_at BIGINT;

CREATE TABLE coffee_circles (
    space_id      BIGINT PRIMARY KEY REFERENCES spaces(id) ON DELETE CASCADE,
    cadence_days  BIGINT NOT NULL CHECK (cadence_days IN (7, 14)),
    generation    BIGINT NOT NULL DEFAULT 1,
    next_round    BIGINT NOT NULL DEFAULT 1,
    next_round_at BIGINT NOT NULL,
    starter       TEXT   NOT NULL DEFAULT '',
    started_by    BIGINT REFERENCES people(id) ON DELETE SET NULL,
    created_at    BIGINT NOT NULL,
    stopped_at    BIGINT
);
CREATE TABLE coffee_members (
    space_id   BIGINT NOT NULL REFERENCES coffee_circles(space_id) ON DELETE CASCADE,
    person_id  BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    joined_at  BIGINT NOT NULL,
    skip_round BIGINT,
    PRIMARY KEY (space_id, person_id)
);
CREATE TABLE coffee_rounds (
    space_id    BIGINT NOT NULL REFERENCES coffee_circles(space_id) ON DELETE CASCADE,
    round_no    BIGINT NOT NULL,
    grouping_id BIGINT UNIQUE REFERENCES groupings(id) ON DELETE CASCADE,
    people      BIGINT NOT NULL,
    starts_at   BIGINT NOT NULL,
    ends_at     BIGINT NOT NULL,
    asked_at    BIGINT,
    PRIMARY KEY (space_id, round_no)
);

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('mention', 'reply',
    'accepted', 'added', 'session_changed', 'session_cancelled', 'check_in', 'board',
    'board_closing', 'prompt', 'coffee', 'coffee_met'));
