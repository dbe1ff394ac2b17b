-- People, skills, endorsements and the credentials that let a person in.
-- Times are Unix milliseconds (INTEGER) so both backends share one representation.

CREATE TABLE people (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    -- The folded name (peerlab_core::text::fold): lists sort on it, the same on both backends.
    sort_name     TEXT    NOT NULL DEFAULT '',
    title         TEXT    NOT NULL DEFAULT '',
    department    TEXT    NOT NULL DEFAULT '',
    function      TEXT    NOT NULL DEFAULT '',
    location      TEXT    NOT NULL DEFAULT '',
    time_zone     TEXT    NOT NULL DEFAULT '',
    manager_id    INTEGER REFERENCES people(id) ON DELETE SET NULL,
    role          TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'facilitator', 'member')),
    password_hash TEXT,
    -- Folded, stemmed terms of name, title, department, function, location and skills
    -- (peerlab_core::text); indexed by people_fts.
    search_text   TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX people_department ON people(department, sort_name);
CREATE INDEX people_location ON people(location, sort_name);
CREATE INDEX people_function ON people(function, sort_name);
CREATE INDEX people_manager ON people(manager_id);
CREATE INDEX people_sort_name ON people(sort_name);

CREATE VIRTUAL TABLE people_fts USING fts5(
    search_text, content = 'people', content_rowid = 'id', tokenize = 'unicode61'
);
CREATE TRIGGER people_fts_insert AFTER INSERT ON people BEGIN
    INSERT INTO people_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER people_fts_delete AFTER DELETE ON people BEGIN
    INSERT INTO people_fts(people_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER people_fts_update AFTER UPDATE OF search_text ON people BEGIN
    INSERT INTO people_fts(people_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO people_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;

CREATE TABLE skills (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL,
    -- Folded name: "Public Speaking" and "public speaking" are one skill.
    key   TEXT NOT NULL UNIQUE,
    terms TEXT NOT NULL
);
CREATE VIRTUAL TABLE skills_fts USING fts5(
    terms, content = 'skills', content_rowid = 'id', tokenize = 'unicode61'
);
CREATE TRIGGER skills_fts_insert AFTER INSERT ON skills BEGIN
    INSERT INTO skills_fts(rowid, terms) VALUES (new.id, new.terms);
END;
CREATE TRIGGER skills_fts_delete AFTER DELETE ON skills BEGIN
    INSERT INTO skills_fts(skills_fts, rowid, terms) VALUES ('delete', old.id, old.terms);
END;

CREATE TABLE person_skills (
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    skill_id  INTEGER NOT NULL REFERENCES skills(id),
    level     INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    -- How many colleagues endorsed it; kept by the triggers below so the expert finder reads
    -- one row per person and skill.
    endorsements INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (person_id, skill_id)
);
CREATE INDEX person_skills_skill ON person_skills(skill_id, level);

CREATE TABLE wants (
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    skill_id  INTEGER NOT NULL REFERENCES skills(id),
    PRIMARY KEY (person_id, skill_id)
);
CREATE INDEX wants_skill ON wants(skill_id);

-- An endorsement belongs to a person's skill: removing the skill removes its endorsements.
CREATE TABLE endorsements (
    person_id   INTEGER NOT NULL,
    skill_id    INTEGER NOT NULL,
    endorser_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (person_id, skill_id, endorser_id),
    FOREIGN KEY (person_id, skill_id) REFERENCES person_skills(person_id, skill_id) ON DELETE CASCADE,
    CHECK (endorser_id <> person_id)
);
CREATE INDEX endorsements_endorser ON endorsements(endorser_id);
CREATE TRIGGER endorsements_count_insert AFTER INSERT ON endorsements BEGIN
    UPDATE person_skills SET endorsements = endorsements + 1
    WHERE person_id = new.person_id AND skill_id = new.skill_id;
END;
CREATE TRIGGER endorsements_count_delete AFTER DELETE ON endorsements BEGIN
    UPDATE person_skills SET endorsements = endorsements - 1
    WHERE person_id = old.person_id AND skill_id = old.skill_id;
END;

-- Secrets are stored only as SHA-256 hashes: a leaked database does not leak sessions.
CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_person ON sessions(person_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_person ON api_tokens(person_id);

CREATE TABLE invitations (
    token_hash TEXT    PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

-- Failed logins per key (an e-mail or a client address) in the current window. Kept in the
-- database so that several nodes throttle together.
CREATE TABLE login_failures (
    key          TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start INTEGER NOT NULL
);
