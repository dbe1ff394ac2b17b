-- People, skills, endorsements and the credentials that let a person in.
-- The same tables as the SQLite migration. Integers are BIGINT so that both backends decode
-- to i64; times are Unix milliseconds.

CREATE TABLE people (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT   NOT NULL UNIQUE,
    name          TEXT   NOT NULL,
    -- The folded name, compared bytewise so that both backends sort alike.
    sort_name     TEXT   COLLATE "C" NOT NULL DEFAULT '',
    title         TEXT   NOT NULL DEFAULT '',
    department    TEXT   NOT NULL DEFAULT '',
    function      TEXT   NOT NULL DEFAULT '',
    location      TEXT   NOT NULL DEFAULT '',
    time_zone     TEXT   NOT NULL DEFAULT '',
    manager_id    BIGINT REFERENCES people(id) ON DELETE SET NULL,
    role          TEXT   NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'facilitator', 'member')),
    password_hash TEXT,
    -- Folded, stemmed terms (peerlab_core::text); the 'simple' configuration indexes them
    -- as they are, so both backends match the same way.
    search_text   TEXT   NOT NULL DEFAULT '',
    search        TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX people_department ON people(department, sort_name);
CREATE INDEX people_location ON people(location, sort_name);
CREATE INDEX people_function ON people(function, sort_name);
CREATE INDEX people_manager ON people(manager_id);
CREATE INDEX people_sort_name ON people(sort_name);
CREATE INDEX people_search ON people USING GIN (search);

CREATE TABLE skills (
    id     BIGSERIAL PRIMARY KEY,
    name   TEXT NOT NULL,
    key    TEXT NOT NULL UNIQUE,
    terms  TEXT NOT NULL,
    search TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED
);
CREATE INDEX skills_search ON skills USING GIN (search);

CREATE TABLE person_skills (
    person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    skill_id  BIGINT NOT NULL REFERENCES skills(id),
    level     BIGINT NOT NULL CHECK (level BETWEEN 1 AND 5),
    -- How many colleagues endorsed it; kept by the trigger below.
    endorsements BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (person_id, skill_id)
);
CREATE INDEX person_skills_skill ON person_skills(skill_id, level);

CREATE TABLE wants (
    person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    skill_id  BIGINT NOT NULL REFERENCES skills(id),
    PRIMARY KEY (person_id, skill_id)
);
CREATE INDEX wants_skill ON wants(skill_id);

CREATE TABLE endorsements (
    person_id   BIGINT NOT NULL,
    skill_id    BIGINT NOT NULL,
    endorser_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (person_id, skill_id, endorser_id),
    FOREIGN KEY (person_id, skill_id) REFERENCES person_skills(person_id, skill_id) ON DELETE CASCADE,
    CHECK (endorser_id <> person_id)
);
CREATE INDEX endorsements_endorser ON endorsements(endorser_id);
CREATE FUNCTION endorsements_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE person_skills SET endorsements = endorsements + 1
        WHERE person_id = NEW.person_id AND skill_id = NEW.skill_id;
    ELSE
        UPDATE person_skills SET endorsements = endorsements - 1
        WHERE person_id = OLD.person_id AND skill_id = OLD.skill_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER endorsements_count AFTER INSERT OR DELETE ON endorsements
    FOR EACH ROW EXECUTE FUNCTION endorsements_count();

CREATE TABLE sessions (
    token_hash TEXT   PRIMARY KEY,
    person_id  BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    csrf_token TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_person ON sessions(person_id);

CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    person_id    BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    name         TEXT   NOT NULL,
    token_hash   TEXT   NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_person ON api_tokens(person_id);

CREATE TABLE invitations (
    token_hash TEXT   PRIMARY KEY,
    person_id  BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);

CREATE TABLE login_failures (
    key          TEXT   PRIMARY KEY,
    failures     BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);
