-- Several nodes: what they agree on through the metadata database. One node (SQLite) uses these
-- tables only when a test shares one database between two evaluators; PostgreSQL has the same
-- tables plus rate_limit_buckets (Bucket4j's shared buckets; one node keeps them in memory).

-- Who sent the alert of a rule and group (a fingerprint, a deployment, or '' for the whole rule)
-- and until when the group stays quiet: a node sends only after winning the conditional upsert
-- that moves quiet_until forward, so one firing is one message whichever node saw it first.
CREATE TABLE alert_claims (
    rule_id      INTEGER NOT NULL,
    alert_group  TEXT    NOT NULL,
    fired_at     INTEGER NOT NULL,
    quiet_until  INTEGER NOT NULL,
    node_id      INTEGER NOT NULL,
    PRIMARY KEY (rule_id, alert_group)
);

-- What every node suppressed in one quiet time (keyed by its end), summed; the one node that
-- sets summarized sends the summary of the total.
CREATE TABLE alert_summaries (
    rule_id      INTEGER NOT NULL,
    alert_group  TEXT    NOT NULL,
    quiet_until  INTEGER NOT NULL,
    suppressed   INTEGER NOT NULL,
    summarized   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (rule_id, alert_group, quiet_until)
);

-- A rule's flood budget (alerts sent at most per window) in windows aligned on the epoch, so
-- every node names the same window without asking; held counts what went over the budget.
CREATE TABLE alert_floods (
    rule_id      INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    sent         INTEGER NOT NULL,
    held_alerts  INTEGER NOT NULL DEFAULT 0,
    held_events  INTEGER NOT NULL DEFAULT 0,
    summarized   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (rule_id, window_start)
);

-- What each node counted for a threshold rule's group, per bucket of the rule's window (its
-- start, epoch ms): a node adds its own every second and sums the others' over the window, so
-- a threshold is reached by the events of all nodes together.
CREATE TABLE alert_counts (
    rule_id      INTEGER NOT NULL,
    alert_group  TEXT    NOT NULL,
    node_id      INTEGER NOT NULL,
    bucket_start INTEGER NOT NULL,
    counted      INTEGER NOT NULL,
    all_count    INTEGER NOT NULL,
    PRIMARY KEY (rule_id, alert_group, node_id, bucket_start)
);
