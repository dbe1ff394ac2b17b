-- Spaces and conversation (DESIGN S1–S9): spaces, members and their acceptance of the ground
-- rules, threads and posts with edit history, reactions, flags, the moderation audit log and
-- notifications. Times are Unix milliseconds. The same tables as the SQLite migration; integers are BIGINT
-- so that both backends decode to i64.

CREATE TABLE spaces (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    kind            TEXT    NOT NULL CHECK (kind IN ('community', 'cohort', 'group')),
    visibility      TEXT    NOT NULL CHECK (visibility IN ('open', 'private', 'confidential')),
    rules           TEXT    NOT NULL,
    -- Goes up by one whenever the rules change; members accept a version.
    rules_version   BIGINT NOT NULL DEFAULT 1,
    auto_hide_flags BIGINT NOT NULL DEFAULT 3 CHECK (auto_hide_flags BETWEEN 1 AND 100),
    created_by      BIGINT REFERENCES people(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL
);
CREATE INDEX spaces_visibility ON spaces(visibility, last_activity_at);

CREATE TABLE space_members (
    space_id  BIGINT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role      TEXT    NOT NULL CHECK (role IN ('member', 'moderator', 'facilitator')),
    joined_at BIGINT NOT NULL,
    -- The rules version this member last accepted; 0 before the first acceptance.
    accepted_version BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (space_id, person_id)
);
CREATE INDEX space_members_person ON space_members(person_id);

-- Every acceptance, kept: who accepted which version of which space's rules, and when.
CREATE TABLE rule_acceptances (
    space_id    BIGINT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    person_id   BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    version     BIGINT NOT NULL,
    accepted_at BIGINT NOT NULL,
    PRIMARY KEY (space_id, person_id, version)
);

CREATE TABLE threads (
    id          BIGSERIAL PRIMARY KEY,
    space_id    BIGINT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    -- A prompt's reflection question.
    question    TEXT    NOT NULL DEFAULT '',
    author_id   BIGINT REFERENCES people(id) ON DELETE SET NULL,
    locked      BIGINT NOT NULL DEFAULT 0,
    -- The reply that answers a question, chosen by its asker or a facilitator.
    accepted_post_id BIGINT,
    reply_count BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL
);
CREATE INDEX threads_space ON threads(space_id, last_activity_at);

CREATE TABLE thread_skills (
    thread_id BIGINT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    skill_id  BIGINT NOT NULL REFERENCES skills(id),
    PRIMARY KEY (thread_id, skill_id)
);
CREATE INDEX thread_skills_skill ON thread_skills(skill_id);

-- A thread's opening post and its replies. `state` is 'visible', 'pending' (hidden by flags,
-- waiting for a moderator), 'hidden' (by a moderator) or 'deleted' (by its author; the text
-- is gone).
CREATE TABLE posts (
    id         BIGSERIAL PRIMARY KEY,
    thread_id  BIGINT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    space_id   BIGINT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    author_id  BIGINT REFERENCES people(id) ON DELETE SET NULL,
    opening    BIGINT NOT NULL DEFAULT 0,
    body       TEXT    NOT NULL,
    -- The sanitised HTML of `body` (peerlab_core::markdown), rendered once when written.
    body_html  TEXT    NOT NULL,
    -- Folded, stemmed terms of the thread title (opening posts) and body; indexed by posts_search.
    search_text TEXT   NOT NULL DEFAULT '',
    search     TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED,
    state      TEXT    NOT NULL DEFAULT 'visible' CHECK (state IN ('visible', 'pending', 'hidden', 'deleted')),
    flag_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    edited_at  BIGINT
);
CREATE INDEX posts_thread ON posts(thread_id, id);
CREATE INDEX posts_author ON posts(author_id);
CREATE INDEX posts_review ON posts(space_id, state) WHERE state = 'pending' OR flag_count > 0;

CREATE INDEX posts_search ON posts USING GIN (search);

-- Earlier versions of an edited post, for moderators.
CREATE TABLE post_edits (
    id        BIGSERIAL PRIMARY KEY,
    post_id   BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    body      TEXT    NOT NULL,
    edited_by BIGINT REFERENCES people(id) ON DELETE SET NULL,
    -- When this version was replaced.
    replaced_at BIGINT NOT NULL
);
CREATE INDEX post_edits_post ON post_edits(post_id, id);

CREATE TABLE reactions (
    post_id    BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    person_id  BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    reaction   TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, person_id, reaction)
);

CREATE TABLE flags (
    post_id    BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    person_id  BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    reason     TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, person_id)
);

-- Every moderator action, never edited or deleted by the application.
CREATE TABLE moderation_log (
    id         BIGSERIAL PRIMARY KEY,
    space_id   BIGINT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    actor_id   BIGINT REFERENCES people(id) ON DELETE SET NULL,
    action     TEXT    NOT NULL,
    thread_id  BIGINT,
    post_id    BIGINT,
    detail     TEXT    NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX moderation_log_space ON moderation_log(space_id, id);

CREATE TABLE notifications (
    id         BIGSERIAL PRIMARY KEY,
    person_id  BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('mention', 'reply', 'accepted', 'added')),
    actor_id   BIGINT REFERENCES people(id) ON DELETE SET NULL,
    space_id   BIGINT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    thread_id  BIGINT REFERENCES threads(id) ON DELETE CASCADE,
    post_id    BIGINT,
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX notifications_person ON notifications(person_id, id);
CREATE INDEX notifications_unread ON notifications(person_id) WHERE read_at IS NULL;
