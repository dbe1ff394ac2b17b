-- Durable jobs: work that must happen once, later or in the background, whichever node runs
-- it. The same table as the SQLite migration; times are Unix milliseconds.
--
-- A job is `pending` until a node claims it: the claim sets `running`, `locked_by` (the node)
-- and `lease_until`. A node that dies leaves its job `running` with a lease in the past, and
-- the next claim takes it again, so a job runs at least once. Finishing or failing a job
-- needs `locked_by` to still name the node, so a node whose lease expired cannot complete a
-- job that another node has taken over.
CREATE TABLE jobs (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT   NOT NULL,
    -- JSON text, read by the job's handler.
    payload      TEXT   NOT NULL DEFAULT '{}',
    run_at       BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    state        TEXT   NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'running', 'done', 'failed')),
    locked_by    TEXT,
    lease_until  BIGINT,
    last_error   TEXT,
    -- Enqueueing a job whose key exists does nothing: a recurring job's period or a reminder
    -- is scheduled once however many nodes try. NULL keys never collide.
    dedupe_key   TEXT   UNIQUE,
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
-- The claim reads due pending jobs and expired leases in run_at order.
CREATE INDEX jobs_due ON jobs(state, run_at);
