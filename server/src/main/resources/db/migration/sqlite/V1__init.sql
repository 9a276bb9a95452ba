-- Projects own events; a slug is how people and URLs name them.
CREATE TABLE projects (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- API keys are stored only as a SHA-256 hash; the prefix identifies a key to people.
CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    prefix      TEXT    NOT NULL,
    hash        TEXT    NOT NULL UNIQUE,
    scopes      TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX api_keys_project ON api_keys (project_id);

-- Small named values, e.g. the admin token's hash.
CREATE TABLE settings (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- The part catalog. A part is one Parquet file of one project and kind, sorted by time.
-- Queries see only parts in state 'published'.
CREATE TABLE parts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE,
    project_id  INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    node_id     INTEGER NOT NULL,
    min_ts      INTEGER NOT NULL,
    max_ts      INTEGER NOT NULL,
    max_id      INTEGER NOT NULL,
    row_count   INTEGER NOT NULL,
    size_bytes  INTEGER NOT NULL,
    levels      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
);
CREATE INDEX parts_by_project ON parts (project_id, state, max_ts);

-- WAL segments whose events are all in published parts; recorded in the same transaction
-- that publishes the parts, so start-up knows a leftover segment file is safe to delete.
CREATE TABLE sealed_segments (
    node_id     INTEGER NOT NULL,
    segment_id  INTEGER NOT NULL,
    sealed_at   INTEGER NOT NULL,
    PRIMARY KEY (node_id, segment_id)
);
