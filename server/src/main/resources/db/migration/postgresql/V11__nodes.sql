-- Several nodes: the node registry. One row per LARCH_NODE_ID in use; a node registers at start
-- and heartbeats every few seconds, and the others read here where to reach it (url) and whether
-- it is alive (heartbeat_at, epoch ms). instance names the data dir that holds the id (a random
-- id kept in it), so a node restarting on its own data dir takes its row back at once while a
-- second node given the same LARCH_NODE_ID is refused. Times are epoch ms, as in every table.
CREATE TABLE nodes (
    node_id       INTEGER PRIMARY KEY,
    instance      TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    started_at    BIGINT  NOT NULL,
    heartbeat_at  BIGINT  NOT NULL
);
