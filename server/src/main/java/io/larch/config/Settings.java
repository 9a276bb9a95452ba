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
            "JDBC URL of the metadata database: jdbc:sqlite:<file> (default jdbc:sqlite:<data dir>/larch.db) or jdbc:postgresql://host:port/db for several nodes", false);
    public static final Setting METADATA_USER = new Setting("LARCH_METADATA_USER", null,
            "with a jdbc:postgresql: URL: the database user (or user=... in the URL)", false);
    public static final Setting METADATA_PASSWORD = new Setting("LARCH_METADATA_PASSWORD", null,
            "with a jdbc:postgresql: URL: the database password (or password=... in the URL)", true);
    public static final Setting METADATA_POOL_SIZE = new Setting("LARCH_METADATA_POOL_SIZE", "4",
            "with a jdbc:postgresql: URL: connections in the pool (1-64)", false);
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

    public static final Setting MAINTENANCE_INTERVAL = new Setting("LARCH_MAINTENANCE_INTERVAL", "5m",
            "how often maintenance runs (archive, retention, compaction, cleanup); ingest also starts a run when the last is older than 5m", false);
    public static final Setting ARCHIVE_LOCAL_GRACE = new Setting("LARCH_ARCHIVE_LOCAL_GRACE", "3d",
            "how long an archived part's local file is kept after its upload was verified (queries read it locally meanwhile)", false);
    public static final Setting ARCHIVE_CACHE_SIZE = new Setting("LARCH_ARCHIVE_CACHE_SIZE", "2GB",
            "disk for parts fetched back from the archive for queries (least recently used out)", false);
    public static final Setting ARCHIVE_STORE = new Setting("LARCH_ARCHIVE_STORE", "local",
            "where archived parts go: local (a directory, LARCH_ARCHIVE_DIR), s3 (an S3-compatible bucket: S3, R2, MinIO; the LARCH_S3_* settings) or off (nothing is archived)", false);
    public static final Setting ARCHIVE_DIR = new Setting("LARCH_ARCHIVE_DIR", null,
            "with LARCH_ARCHIVE_STORE=local: the archive directory; default <data dir>/archive", false);
    public static final Setting S3_BUCKET = new Setting("LARCH_S3_BUCKET", null,
            "with LARCH_ARCHIVE_STORE=s3: the bucket (it must exist; Larch does not create it)", false);
    public static final Setting S3_ENDPOINT = new Setting("LARCH_S3_ENDPOINT", null,
            "the S3 API URL when it is not AWS: http://127.0.0.1:9000 (MinIO), https://<account>.r2.cloudflarestorage.com (R2); empty: AWS S3 of LARCH_S3_REGION", false);
    public static final Setting S3_REGION = new Setting("LARCH_S3_REGION", "us-east-1",
            "the bucket's region (R2: auto)", false);
    public static final Setting S3_PATH_STYLE = new Setting("LARCH_S3_PATH_STYLE", "false",
            "true: address the bucket as <endpoint>/<bucket>/<key> (MinIO and most self-hosted servers); false: <bucket>.<endpoint>/<key>", false);
    public static final Setting S3_PREFIX = new Setting("LARCH_S3_PREFIX", "",
            "a folder in the bucket prepended to every key, like larch/ (a trailing / is added); empty: the bucket's root", false);
    public static final Setting S3_ACCESS_KEY_ID = new Setting("LARCH_S3_ACCESS_KEY_ID", null,
            "access key id of the credentials that write (upload, delete); they also read unless LARCH_S3_READ_ACCESS_KEY_ID is set", false);
    public static final Setting S3_SECRET_ACCESS_KEY = new Setting("LARCH_S3_SECRET_ACCESS_KEY", null,
            "secret access key of LARCH_S3_ACCESS_KEY_ID", true);
    public static final Setting S3_READ_ACCESS_KEY_ID = new Setting("LARCH_S3_READ_ACCESS_KEY_ID", null,
            "optional: access key id of separate read-only credentials (download, stat, list), for least privilege", false);
    public static final Setting S3_READ_SECRET_ACCESS_KEY = new Setting("LARCH_S3_READ_SECRET_ACCESS_KEY", null,
            "secret access key of LARCH_S3_READ_ACCESS_KEY_ID", true);
    public static final Setting MIN_FREE_DISK = new Setting("LARCH_MIN_FREE_DISK", null,
            "free space the data dir's file system must keep (a size like 1GB, or a share like 5%); below it ingest answers 507 and queries go on. Default: 1GB or 5% of the file system, whichever is smaller: room for sealing (which needs about a tenth of the WAL it turns into parts, then frees the WAL) and for compaction on a large disk, while a small disk is not refused at 1GB; 0 turns the check off", false);
    public static final Setting SHUTDOWN_SEAL_TIMEOUT = new Setting("LARCH_SHUTDOWN_SEAL_TIMEOUT", "30s",
            "on stop (SIGTERM), how long sealing the WAL into parts may take; what is not sealed by then is replayed at the next start (0s: do not seal)", false);

    public static final Setting FINGERPRINTER = new Setting("LARCH_FINGERPRINTER", "template",
            "how fingerprints are made when an event brings none: template (message templates learned per project and source, the default) or v1 (numbers, ids, quoted strings and paths masked, nothing learned)", false);
    public static final Setting FINGERPRINT_MAX_TEMPLATES = new Setting("LARCH_FINGERPRINT_MAX_TEMPLATES", "10000",
            "with LARCH_FINGERPRINTER=template: groups kept in memory per project; past it the least recently seen tenth is forgotten (their events keep their fingerprints)", false);

    public static final Setting PUBLIC_URL = new Setting("LARCH_PUBLIC_URL", null,
            "the address people open Larch at (e.g. https://logs.example.com), for the links in alerts; default: http://<LARCH_HOST>:<port>", false);
    public static final Setting ALERT_RULES_FILE = new Setting("LARCH_ALERT_RULES_FILE", null,
            "a JSON file of alert rules ({\"rules\":[{\"project\":\"shop\",\"name\":...}]}; ${NAME} is replaced from the environment), applied at start and on POST /admin/alerts/reload", false);
    public static final Setting ALERT_QUEUE_EVENTS = new Setting("LARCH_ALERT_QUEUE_EVENTS", "100000",
            "stored events waiting for the alert evaluator, at most; past it events are not evaluated (counted in larch_alert_queue_dropped_events), ingest never waits", false);
    public static final Setting SYSTEM_EVENTS_INTERVAL = new Setting("LARCH_SYSTEM_EVENTS_INTERVAL", "30s",
            "how often Larch looks at its own health and writes kind=system events about problems into the project larch-system", false);
    public static final Setting ALERT_PRIVATE_TARGETS = new Setting("LARCH_ALERT_PRIVATE_TARGETS", "off",
            "on: alert webhooks may go to loopback, link-local and private addresses (a receiver on your own network); off keeps a project's admin key from making Larch call services behind your firewall", false);
    public static final Setting SMTP_HOST = new Setting("LARCH_SMTP_HOST", null,
            "SMTP server for email alerts (unset: no email channel)", false);
    public static final Setting SMTP_PORT = new Setting("LARCH_SMTP_PORT", "587", "SMTP port", false);
    public static final Setting SMTP_SECURITY = new Setting("LARCH_SMTP_SECURITY", "starttls",
            "starttls (required, the default), tls (implicit TLS, usually port 465) or none (only for a relay on the same host)", false);
    public static final Setting SMTP_USERNAME = new Setting("LARCH_SMTP_USERNAME", null,
            "SMTP user (unset: no authentication)", false);
    public static final Setting SMTP_PASSWORD = new Setting("LARCH_SMTP_PASSWORD", null, "SMTP password", true);
    public static final Setting SMTP_FROM = new Setting("LARCH_SMTP_FROM", null,
            "the From address of alert emails (required with LARCH_SMTP_HOST)", false);

    public static final Setting SYSLOG_PORT = new Setting("LARCH_SYSLOG_PORT", "off",
            "off (the default), or the port syslog is received on, TCP and UDP (RFC 5424 and 3164; 0 picks a free port)", false);
    public static final Setting SYSLOG_HOST = new Setting("LARCH_SYSLOG_HOST", "127.0.0.1",
            "interface the syslog port listens on; 0.0.0.0 to accept syslog from other machines", false);
    public static final Setting SYSLOG_PROJECT = new Setting("LARCH_SYSLOG_PROJECT", null,
            "the slug of the project that syslog messages without a key in their structured data go to; unset: such messages are dropped (counted)", false);

    public static final Setting VERCEL_API_URL = new Setting("LARCH_VERCEL_API_URL", "https://api.vercel.com",
            "Vercel's REST API, for the pull mode (POST /admin/projects/{slug}/vercel/follow)", false);

    public static final List<Setting> ALL = List.of(HOST, PORT, DATA_DIR, METADATA_URL, METADATA_USER, METADATA_PASSWORD,
            METADATA_POOL_SIZE, ADMIN_TOKEN, NODE_ID,
            WAL_DURABILITY, WAL_BATCH_INTERVAL, WAL_SEGMENT_MAX_BYTES, WAL_SEGMENT_MAX_AGE, HEAD_MAX_EVENTS,
            HEAD_INDEX_MAX_BYTES, DUCKDB_MEMORY_LIMIT, DUCKDB_THREADS, QUERY_TIMEOUT, QUERY_CONCURRENCY_PER_KEY, SCRUB_INTERVAL,
            REDACTION, CORS_ORIGINS, TRUSTED_PROXIES, VIEWER_TOKEN_MAX_TTL, HTTP_IDLE_TIMEOUT, RATE_PROJECT_EVENTS,
            RATE_PROJECT_REQUESTS, RATE_IP_REQUESTS, RATE_WORK_LOG_PER_USER, MAX_SSE_CONNECTIONS, MAX_STREAMS_PER_USER,
            SSE_IDLE_TIMEOUT, MAINTENANCE_INTERVAL, ARCHIVE_LOCAL_GRACE, ARCHIVE_CACHE_SIZE,
            ARCHIVE_STORE, ARCHIVE_DIR, S3_BUCKET, S3_ENDPOINT, S3_REGION, S3_PATH_STYLE, S3_PREFIX,
            S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_READ_ACCESS_KEY_ID, S3_READ_SECRET_ACCESS_KEY,
            MIN_FREE_DISK, SHUTDOWN_SEAL_TIMEOUT, FINGERPRINTER, FINGERPRINT_MAX_TEMPLATES, PUBLIC_URL, ALERT_RULES_FILE,
            ALERT_QUEUE_EVENTS, SYSTEM_EVENTS_INTERVAL, ALERT_PRIVATE_TARGETS, SMTP_HOST, SMTP_PORT, SMTP_SECURITY, SMTP_USERNAME, SMTP_PASSWORD,
            SMTP_FROM, SYSLOG_PORT, SYSLOG_HOST, SYSLOG_PROJECT, VERCEL_API_URL);

    private Settings() {
    }
}
