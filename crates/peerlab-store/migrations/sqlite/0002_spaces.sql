-- Spaces and conversation (DESIGN S1–S9): spaces, members and their acceptance of the ground
-- rules, threads and posts with edit history, reactions, flags, the moderation audit log and
-- notifications. Times are Unix milliseconds.

CREATE TABLE spaces (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    kind            TEXT    NOT NULL CHECK (kind IN ('community', 'cohort', 'group')),
    visibility      TEXT    NOT NULL CHECK (visibility IN ('open', 'private', 'confidential')),
    rules           TEXT    NOT NULL,
    -- Goes up by one whenever the rules change; members accept a version.
    rules_version   INTEGER NOT NULL DEFAULT 1,
    auto_hide_flags INTEGER NOT NULL DEFAULT 3 CHECK (auto_hide_flags BETWEEN 1 AND 100),
    created_by      INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at      INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL
);
CREATE INDEX spaces_visibility ON spaces(visibility, last_activity_at);

CREATE TABLE space_members (
    space_id  INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role      TEXT    NOT NULL CHECK (role IN ('member', 'moderator', 'facilitator')),
    joined_at INTEGER NOT NULL,
    -- The rules version this member last accepted; 0 before the first acceptance.
    accepted_version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (space_id, person_id)
);
CREATE INDEX space_members_person ON space_members(person_id);

-- Every acceptance, kept: who accepted which version of which space's rules, and when.
CREATE TABLE rule_acceptances (
    space_id    INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    accepted_at INTEGER NOT NULL,
    PRIMARY KEY (space_id, person_id, version)
);

CREATE TABLE threads (
    id          INTEGER PRIMARY KEY,
    space_id    INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    -- A prompt's reflection question.
    question    TEXT    NOT NULL DEFAULT '',
    author_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    locked      INTEGER NOT NULL DEFAULT 0,
    -- The reply that answers a question, chosen by its asker or a facilitator.
    accepted_post_id INTEGER,
    reply_count INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL
);
CREATE INDEX threads_space ON threads(space_id, last_activity_at);

CREATE TABLE thread_skills (
    thread_id INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    skill_id  INTEGER NOT NULL REFERENCES skills(id),
    PRIMARY KEY (thread_id, skill_id)
);
CREATE INDEX thread_skills_skill ON thread_skills(skill_id);

-- A thread's opening post and its replies. `state` is 'visible', 'pending' (hidden by flags,
-- waiting for a moderator), 'hidden' (by a moderator) or 'deleted' (by its author; the text
-- is gone).
CREATE TABLE posts (
    id         INTEGER PRIMARY KEY,
    thread_id  INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    space_id   INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    author_id  INTEGER REFERENCES people(id) ON DELETE SET NULL,
    opening    INTEGER NOT NULL DEFAULT 0,
    body       TEXT    NOT NULL,
    -- The sanitised HTML of `body` (peerlab_core::markdown), rendered once when written.
    body_html  TEXT    NOT NULL,
    -- Folded, stemmed terms of the thread title (opening posts) and body; indexed by posts_fts.
    search_text TEXT   NOT NULL DEFAULT '',
    state      TEXT    NOT NULL DEFAULT 'visible' CHECK (state IN ('visible', 'pending', 'hidden', 'deleted')),
    flag_count INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    edited_at  INTEGER
);
CREATE INDEX posts_thread ON posts(thread_id, id);
CREATE INDEX posts_author ON posts(author_id);
CREATE INDEX posts_review ON posts(space_id, state) WHERE state = 'pending' OR flag_count > 0;

CREATE VIRTUAL TABLE posts_fts USING fts5(
    search_text, content = 'posts', content_rowid = 'id', tokenize = 'unicode61'
);
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO posts_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF search_text ON posts BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO posts_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;

-- Earlier versions of an edited post, for moderators.
CREATE TABLE post_edits (
    id        INTEGER PRIMARY KEY,
    post_id   INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    body      TEXT    NOT NULL,
    edited_by INTEGER REFERENCES people(id) ON DELETE SET NULL,
    -- When this version was replaced.
    replaced_at INTEGER NOT NULL
);
CREATE INDEX post_edits_post ON post_edits(post_id, id);

CREATE TABLE reactions (
    post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    reaction   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, person_id, reaction)
);

CREATE TABLE flags (
    post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    reason     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, person_id)
);

-- Every moderator action, never edited or deleted by the application.
CREATE TABLE moderation_log (
    id         INTEGER PRIMARY KEY,
    space_id   INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    actor_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    action     TEXT    NOT NULL,
    thread_id  INTEGER,
    post_id    INTEGER,
    detail     TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX moderation_log_space ON moderation_log(space_id, id);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('mention', 'reply', 'accepted', 'added')),
    actor_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    space_id   INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    thread_id  INTEGER REFERENCES threads(id) ON DELETE CASCADE,
    post_id    INTEGER,
    created_at INTEGER NOT NULL,
    read_at    INTEGER
);
CREATE INDEX notifications_person ON notifications(person_id, id);
CREATE INDEX notifications_unread ON notifications(person_id) WHERE read_at IS NULL;
