package io.larch.config;

import java.util.List;

/** Every setting Larch reads, in one place. Env names double as config-file keys. */
public final class Settings {
    public static final Setting HOST = new Setting("LARCH_HOST", "127.0.0.1",
            "interface to listen on; 0.0.0.0 to accept connections from other machines", false);
    public static final Setting PORT = new Setting("LARCH_PORT", "8080", "HTTP port (0 picks a free port)", false);
    public static final Setting DATA_DIR = new Setting("LARCH_DATA_DIR", "./data",
            "where the WAL, parts and the SQLite metadata live", false);
    public static final Setting METADATA_URL = new Setting("LARCH_METADATA_URL", null,
            "JDBC URL of the metadata database; default jdbc:sqlite:<data dir>/larch.db", false);
    public static final Setting ADMIN_TOKEN = new Setting("LARCH_ADMIN_TOKEN", null,
            "admin token (at least 24 characters); when unset one is generated on first start and printed once", true);
    public static final Setting NODE_ID = new Setting("LARCH_NODE_ID", "0",
            "this node's number (0-1023), part of every event id and part name", false);
    public static final Setting WAL_DURABILITY = new Setting("LARCH_WAL_DURABILITY", "fsync",
            "fsync (ack after fsync, group commit), batch (fsync at most once per LARCH_WAL_BATCH_INTERVAL, ack after it), none (tests only)", false);
    public static final Setting WAL_BATCH_INTERVAL = new Setting("LARCH_WAL_BATCH_INTERVAL", "10ms",
            "with LARCH_WAL_DURABILITY=batch: the longest a request waits for a shared fsync", false);
    public static final Setting WAL_SEGMENT_MAX_BYTES = new Setting("LARCH_WAL_SEGMENT_MAX_BYTES", "16MB",
            "a WAL segment is closed and sealed into parts at this size", false);
    public static final Setting WAL_SEGMENT_MAX_AGE = new Setting("LARCH_WAL_SEGMENT_MAX_AGE", "1h",
            "... or at this age, whichever comes first", false);
    public static final Setting HEAD_MAX_EVENTS = new Setting("LARCH_HEAD_MAX_EVENTS", "2000000",
            "events waiting to be sealed above which ingest answers 503 (retry later) instead of growing memory", false);
    public static final Setting HEAD_INDEX_MAX_BYTES = new Setting("LARCH_HEAD_INDEX_MAX_BYTES", "256MB",
            "memory for the head's postings (event positions per user, conversation, trace, ... value); a segment past it is searched by its token filters alone", false);
    public static final Setting DUCKDB_MEMORY_LIMIT = new Setting("LARCH_DUCKDB_MEMORY_LIMIT", "2GB",
            "memory DuckDB may use for queries and sealing (outside the Java heap)", false);
    public static final Setting DUCKDB_THREADS = new Setting("LARCH_DUCKDB_THREADS", "2",
            "threads DuckDB may use", false);

    public static final Setting QUERY_TIMEOUT = new Setting("LARCH_QUERY_TIMEOUT", "30s",
            "time budget of one query; a query over it is stopped and answered 503", false);
    public static final Setting QUERY_CONCURRENCY_PER_KEY = new Setting("LARCH_QUERY_CONCURRENCY_PER_KEY", "4",
            "queries one credential may run at once; more are answered 429", false);

    public static final Setting SCRUB_INTERVAL = new Setting("LARCH_SCRUB_INTERVAL", "24h",
            "how often every part's files are checked against their checksums (damaged parts are quarantined)", false);

