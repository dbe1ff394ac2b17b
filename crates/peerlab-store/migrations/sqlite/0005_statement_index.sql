-- The statement index becomes append-friendly (issue 4's ingest target). A statement's terms
-- are kept as tokens in `statements.terms` — `c` or `r` (core or related only) followed by
-- 26 base32 characters of the term's SHA-256 — and indexed by a full-text index whose rowid
-- is `seq`. FTS5 writes each transaction's postings as a small new segment and merges
-- segments in the background of later writes, where a B-tree of (term, seq) rows dirtied
-- one random page per term of every statement. Statements stored before keep NULL here
-- until the store moves their rows from `statement_terms_0003` over when it opens.
ALTER TABLE statements ADD COLUMN terms TEXT;
ALTER TABLE statement_terms RENAME TO statement_terms_0003;
CREATE VIRTUAL TABLE statement_index USING fts5(
    terms,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = 'ascii'
);
