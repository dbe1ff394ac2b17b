-- The Learning Record Store (DESIGN X1, X2): credentials, statements with the index rows the
-- query parameters use, attachments and documents. Times are Unix milliseconds.

-- Keys and secrets for xAPI clients (HTTP Basic). The secret is stored as its SHA-256 only.
CREATE TABLE lrs_credentials (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT    NOT NULL,
    key         TEXT    NOT NULL UNIQUE,
    secret_hash TEXT    NOT NULL,
    -- Space-separated xAPI scopes: statements/write statements/read … all.
    scopes      TEXT    NOT NULL,
    created_by  BIGINT REFERENCES people(id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

-- Every statement, in the order stored (`seq`). `body` is the statement as it is returned
-- (`exact` format): as received, plus the id, stored, authority, version and timestamp the
-- LRS set. Statements are immutable: only `voided` ever changes.
CREATE TABLE statements (
    seq           BIGSERIAL PRIMARY KEY,
    id            TEXT    NOT NULL UNIQUE,
    body          TEXT    NOT NULL,
    stored        BIGINT NOT NULL,
    verb          TEXT    NOT NULL,
    -- The statement this one voids, when its verb is "voided".
    voids         TEXT,
    -- The statement its object refers to (a StatementRef), voiding or not.
    ref           TEXT,
    voided        BIGINT NOT NULL DEFAULT 0,
    credential_id BIGINT,
    -- Whether it has attachments stored with it (for attachments=true).
    attachments   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX statements_stored ON statements(stored);
CREATE INDEX statements_ref ON statements(ref) WHERE ref IS NOT NULL;
CREATE INDEX statements_voids ON statements(voids) WHERE voids IS NOT NULL;
CREATE INDEX statements_credential ON statements(credential_id, seq);

-- What the query parameters match on, one row per statement and term: `a:<agent key>`,
-- `o:<activity id>`, `v:<verb id>`, `r:<registration>`. `core` is 1 when the term matches
-- without related_agents / related_activities (the actor or object), 0 when only with.
-- A statement that refers to another (StatementRef) also gets the target's terms, so that
-- filters match it through the reference.
CREATE TABLE statement_terms (
    term TEXT    NOT NULL,
    seq  BIGINT NOT NULL REFERENCES statements(seq) ON DELETE CASCADE,
    core BIGINT NOT NULL,
    PRIMARY KEY (term, seq)
);
CREATE INDEX statement_terms_seq ON statement_terms(seq);

CREATE TABLE lrs_attachments (
    sha2         TEXT    PRIMARY KEY,
    content_type TEXT    NOT NULL,
    content      BYTEA    NOT NULL
);

CREATE TABLE statement_attachments (
    seq  BIGINT NOT NULL REFERENCES statements(seq) ON DELETE CASCADE,
    sha2 TEXT    NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (seq, position)
);

-- State, activity profile and agent profile documents. `kind` is 'state', 'activity' or
-- 'agent'; the unused parts of the key are ''.
CREATE TABLE lrs_documents (
    kind         TEXT    NOT NULL,
    activity_id  TEXT    NOT NULL,
    agent        TEXT    NOT NULL,
    registration TEXT    NOT NULL,
    doc_id       TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    content      BYTEA    NOT NULL,
    etag         TEXT    NOT NULL,
    updated      BIGINT NOT NULL,
    PRIMARY KEY (kind, activity_id, agent, registration, doc_id)
);

-- The canonical definition of each activity, merged from the statements stored.
CREATE TABLE lrs_activities (
    id         TEXT PRIMARY KEY,
    definition TEXT NOT NULL
);
