package io.larch.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** Validated configuration; build it with {@link ConfigLoader}. */
public record LarchConfig(
        String host,
        int port,
        Path dataDir,
        Metadata metadata,
        Optional<String> adminToken,
        int nodeId,
        WalDurability walDurability,
        Duration walBatchInterval,
        long walSegmentMaxBytes,
        Duration walSegmentMaxAge,
        long headMaxEvents,
        long duckdbMemoryLimitBytes,
        int duckdbThreads,
        Duration queryTimeout,
        int queryConcurrencyPerKey,
        Duration scrubInterval,
        long headIndexMaxBytes,
        Security security,
        Tail tail,
        Lifecycle lifecycle,
        Archive archive,
        MinFreeDisk minFreeDisk,
        Duration shutdownSealTimeout,
        Fingerprints fingerprints,
        Alerts alerts,
        Syslog syslog,
        Vercel vercel,
        Cluster cluster) {

    /**
     * Several nodes sharing PostgreSQL ({@code LARCH_NODE_URL}, {@code LARCH_CLUSTER_SECRET}).
     *
     * @param nodeUrl where other nodes reach this one; empty: http://&lt;host&gt;:&lt;port&gt; once it listens
     * @param secret  what nodes present to each other's /internal/ endpoints; empty: those refuse everyone
     */
    public record Cluster(Optional<URI> nodeUrl, Optional<String> secret) {
        @Override
        public String toString() {
            return "Cluster[nodeUrl=" + nodeUrl + ", secret=" + (secret.isPresent() ? "<hidden>" : "<none>") + "]";
        }
    }

    /** The JDBC URL of the metadata database ({@code LARCH_METADATA_URL}). */
    public String metadataUrl() {
        return metadata.url();
    }

    /**
     * The metadata database ({@code LARCH_METADATA_*}): SQLite (one file, the default) or
     * PostgreSQL (several nodes share it) through a pool of {@code poolSize} connections. User and
     * password may also be in the URL; {@link #toString} and {@link #shownUrl} hide the password.
     */
    public record Metadata(String url, Optional<String> user, Optional<String> password, int poolSize) {
        private static final java.util.regex.Pattern URL_PASSWORD =
                java.util.regex.Pattern.compile("(?i)(password=)[^&;]*");

        /** A SQLite database at {@code url} (a {@code jdbc:sqlite:} URL), as tools and tests open it. */
        public static Metadata of(String url) {
            return new Metadata(url, Optional.empty(), Optional.empty(), 4);
        }

        public boolean isSqlite() {
            return url.startsWith("jdbc:sqlite:");
        }

        public boolean isPostgres() {
            return url.startsWith("jdbc:postgresql:");
        }

        /** The URL with any password in it replaced, for messages, logs and {@code GET /config}. */
        public String shownUrl() {
            return URL_PASSWORD.matcher(url).replaceAll("$1(hidden)");
        }

        @Override
        public String toString() {
            return "Metadata[url=" + shownUrl() + ", user=" + user.orElse("") + ", password="
                    + (password.isPresent() ? "(set)" : "") + ", poolSize=" + poolSize + "]";
        }
    }

    /** Vercel's pull mode: where its REST API is ({@code LARCH_VERCEL_API_URL}). */
    public record Vercel(URI apiUrl) {
    }

    /**
     * The syslog listener ({@code LARCH_SYSLOG_*}).
     *
     * @param port    the TCP and UDP port, or empty when syslog is off
     * @param project the slug of the project for messages without a key, if any
     */
    public record Syslog(OptionalInt port, String host, Optional<String> project) {
    }

    /** How alert emails leave ({@code LARCH_SMTP_SECURITY}). */
    public enum SmtpSecurity { STARTTLS, TLS, NONE }

    /** The SMTP server alert emails go through. */
    public record Smtp(String host, int port, SmtpSecurity security, Optional<String> username, Optional<String> password,
                       String from) {
        @Override
        public String toString() {
            return "Smtp[" + host + ":" + port + ", " + security + ", from " + from + "]";
        }
    }

    /**
     * Alerting.
     *
     * @param publicUrl            where people open Larch (links in alerts); empty: this server's own address
     * @param rulesFile            the rules file (rules as code), if any
     * @param queueEvents          events waiting for the evaluator, at most
     * @param systemEventsInterval how often Larch looks at its own health
     * @param privateTargets       whether webhooks may go to loopback, link-local and private addresses
     * @param smtp                 the email channel's server, if configured
     */
    public record Alerts(Optional<URI> publicUrl, Optional<Path> rulesFile, int queueEvents, Duration systemEventsInterval,
                         boolean privateTargets, Optional<Smtp> smtp) {
    }

    /** How fingerprints are made ({@code LARCH_FINGERPRINTER}). */
    public enum FingerprinterKind { TEMPLATE, V1 }

    /**
     * @param kind                   template (learned) or v1 (masking)
     * @param maxTemplatesPerProject groups the template extractor keeps per project
     */
    public record Fingerprints(FingerprinterKind kind, int maxTemplatesPerProject) {
    }

    /**
     * Maintenance and the archive's local side.
     *
     * @param maintenanceInterval how often maintenance runs
     * @param archiveLocalGrace   how long an archived part's local file is kept
     * @param archiveCacheBytes   the size of the cache of parts fetched back from the archive
     */
    /**
     * @param sharedRefreshInterval  [several nodes: PostgreSQL metadata] how often a node uploads
     *                               its new parts and reads the other nodes' parts from the catalog
     */
    public record Lifecycle(Duration maintenanceInterval, Duration archiveLocalGrace, long archiveCacheBytes,
                            Duration sharedRefreshInterval) {
    }

    /**
     * The free space the data dir's file system must keep for ingest to go on
     * ({@code LARCH_MIN_FREE_DISK}): a fixed size, a share of the file system, or both (the
     * default), when the smaller of the two applies.
     *
     * @param bytes   a fixed floor, or -1 when none is set
     * @param percent a share of the file system's size (0 to 100), or -1 when none is set
     */
    public record MinFreeDisk(long bytes, double percent) {
        /** 1 GB or 5%, whichever is smaller (see the setting's description for why). */
        public static final MinFreeDisk DEFAULT = new MinFreeDisk(1L << 30, 5);

        /** The floor in bytes on a file system of {@code totalBytes}. */
        public long floorBytes(long totalBytes) {
            long ofTotal = percent < 0 ? Long.MAX_VALUE : (long) (totalBytes * (percent / 100));
            return Math.min(bytes < 0 ? Long.MAX_VALUE : bytes, ofTotal);
        }

        @Override
        public String toString() {
            if (bytes >= 0 && percent >= 0) {
                return "min(" + bytes + "B, " + percent + "%)";
            }
            return bytes >= 0 ? bytes + "B" : percent + "%";
        }
    }

    /**
     * Live streams (SSE tail and work-log feeds).
     *
     * @param maxConnections  streams open at once on this server; beyond it 429
     * @param maxPerUser      work-log streams of one end user; a newer one closes the oldest
     * @param idleTimeout     a stream that has delivered nothing for this long is ended (the client reconnects)
     */
    public record Tail(int maxConnections, int maxPerUser, Duration idleTimeout) {
    }

    /**
     * Where archived parts go ({@code objectstore.ObjectStores#open} makes the store).
     *
     * @param store which kind of store
     * @param dir   with {@link ArchiveStore#LOCAL}: the directory (default {@code <data dir>/archive})
     * @param s3    with {@link ArchiveStore#S3}: the bucket and its credentials; empty otherwise
     */
    public record Archive(ArchiveStore store, Path dir, Optional<S3> s3) {
    }

    /**
     * An S3-compatible bucket (AWS S3, Cloudflare R2, MinIO).
     *
     * @param endpoint        the S3 API URL when it is not AWS; empty: AWS S3 of {@code region}
     * @param prefix          prepended to every key: empty or a folder ending in {@code /}
     * @param write           the credentials that upload and delete (and read, unless {@code read} is given)
     * @param read            separate read-only credentials for download, stat and list
     */
    public record S3(String bucket, Optional<URI> endpoint, String region, boolean pathStyle, String prefix,
                     S3Credentials write, Optional<S3Credentials> read) {
    }

    /** An access key pair; {@link #toString} hides the secret so a logged config leaks nothing. */
    public record S3Credentials(String accessKeyId, String secretAccessKey) {
        @Override
        public String toString() {
            return "S3Credentials[accessKeyId=" + accessKeyId + ", secretAccessKey=<hidden>]";
        }
    }

    /**
     * Access and abuse settings.
     *
     * @param trustedProxies the raw list (IPs and CIDRs), parsed and checked when the server starts
     * @param rateLimitsPerMinute project events, project requests, client-address requests and
     *                            work-log events per user, per minute (0: no limit)
     */
    public record Security(boolean redaction, Set<String> corsOrigins, String trustedProxies, Duration viewerTokenMaxTtl,
                           Duration httpIdleTimeout, long projectEventsPerMinute, long projectRequestsPerMinute,
                           long ipRequestsPerMinute, long workLogPerUserPerMinute) {
    }
}
