-- Alert rules per project: `definition` is the rule as the API takes it (JSON, channels and
-- their secrets included); `origin` is api, default (seeded when the project was made) or file
-- (LARCH_ALERT_RULES_FILE owns it: the API cannot change it, a reload replaces it).
CREATE TABLE alert_rules (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects (id),
    name         TEXT    NOT NULL,
    definition   TEXT    NOT NULL,
    origin       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (project_id, name)
);

-- What the evaluator counted for a rule (windows, quiet times, suppressed counts), written every
-- few seconds while it changes, so a restart mid-window neither forgets an occurrence nor alerts twice.
CREATE TABLE alert_state (
    rule_id      INTEGER PRIMARY KEY REFERENCES alert_rules (id) ON DELETE CASCADE,
    state        TEXT    NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- Fingerprints a new-fingerprint rule has seen, so they are not new again after a restart.
CREATE TABLE alert_seen_fingerprints (
    project_id   INTEGER NOT NULL REFERENCES projects (id),
    fingerprint  TEXT    NOT NULL,
    first_seen   INTEGER NOT NULL,
    PRIMARY KEY (project_id, fingerprint)
);

-- Every alert sent (fired, summary, test), and how its delivery went on each channel.
CREATE TABLE alert_history (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects (id),
    rule_id      INTEGER,
    rule_name    TEXT    NOT NULL,
    type         TEXT    NOT NULL,
    alert_group  TEXT,
    count        INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    sample_id    INTEGER
);
CREATE INDEX alert_history_by_project ON alert_history (project_id, id);

CREATE TABLE alert_deliveries (
    history_id   INTEGER NOT NULL REFERENCES alert_history (id) ON DELETE CASCADE,
    channel      INTEGER NOT NULL,
    type         TEXT    NOT NULL,
    target       TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    attempts     INTEGER NOT NULL,
    last_status  INTEGER NOT NULL,
    error        TEXT,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (history_id, channel)
);
