-- Several nodes: what they agree on through the metadata database (see the SQLite V12 for each
-- table's meaning; the columns are the same).

CREATE TABLE alert_claims (
    rule_id      BIGINT  NOT NULL,
    alert_group  TEXT    NOT NULL,
    fired_at     BIGINT  NOT NULL,
    quiet_until  BIGINT  NOT NULL,
    node_id      INTEGER NOT NULL,
    PRIMARY KEY (rule_id, alert_group)
);

CREATE TABLE alert_summaries (
    rule_id      BIGINT  NOT NULL,
    alert_group  TEXT    NOT NULL,
    quiet_until  BIGINT  NOT NULL,
    suppressed   BIGINT  NOT NULL,
    summarized   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (rule_id, alert_group, quiet_until)
);

CREATE TABLE alert_floods (
    rule_id      BIGINT  NOT NULL,
    window_start BIGINT  NOT NULL,
    sent         INTEGER NOT NULL,
    held_alerts  BIGINT  NOT NULL DEFAULT 0,
    held_events  BIGINT  NOT NULL DEFAULT 0,
    summarized   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (rule_id, window_start)
);

CREATE TABLE alert_counts (
    rule_id      BIGINT  NOT NULL,
    alert_group  TEXT    NOT NULL,
    node_id      INTEGER NOT NULL,
    bucket_start BIGINT  NOT NULL,
    counted      BIGINT  NOT NULL,
    all_count    BIGINT  NOT NULL,
    PRIMARY KEY (rule_id, alert_group, node_id, bucket_start)
);

-- Bucket4j's PostgreSQL buckets (security/SharedBuckets): one row per project limit (and per
-- work-log user), its state as Bucket4j serializes it; expires_at (epoch ms) lets idle rows go.
CREATE TABLE rate_limit_buckets (
    id           TEXT    PRIMARY KEY,
    state        BYTEA,
    expires_at   BIGINT
);
CREATE INDEX rate_limit_buckets_expires ON rate_limit_buckets (expires_at);
