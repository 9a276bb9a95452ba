-- Where each part's bytes are (local, archiving, archived, local_deleted, deleted), the archive
-- object it was uploaded to and that object's MD5, and when each step happened. expired_at is
-- set when retention retired the part (compaction leaves it null): such parts keep a tombstone
-- row in state 'deleted' once their files and objects are gone.
ALTER TABLE parts ADD COLUMN archive_state TEXT NOT NULL DEFAULT 'local';
ALTER TABLE parts ADD COLUMN archive_key TEXT;
ALTER TABLE parts ADD COLUMN archive_md5 TEXT;
ALTER TABLE parts ADD COLUMN archived_at INTEGER;
ALTER TABLE parts ADD COLUMN local_deleted_at INTEGER;
ALTER TABLE parts ADD COLUMN expired_at INTEGER;

-- One row per maintenance run (archive, retention, compaction, scrub, cleanup): what started it,
-- when, how it ended and what it did (a JSON object).
CREATE TABLE maintenance_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    node_id      INTEGER NOT NULL,
    trigger      TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    outcome      TEXT,
    summary      TEXT
);
