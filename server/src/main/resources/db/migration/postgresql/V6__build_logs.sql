-- One archived object per finished build: builds/{project_id}/{build_id}.ndjson.gz in the object
-- store, holding the build's lines in id order up to max_event_id. Build ids are unique per
-- project only, hence the project in the key. A retried build rewrites its row (and object).
CREATE TABLE build_logs (
    project_id    BIGINT  NOT NULL REFERENCES projects (id),
    build_id      TEXT    NOT NULL,
    object_key    TEXT    NOT NULL,
    line_count    BIGINT  NOT NULL,
    max_event_id  BIGINT  NOT NULL,
    size_bytes    BIGINT  NOT NULL,
    md5_hex       TEXT    NOT NULL,
    written_at    BIGINT  NOT NULL,
    PRIMARY KEY (project_id, build_id)
);
