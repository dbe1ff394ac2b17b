-- Terms are kept as tokens in `statements.terms` — `c` or `r` (core or related only)
-- followed by 26 base32 characters of the term's SHA-256 — and indexed as (hash, seq) rows:
-- shorter keys than the terms themselves. Statements stored before keep NULL here until the
-- store moves their rows from `statement_terms_0003` over when it opens.
ALTER TABLE statements ADD COLUMN terms TEXT;
ALTER TABLE statement_terms RENAME TO statement_terms_0003;
ALTER INDEX statement_terms_pkey RENAME TO statement_terms_0003_pkey;
ALTER INDEX statement_terms_seq RENAME TO statement_terms_0003_seq;
-- Statements are never deleted, so the rows need neither a foreign key nor an index by seq
-- (each cost every insert a lookup).
CREATE TABLE statement_terms (
    term TEXT   NOT NULL,
    seq  BIGINT NOT NULL,
    core BIGINT NOT NULL,
    PRIMARY KEY (term, seq)
);
