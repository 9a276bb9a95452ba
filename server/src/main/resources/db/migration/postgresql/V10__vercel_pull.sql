-- Vercel pull mode: deployments whose events Larch follows (GET /v3/deployments/{id}/events),
-- each with where it got to, so a restart resumes there. last_ts is the newest event time stored
-- (ms); last_ids the ids of the events stored at exactly that time, comma-separated, so a resume
-- asking since=last_ts skips them and stores no event twice. The token is Vercel's, shown to
-- no one once stored.
CREATE TABLE vercel_follows (
    project_id     BIGINT  NOT NULL REFERENCES projects (id),
    deployment_id  TEXT    COLLATE "C" NOT NULL,
    token          TEXT    NOT NULL,
    last_ts        BIGINT  NOT NULL DEFAULT 0,
    last_ids       TEXT    NOT NULL DEFAULT '',
    events_stored  BIGINT  NOT NULL DEFAULT 0,
    status         TEXT    NOT NULL,
    error          TEXT,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    PRIMARY KEY (project_id, deployment_id)
);
