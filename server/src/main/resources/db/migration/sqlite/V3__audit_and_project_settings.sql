-- Who did what to projects, keys and settings, and when. Append-only: nothing updates or
-- deletes a row. actor is 'admin' or 'key <prefix>'; detail is a short JSON object.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    client_ip   TEXT,
    action      TEXT    NOT NULL,
    project_id  INTEGER,
    target      TEXT,
    detail      TEXT
);
CREATE INDEX audit_log_by_project ON audit_log (project_id, id);

-- A project's own settings (signing, redaction, rate-limit overrides), one row per name;
-- values are text (JSON where structured). A missing row means the server's default.
CREATE TABLE project_settings (
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    name        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (project_id, name)
);
