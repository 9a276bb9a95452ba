-- Fingerprint groups: the readable template of each fingerprint the extractor learned (so
-- GET /api/fingerprints shows text, not a hash, after restarts and on every node), and merge
-- rules: events whose fingerprint is `fingerprint` are stored under `into` from then on, made by
-- an admin (POST .../fingerprints/merges). serial is a group's place in the order its project's
-- groups were made (the extractor restores them in it); -1 marks the text of an error's
-- fingerprint (template and stack frames), which is no group of its own.
CREATE TABLE fingerprint_templates (
    project_id   BIGINT  NOT NULL REFERENCES projects (id),
    fingerprint  TEXT    NOT NULL,
    source       TEXT,
    template     TEXT    NOT NULL,
    first_seen   BIGINT  NOT NULL,
    serial       BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    PRIMARY KEY (project_id, fingerprint)
);

CREATE TABLE fingerprint_merges (
    project_id   BIGINT  NOT NULL REFERENCES projects (id),
    fingerprint  TEXT    COLLATE "C" NOT NULL,
    into_fingerprint TEXT NOT NULL,
    made_at      BIGINT  NOT NULL,
    made_by      TEXT    NOT NULL,
    PRIMARY KEY (project_id, fingerprint)
);