    public static final Setting REDACTION = new Setting("LARCH_REDACTION", "on",
            "on: secrets (private keys, tokens, passwords, card numbers) are replaced by [REDACTED:<kind>] before they are stored; off: stored as sent (a project can override)", false);
    public static final Setting CORS_ORIGINS = new Setting("LARCH_CORS_ORIGINS", "",
            "comma-separated origins (https://app.example.com) whose browser pages may call the API; empty: none", false);
    public static final Setting TRUSTED_PROXIES = new Setting("LARCH_TRUSTED_PROXIES", "",
            "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For names the client; empty: the peer is the client", false);
    public static final Setting VIEWER_TOKEN_MAX_TTL = new Setting("LARCH_VIEWER_TOKEN_MAX_TTL", "24h",
            "the longest lifetime POST /api/tokens may give a viewer token (default lifetime 15m)", false);
    public static final Setting HTTP_IDLE_TIMEOUT = new Setting("LARCH_HTTP_IDLE_TIMEOUT", "30s",
            "a connection that sends nothing for this long is closed (slow or stalled clients)", false);
    public static final Setting RATE_PROJECT_EVENTS = new Setting("LARCH_RATE_PROJECT_EVENTS_PER_MIN", "12000000",
            "events one project may ingest per minute (0: no limit); beyond it 429 with Retry-After", false);
    public static final Setting RATE_PROJECT_REQUESTS = new Setting("LARCH_RATE_PROJECT_REQUESTS_PER_MIN", "600000",
            "requests one project's credentials may make per minute (0: no limit)", false);
    public static final Setting RATE_IP_REQUESTS = new Setting("LARCH_RATE_IP_REQUESTS_PER_MIN", "600000",
            "requests one client address may make per minute, before its credential is checked (0: no limit)", false);
    public static final Setting RATE_WORK_LOG_PER_USER = new Setting("LARCH_RATE_WORK_LOG_PER_USER_PER_MIN", "60",
            "work-log events (kind work) one userId may add per minute (0: no limit)", false);

    public static final Setting MAX_SSE_CONNECTIONS = new Setting("LARCH_MAX_SSE_CONNECTIONS", "1000",
            "live streams (GET /api/log/stream, /api/work-log/stream) open at once; beyond it 429 with Retry-After", false);
    public static final Setting MAX_STREAMS_PER_USER = new Setting("LARCH_MAX_STREAMS_PER_USER", "3",
            "work-log streams one end user (userId) may hold; a newer one ends the oldest", false);
    public static final Setting SSE_IDLE_TIMEOUT = new Setting("LARCH_SSE_IDLE_TIMEOUT", "30m",
            "a live stream that has delivered no event for this long is ended (clients reconnect with Last-Event-ID)", false);

    public static final Setting MIN_FREE_DISK = new Setting("LARCH_MIN_FREE_DISK", null,
            "free space the data dir's file system must keep (a size like 1GB, or a share like 5%); below it ingest answers 507 and queries go on. Default: 1GB or 5% of the file system, whichever is smaller: room for sealing (which needs about a tenth of the WAL it turns into parts, then frees the WAL) and for compaction on a large disk, while a small disk is not refused at 1GB; 0 turns the check off", false);
    public static final Setting SHUTDOWN_SEAL_TIMEOUT = new Setting("LARCH_SHUTDOWN_SEAL_TIMEOUT", "30s",
            "on stop (SIGTERM), how long sealing the WAL into parts may take; what is not sealed by then is replayed at the next start (0s: do not seal)", false);

    public static final List<Setting> ALL = List.of(HOST, PORT, DATA_DIR, METADATA_URL, ADMIN_TOKEN, NODE_ID,
            WAL_DURABILITY, WAL_BATCH_INTERVAL, WAL_SEGMENT_MAX_BYTES, WAL_SEGMENT_MAX_AGE, HEAD_MAX_EVENTS,
            HEAD_INDEX_MAX_BYTES, DUCKDB_MEMORY_LIMIT, DUCKDB_THREADS, QUERY_TIMEOUT, QUERY_CONCURRENCY_PER_KEY, SCRUB_INTERVAL,
            REDACTION, CORS_ORIGINS, TRUSTED_PROXIES, VIEWER_TOKEN_MAX_TTL, HTTP_IDLE_TIMEOUT, RATE_PROJECT_EVENTS,
            RATE_PROJECT_REQUESTS, RATE_IP_REQUESTS, RATE_WORK_LOG_PER_USER, MAX_SSE_CONNECTIONS, MAX_STREAMS_PER_USER,
            SSE_IDLE_TIMEOUT, MIN_FREE_DISK, SHUTDOWN_SEAL_TIMEOUT);

    private Settings() {
    }
}
