-- Requests to erase one end user's events (POST /admin/erase), kept after they finish as the
-- record that they were carried out. project_id NULL: every project (the admin token's request).
-- status: pending -> running -> done | failed. A request still running at start-up resumes.
-- The counts grow in the same transaction as each part swap, so they survive a crash exactly.
CREATE TABLE erase_requests (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          TEXT    NOT NULL,
    project_id       INTEGER REFERENCES projects (id),
    status           TEXT    NOT NULL,
    requested_at     INTEGER NOT NULL,
    requested_by     TEXT    NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER,
    parts_checked    INTEGER NOT NULL DEFAULT 0,
    parts_rewritten  INTEGER NOT NULL DEFAULT 0,
    events_removed   INTEGER NOT NULL DEFAULT 0,
    bytes_before     INTEGER,
    bytes_after      INTEGER,
    error            TEXT
);
CREATE INDEX erase_requests_by_status ON erase_requests (status, id);
