package io.larch.config;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads settings from, in rising precedence: embedded defaults, an optional properties file
 * (keys are the env names), the environment ({@code LARCH_*}), then command-line overrides.
 * Every problem is collected and reported at once, each with the setting's name.
 */
public final class ConfigLoader {
    public static final String CONFIG_FILE_ENV = "LARCH_CONFIG";
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    /** scheme://host[:port], nothing more: what a browser sends in Origin. */
    private static final Pattern ORIGIN = Pattern.compile("https?://[A-Za-z0-9.-]+(:\\d{1,5})?|https?://\\[[0-9A-Fa-f:]+](:\\d{1,5})?");
    /** What S3 and R2 accept as a bucket name (dots and underscores for older buckets and MinIO). */
    private static final Pattern S3_BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]");
    private static final Pattern S3_REGION = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern PERCENT = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3})?)\\s*%");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|mb|gb|k|m|g)?", Pattern.CASE_INSENSITIVE);

    private final Map<String, String> values = new HashMap<>();
    private final List<String> problems = new ArrayList<>();

    private ConfigLoader() {
    }

    /**
     * @param env        the process environment (or a test's map)
     * @param configFile a properties file, or null (then {@code LARCH_CONFIG} from env, if set)
     * @param overrides  values from command-line flags, keyed by env name
     */
    public static LarchConfig load(Map<String, String> env, Path configFile, Map<String, String> overrides) {
        ConfigLoader loader = new ConfigLoader();
        for (Setting setting : Settings.ALL) {
            if (setting.defaultValue() != null) {
                loader.values.put(setting.name(), setting.defaultValue());
            }
        }
        Path file = configFile != null ? configFile
                : env.containsKey(CONFIG_FILE_ENV) ? Path.of(env.get(CONFIG_FILE_ENV)) : null;
        if (file != null) {
            loader.readFile(file);
        }
        for (Setting setting : Settings.ALL) {
            String fromEnv = env.get(setting.name());
            if (fromEnv != null && !fromEnv.isBlank()) {
                loader.values.put(setting.name(), fromEnv.trim());
            }
        }
        overrides.forEach((name, value) -> {
            if (value != null) {
                loader.values.put(name, value);
            }
        });
        return loader.build();
    }

    private void readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            problems.add(CONFIG_FILE_ENV + ": config file " + file + " does not exist");
            return;
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            problems.add(CONFIG_FILE_ENV + ": cannot read " + file + ": " + e.getMessage());
            return;
        }
        for (String key : properties.stringPropertyNames()) {
            boolean known = Settings.ALL.stream().anyMatch(s -> s.name().equals(key));
            if (!known) {
                problems.add(key + ": unknown setting in " + file + " (known settings are listed in the README)");
            } else {
                values.put(key, properties.getProperty(key).trim());
            }
        }
    }

    private LarchConfig build() {
        String host = text(Settings.HOST);
        int port = integer(Settings.PORT, 0, 65535);
        Path dataDir = Path.of(text(Settings.DATA_DIR)).toAbsolutePath().normalize();
        LarchConfig.Metadata metadata = metadata(dataDir);
        Optional<String> adminToken = Optional.ofNullable(values.get(Settings.ADMIN_TOKEN.name()));
        if (adminToken.isPresent() && adminToken.get().length() < 24) {
            problems.add(Settings.ADMIN_TOKEN.name() + ": must be at least 24 characters (use a random string)");
        }
        int nodeId = integer(Settings.NODE_ID, 0, 1023);
        WalDurability durability = parse(Settings.WAL_DURABILITY, text -> WalDurability.valueOf(text.toUpperCase(Locale.ROOT)),
                "one of fsync, batch, none");
        Duration batchInterval = duration(Settings.WAL_BATCH_INTERVAL);
        long segmentMaxBytes = size(Settings.WAL_SEGMENT_MAX_BYTES);
        if (segmentMaxBytes > 0 && segmentMaxBytes < 64 * 1024) {
            problems.add(Settings.WAL_SEGMENT_MAX_BYTES.name() + ": must be at least 64KB");
        }
        Duration segmentMaxAge = duration(Settings.WAL_SEGMENT_MAX_AGE);
        long headMaxEvents = integer(Settings.HEAD_MAX_EVENTS, 1000, Integer.MAX_VALUE);
        long duckdbMemory = size(Settings.DUCKDB_MEMORY_LIMIT);
        if (duckdbMemory > 0 && duckdbMemory < 64L * 1024 * 1024) {
            problems.add(Settings.DUCKDB_MEMORY_LIMIT.name() + ": must be at least 64MB");
        }
        int duckdbThreads = integer(Settings.DUCKDB_THREADS, 1, 256);
        Duration queryTimeout = duration(Settings.QUERY_TIMEOUT);
        int queryConcurrency = integer(Settings.QUERY_CONCURRENCY_PER_KEY, 1, 1000);
        Duration scrubInterval = duration(Settings.SCRUB_INTERVAL);
        long headIndexMaxBytes = size(Settings.HEAD_INDEX_MAX_BYTES);
        if (headIndexMaxBytes > 0 && headIndexMaxBytes < 1024 * 1024) {
            problems.add(Settings.HEAD_INDEX_MAX_BYTES.name() + ": must be at least 1MB");
        }
        LarchConfig.Security security = security();
        LarchConfig.Tail tail = new LarchConfig.Tail(integer(Settings.MAX_SSE_CONNECTIONS, 1, 1_000_000),
                integer(Settings.MAX_STREAMS_PER_USER, 1, 1000), duration(Settings.SSE_IDLE_TIMEOUT));
        if (tail.idleTimeout() != null && tail.idleTimeout().toSeconds() < 60) {
            problems.add(Settings.SSE_IDLE_TIMEOUT.name() + ": must be at least 1m (streams send a heartbeat every 15 s)");
        }
        LarchConfig.Lifecycle lifecycle = new LarchConfig.Lifecycle(duration(Settings.MAINTENANCE_INTERVAL),
                duration(Settings.ARCHIVE_LOCAL_GRACE), size(Settings.ARCHIVE_CACHE_SIZE),
                duration(Settings.SHARED_REFRESH_INTERVAL));
        if (lifecycle.archiveCacheBytes() > 0 && lifecycle.archiveCacheBytes() < 64L * 1024 * 1024) {
            problems.add(Settings.ARCHIVE_CACHE_SIZE.name() + ": must be at least 64MB (a part fetched back is up to about 25MB)");
        }
        LarchConfig.Archive archive = archive(dataDir);
        if (metadata.isPostgres()) {
            sharedArchive(archive);
            // [several nodes] other nodes see this node's events once they are sealed and uploaded
            Duration sealInterval = duration(Settings.SHARED_SEAL_INTERVAL);
            if (sealInterval != null && sealInterval.toMillis() < 1000) {
                problems.add(Settings.SHARED_SEAL_INTERVAL.name() + ": must be at least 1s (every seal makes a part per kind)");
            }
            if (lifecycle.sharedRefreshInterval() != null && lifecycle.sharedRefreshInterval().toMillis() < 100) {
                problems.add(Settings.SHARED_REFRESH_INTERVAL.name() + ": must be at least 100ms (each refresh reads the catalog)");
            }
            if (sealInterval != null && segmentMaxAge != null && sealInterval.compareTo(segmentMaxAge) < 0) {
                segmentMaxAge = sealInterval;
            }
        }
        LarchConfig.MinFreeDisk minFreeDisk = minFreeDisk();
        Duration shutdownSealTimeout = parse(Settings.SHUTDOWN_SEAL_TIMEOUT, ConfigLoader::parseDuration,
                "a duration like 30s or 2m (0s: do not seal on stop)");
        LarchConfig.Fingerprints fingerprints = new LarchConfig.Fingerprints(
                parse(Settings.FINGERPRINTER, text -> LarchConfig.FingerprinterKind.valueOf(text.toUpperCase(Locale.ROOT)),
                        "template or v1"),
                integer(Settings.FINGERPRINT_MAX_TEMPLATES, 100, 10_000_000));
        LarchConfig.Alerts alerts = alerts();
        LarchConfig.Syslog syslog = syslog();
        LarchConfig.Vercel vercel = vercel();
        LarchConfig.Cluster cluster = cluster(metadata.isPostgres());
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new LarchConfig(host, port, dataDir, metadata, adminToken, nodeId, durability, batchInterval,
                segmentMaxBytes, segmentMaxAge, headMaxEvents, duckdbMemory, duckdbThreads, queryTimeout, queryConcurrency,
                scrubInterval, headIndexMaxBytes, security, tail, lifecycle, archive, minFreeDisk,
                shutdownSealTimeout, fingerprints, alerts, syslog, vercel, cluster);
    }

    /** Several nodes: the secret is required with PostgreSQL metadata (nodes call each other's /internal/ endpoints). */
    private LarchConfig.Cluster cluster(boolean sharedMetadata) {
        Optional<URI> nodeUrl = Optional.empty();
        String urlText = values.get(Settings.NODE_URL.name());
        if (urlText != null && !urlText.isBlank()) {
            String trimmed = urlText.trim().replaceAll("/+$", "");
            try {
                URI uri = new URI(trimmed);
                if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                        || uri.getQuery() != null || uri.getFragment() != null) {
                    throw new URISyntaxException(trimmed, "not an http(s) URL with a host");
                }
                nodeUrl = Optional.of(uri);
            } catch (URISyntaxException e) {
                problems.add(Settings.NODE_URL.name() + ": expected the URL other nodes reach this one at, like"
                        + " http://10.0.0.5:8080, got '" + trimmed + "'");
            }
        }
        Optional<String> secret = Optional.ofNullable(values.get(Settings.CLUSTER_SECRET.name()))
                .map(String::trim).filter(s -> !s.isEmpty());
        if (secret.isPresent() && secret.get().length() < 24) {
            problems.add(Settings.CLUSTER_SECRET.name() + ": must be at least 24 characters (use a random string,"
                    + " the same on every node)");
        }
        if (secret.isEmpty() && sharedMetadata) {
            problems.add(Settings.CLUSTER_SECRET.name() + ": required with PostgreSQL metadata (several nodes call each"
                    + " other's /internal/ endpoints with it); set the same random string of 24+ characters on every node");
        }
        return new LarchConfig.Cluster(nodeUrl, secret);
    }

    private LarchConfig.Metadata metadata(Path dataDir) {
        String url = Optional.ofNullable(values.get(Settings.METADATA_URL.name()))
                .orElse("jdbc:sqlite:" + dataDir.resolve("larch.db"));
        int poolSize = integer(Settings.METADATA_POOL_SIZE, 1, 64);
        LarchConfig.Metadata metadata = new LarchConfig.Metadata(url, Optional.ofNullable(values.get(Settings.METADATA_USER.name())),
                Optional.ofNullable(values.get(Settings.METADATA_PASSWORD.name())), poolSize);
        if (!metadata.isSqlite() && !metadata.isPostgres()) {
            problems.add(Settings.METADATA_URL.name() + ": give a jdbc:sqlite:<file> or jdbc:postgresql://host:port/database URL, got '"
                    + metadata.shownUrl() + "'");
        }
        return metadata;
    }

    private LarchConfig.Vercel vercel() {
        String url = text(Settings.VERCEL_API_URL).replaceAll("/+$", "");
        try {
            URI uri = URI.create(url);
            if (uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || !(uri.getPath() == null || uri.getPath().isEmpty())) {
                throw new IllegalArgumentException("not an http(s) URL with a host and no path");
            }
            return new LarchConfig.Vercel(uri);
        } catch (IllegalArgumentException e) {
            problems.add(Settings.VERCEL_API_URL.name() + ": expected a URL like https://api.vercel.com, got '" + url + "'");
            return new LarchConfig.Vercel(URI.create("https://api.vercel.com"));
        }
    }

    private LarchConfig.Syslog syslog() {
        String portText = text(Settings.SYSLOG_PORT);
        OptionalInt port = OptionalInt.empty();
        if (!portText.equalsIgnoreCase("off")) {
            Integer number = parse(Settings.SYSLOG_PORT, Integer::parseInt, "off or a port number (0 to 65535)");
            if (number != null && (number < 0 || number > 65535)) {
                problems.add(Settings.SYSLOG_PORT.name() + ": expected off or a port number (0 to 65535), got " + number);
            }
            port = OptionalInt.of(number == null ? 0 : number);
        }
        String host = text(Settings.SYSLOG_HOST);
        if (host.isBlank()) {
            problems.add(Settings.SYSLOG_HOST.name() + ": give an interface address like 127.0.0.1 or 0.0.0.0");
        }
        Optional<String> project = Optional.ofNullable(values.get(Settings.SYSLOG_PROJECT.name()))
                .map(String::trim).filter(slug -> !slug.isEmpty());
        project.ifPresent(slug -> {
            if (!slug.matches("[a-z0-9][a-z0-9-]{0,62}")) {
                problems.add(Settings.SYSLOG_PROJECT.name() + ": expected a project slug (lowercase letters, digits and '-'), got '"
                        + slug + "'");
            }
        });
        if (project.isPresent() && port.isEmpty()) {
            problems.add(Settings.SYSLOG_PROJECT.name() + ": set LARCH_SYSLOG_PORT too (syslog is off)");
        }
        return new LarchConfig.Syslog(port, host, project);
    }

    private LarchConfig.Alerts alerts() {
        Optional<URI> publicUrl = Optional.empty();
        String url = values.get(Settings.PUBLIC_URL.name());
        if (url != null && !url.isBlank()) {
            try {
                URI uri = URI.create(url.trim().replaceAll("/+$", ""));
                if (uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                    throw new IllegalArgumentException("not an http(s) URL with a host");
                }
                publicUrl = Optional.of(uri);
            } catch (IllegalArgumentException e) {
                problems.add(Settings.PUBLIC_URL.name() + ": expected a URL like https://logs.example.com, got '" + url + "'");
            }
        }
        Optional<Path> rulesFile = Optional.ofNullable(values.get(Settings.ALERT_RULES_FILE.name()))
                .filter(f -> !f.isBlank()).map(f -> Path.of(f.trim()).toAbsolutePath().normalize());
        rulesFile.ifPresent(file -> {
            if (!Files.isRegularFile(file)) {
                problems.add(Settings.ALERT_RULES_FILE.name() + ": " + file + " does not exist");
            }
        });
        int queueEvents = integer(Settings.ALERT_QUEUE_EVENTS, 1000, 10_000_000);
        Duration systemInterval = duration(Settings.SYSTEM_EVENTS_INTERVAL);
        if (systemInterval != null && systemInterval.toMillis() < 1000) {
            problems.add(Settings.SYSTEM_EVENTS_INTERVAL.name() + ": must be at least 1s");
        }
        Boolean privateTargets = parse(Settings.ALERT_PRIVATE_TARGETS, ConfigLoader::onOff, "on or off");
        Optional<LarchConfig.Smtp> smtp = Optional.empty();
        String host = values.get(Settings.SMTP_HOST.name());
        if (host != null && !host.isBlank()) {
            int port = integer(Settings.SMTP_PORT, 1, 65535);
            LarchConfig.SmtpSecurity security = parse(Settings.SMTP_SECURITY,
                    text -> LarchConfig.SmtpSecurity.valueOf(text.toUpperCase(Locale.ROOT)), "starttls, tls or none");
            String from = values.get(Settings.SMTP_FROM.name());
            if (from == null || !from.matches("([^<>]*<)?[^@\\s<>]+@[^@\\s<>]+>?")) {
                problems.add(Settings.SMTP_FROM.name() + ": set the From address of alert emails (like larch@example.com)"
                        + " when LARCH_SMTP_HOST is set");
            }
            Optional<String> user = Optional.ofNullable(values.get(Settings.SMTP_USERNAME.name())).filter(u -> !u.isBlank());
            Optional<String> password = Optional.ofNullable(values.get(Settings.SMTP_PASSWORD.name()));
            if (user.isPresent() && password.isEmpty()) {
                problems.add(Settings.SMTP_PASSWORD.name() + ": set it with LARCH_SMTP_USERNAME");
            }
            smtp = Optional.of(new LarchConfig.Smtp(host.trim(), port, security, user, password, from));
        }
        return new LarchConfig.Alerts(publicUrl, rulesFile, queueEvents, systemInterval, Boolean.TRUE.equals(privateTargets),
                smtp);
    }

    /**
     * [several nodes] Every node must read every other node's parts, so the archive must be one
     * place they all reach: a bucket, or a directory given explicitly (a shared file system).
     */
    private void sharedArchive(LarchConfig.Archive archive) {
        if (archive.store() == ArchiveStore.OFF
                || archive.store() == ArchiveStore.LOCAL && values.get(Settings.ARCHIVE_DIR.name()) == null) {
            problems.add(Settings.ARCHIVE_STORE.name() + ": with PostgreSQL metadata (several nodes) the nodes share "
                    + "their parts through the archive; set " + Settings.ARCHIVE_STORE.name() + "=s3 and the LARCH_S3_* "
                    + "settings (or " + Settings.ARCHIVE_STORE.name() + "=local with " + Settings.ARCHIVE_DIR.name()
                    + " on a file system every node mounts)");
        }
    }

    private LarchConfig.Archive archive(Path dataDir) {
        ArchiveStore store = parse(Settings.ARCHIVE_STORE, text -> ArchiveStore.valueOf(text.toUpperCase(Locale.ROOT)),
                "one of local, s3, off");
        Path dir = Optional.ofNullable(values.get(Settings.ARCHIVE_DIR.name())).map(Path::of)
                .orElse(dataDir.resolve("archive")).toAbsolutePath().normalize();
        Optional<LarchConfig.S3> s3 = store == ArchiveStore.S3 ? Optional.ofNullable(s3()) : Optional.empty();
        return new LarchConfig.Archive(store, dir, s3);
    }

    /** The bucket settings, checked only when the archive is S3 (an unused half-filled block is not an error). */
    private LarchConfig.S3 s3() {
        int before = problems.size();
        String bucket = text(Settings.S3_BUCKET).trim();
        if (bucket.isEmpty()) {
            problems.add(Settings.S3_BUCKET.name() + ": required with " + Settings.ARCHIVE_STORE.name()
                    + "=s3 (the name of an existing bucket)");
        } else if (!S3_BUCKET.matcher(bucket).matches()) {
            problems.add(Settings.S3_BUCKET.name() + ": '" + bucket + "' is not a bucket name (3-63 characters: a-z, 0-9, '.', '-', '_')");
        }
        Optional<URI> endpoint = s3Endpoint();
        String region = text(Settings.S3_REGION).trim();
        if (!S3_REGION.matcher(region).matches()) {
            problems.add(Settings.S3_REGION.name() + ": expected a region like us-east-1 (R2: auto), got '" + region + "'");
        }
        Boolean pathStyle = parse(Settings.S3_PATH_STYLE, ConfigLoader::trueFalse, "true or false");
        String prefix = text(Settings.S3_PREFIX).trim();
        if (prefix.startsWith("/")) {
            problems.add(Settings.S3_PREFIX.name() + ": must not start with / (keys are relative to the bucket), got '" + prefix + "'");
        }
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        Optional<LarchConfig.S3Credentials> write = credentials(Settings.S3_ACCESS_KEY_ID, Settings.S3_SECRET_ACCESS_KEY, true);
        Optional<LarchConfig.S3Credentials> read = credentials(Settings.S3_READ_ACCESS_KEY_ID, Settings.S3_READ_SECRET_ACCESS_KEY, false);
        if (problems.size() > before) {
            return null;
        }
        return new LarchConfig.S3(bucket, endpoint, region, pathStyle, prefix, write.orElseThrow(), read);
    }

    private Optional<URI> s3Endpoint() {
        String raw = text(Settings.S3_ENDPOINT).trim();
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        String expected = ": expected a URL like https://<account>.r2.cloudflarestorage.com or http://127.0.0.1:9000, got '" + raw + "'";
        try {
            URI uri = new URI(raw);
            boolean web = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
            boolean bare = (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))
                    && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null;
            if (!web || uri.getHost() == null || !bare) {
                problems.add(Settings.S3_ENDPOINT.name() + expected + " (scheme and host, no path: the bucket is LARCH_S3_BUCKET)");
                return Optional.empty();
            }
            return Optional.of(uri);
        } catch (URISyntaxException e) {
            problems.add(Settings.S3_ENDPOINT.name() + expected);
            return Optional.empty();
        }
    }

    /** A key pair: both halves or neither; {@code required} pairs must be there. */
    private Optional<LarchConfig.S3Credentials> credentials(Setting idSetting, Setting secretSetting, boolean required) {
        String id = text(idSetting).trim();
        String secret = text(secretSetting).trim();
        if (id.isEmpty() && secret.isEmpty()) {
            if (required) {
                problems.add(idSetting.name() + " and " + secretSetting.name() + ": required with "
                        + Settings.ARCHIVE_STORE.name() + "=s3 (the key pair that may write to the bucket)");
            }
            return Optional.empty();
        }
        if (id.isEmpty()) {
            problems.add(idSetting.name() + ": required when " + secretSetting.name() + " is set (set both or neither)");
            return Optional.empty();
        }
        if (secret.isEmpty()) {
            problems.add(secretSetting.name() + ": required when " + idSetting.name() + " is set (set both or neither)");
            return Optional.empty();
        }
        return Optional.of(new LarchConfig.S3Credentials(id, secret));
    }

    private static boolean trueFalse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes" -> true;
            case "false", "off", "no" -> false;
            default -> throw new IllegalArgumentException(text);
        };
    }

    private LarchConfig.Security security() {
        boolean redaction = !Boolean.FALSE.equals(parse(Settings.REDACTION, ConfigLoader::onOff, "on or off"));
        Set<String> origins = new LinkedHashSet<>();
        for (String origin : text(Settings.CORS_ORIGINS).split(",")) {
            String trimmed = origin.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            if (!ORIGIN.matcher(trimmed).matches()) {
                problems.add(Settings.CORS_ORIGINS.name() + ": '" + trimmed + "' is not an origin like https://app.example.com"
                        + (trimmed.contains("*") ? " (wildcards are not allowed: the API is authenticated; list each origin)" : ""));
            }
            origins.add(trimmed);
        }
        Duration maxTtl = duration(Settings.VIEWER_TOKEN_MAX_TTL);
        Duration idle = duration(Settings.HTTP_IDLE_TIMEOUT);
        long projectEvents = integer(Settings.RATE_PROJECT_EVENTS, 0, Integer.MAX_VALUE);
        long projectRequests = integer(Settings.RATE_PROJECT_REQUESTS, 0, Integer.MAX_VALUE);
        long ipRequests = integer(Settings.RATE_IP_REQUESTS, 0, Integer.MAX_VALUE);
        long workLogPerUser = integer(Settings.RATE_WORK_LOG_PER_USER, 0, Integer.MAX_VALUE);
        return new LarchConfig.Security(redaction, Set.copyOf(origins), text(Settings.TRUSTED_PROXIES).trim(), maxTtl, idle,
                projectEvents, projectRequests, ipRequests, workLogPerUser);
    }

    /** A size ("1GB", "0" turns the check off), a percentage ("5%", "2.5%"), or unset: the default. */
    private LarchConfig.MinFreeDisk minFreeDisk() {
        String raw = values.get(Settings.MIN_FREE_DISK.name());
        if (raw == null || raw.isBlank()) {
            return LarchConfig.MinFreeDisk.DEFAULT;
        }
        Matcher percent = PERCENT.matcher(raw.trim());
        if (percent.matches()) {
            double share = Double.parseDouble(percent.group(1));
            if (share >= 100) {
                problems.add(Settings.MIN_FREE_DISK.name() + ": a share of the disk must be below 100%, got '" + raw + "'");
            }
            return new LarchConfig.MinFreeDisk(-1, share);
        }
        Long bytes = parse(Settings.MIN_FREE_DISK, ConfigLoader::parseSize,
                "a size like 512MB or 1GB, or a share of the disk like 5%");
        return new LarchConfig.MinFreeDisk(bytes == null ? -1 : bytes, -1);
    }

    private static boolean onOff(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException(text);
        };
    }

    private String text(Setting setting) {
        return values.getOrDefault(setting.name(), "");
    }

    private <T> T parse(Setting setting, Function<String, T> parser, String expected) {
        String raw = text(setting);
        try {
            return parser.apply(raw.trim());
        } catch (RuntimeException e) {
            problems.add(setting.name() + ": expected " + expected + ", got '" + raw + "'");
            return null;
        }
    }

    private int integer(Setting setting, int min, int max) {
        Integer value = parse(setting, Integer::parseInt, "a whole number");
        if (value == null) {
            return 0;
        }
        if (value < min || value > max) {
            problems.add(setting.name() + ": must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    private Duration duration(Setting setting) {
        Duration value = parse(setting, ConfigLoader::parseDuration, "a duration like 500ms, 30s, 15m, 1h or 7d");
        if (value != null && (value.isZero() || value.isNegative())) {
            problems.add(setting.name() + ": must be longer than zero");
        }
        return value;
    }

    private long size(Setting setting) {
        Long value = parse(setting, ConfigLoader::parseSize, "a size like 512KB, 16MB or 2GB");
        return value == null ? 0 : value;
    }

    /** Parses "500ms", "30s", "15m", "1h", "7d". */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: " + text);
        }
        try {
            long amount = Long.parseLong(m.group(1));
            Duration duration = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
            duration.toMillis();
            return duration;
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("too long a duration: " + text);
        }
    }

    /** Parses "4096", "512KB", "16MB", "2GB" (binary multiples). */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: " + text);
        }
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long multiple = switch (unit) {
            case "kb", "k" -> 1L << 10;
            case "mb", "m" -> 1L << 20;
            case "gb", "g" -> 1L << 30;
            default -> 1;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), multiple);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("too large a size: " + text);
        }
    }
}
