package io.larch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path tmp;

    private static ConfigException failure(Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(env, null, Map.of()));
    }

    @Test
    void embeddedDefaultsNeedNoSetup() {
        LarchConfig config = ConfigLoader.load(Map.of(), null, Map.of());
        assertEquals("127.0.0.1", config.host());
        assertEquals(8080, config.port());
        assertEquals(Path.of("./data").toAbsolutePath().normalize(), config.dataDir());
        assertEquals("jdbc:sqlite:" + config.dataDir().resolve("larch.db"), config.metadataUrl());
        assertEquals(WalDurability.FSYNC, config.walDurability());
        assertEquals(16L * 1024 * 1024, config.walSegmentMaxBytes());
        assertEquals(Duration.ofHours(1), config.walSegmentMaxAge());
        assertTrue(config.adminToken().isEmpty());
    }

    @Test
    void environmentOverridesFileAndFlagsOverrideEnvironment() throws IOException {
        Path file = tmp.resolve("larch.properties");
        Files.writeString(file, "LARCH_PORT=7000\nLARCH_WAL_SEGMENT_MAX_BYTES=1MB\n");
        LarchConfig fromFile = ConfigLoader.load(Map.of(), file, Map.of());
        assertEquals(7000, fromFile.port());
        assertEquals(1024 * 1024, fromFile.walSegmentMaxBytes());
        assertEquals(7001, ConfigLoader.load(Map.of("LARCH_PORT", "7001"), file, Map.of()).port());
        assertEquals(7002, ConfigLoader.load(Map.of("LARCH_PORT", "7001"), file, Map.of("LARCH_PORT", "7002")).port());
    }

    @Test
    void badValuesFailWithTheSettingsName() {
        assertTrue(failure(Map.of("LARCH_PORT", "eighty")).getMessage().contains("LARCH_PORT: expected a whole number, got 'eighty'"));
        assertTrue(failure(Map.of("LARCH_PORT", "70000")).getMessage().contains("LARCH_PORT: must be between 0 and 65535"));
        assertTrue(failure(Map.of("LARCH_WAL_DURABILITY", "fsnyc")).getMessage()
                .contains("LARCH_WAL_DURABILITY: expected one of fsync, batch, none, got 'fsnyc'"));
        assertTrue(failure(Map.of("LARCH_WAL_SEGMENT_MAX_AGE", "soon")).getMessage().contains("LARCH_WAL_SEGMENT_MAX_AGE"));
        assertTrue(failure(Map.of("LARCH_ADMIN_TOKEN", "short")).getMessage().contains("LARCH_ADMIN_TOKEN: must be at least 24"));
        assertTrue(failure(Map.of("LARCH_NODE_ID", "2000")).getMessage().contains("LARCH_NODE_ID"));
        assertTrue(failure(Map.of("LARCH_METADATA_URL", "jdbc:mysql://x")).getMessage().contains("LARCH_METADATA_URL"));
    }

    @Test
    void postgresMetadataTakesAPoolSizeAndCredentialsAndHidesThePassword() {
        LarchConfig.Metadata metadata = ConfigLoader.load(Map.of("LARCH_METADATA_URL", "jdbc:postgresql://db:5432/larch",
                "LARCH_METADATA_USER", "larch", "LARCH_METADATA_PASSWORD", "s3cret", "LARCH_METADATA_POOL_SIZE", "8",
                "LARCH_ARCHIVE_DIR", "/mnt/shared/archive", "LARCH_CLUSTER_SECRET", "a-cluster-secret-of-24-chars"),
                null, Map.of()).metadata();
        assertEquals(new LarchConfig.Metadata("jdbc:postgresql://db:5432/larch", Optional.of("larch"), Optional.of("s3cret"), 8),
                metadata);
        assertTrue(metadata.isPostgres());
        assertEquals(4, ConfigLoader.load(Map.of(), null, Map.of()).metadata().poolSize(), "a small pool by default");
        assertTrue(!metadata.toString().contains("s3cret"), metadata.toString());
        LarchConfig.Metadata inUrl = LarchConfig.Metadata.of("jdbc:postgresql://db/larch?user=larch&password=s3cret&ssl=true");
        assertEquals("jdbc:postgresql://db/larch?user=larch&password=(hidden)&ssl=true", inUrl.shownUrl());
        assertTrue(failure(Map.of("LARCH_METADATA_POOL_SIZE", "0")).getMessage().contains("LARCH_METADATA_POOL_SIZE: must be between 1 and 64"));
        assertTrue(failure(Map.of("LARCH_METADATA_POOL_SIZE", "65")).getMessage().contains("LARCH_METADATA_POOL_SIZE"));
        assertTrue(failure(Map.of("LARCH_METADATA_URL", "jdbc:mysql://x?password=s3cret")).getMessage()
                .contains("LARCH_METADATA_URL: give a jdbc:sqlite:<file> or jdbc:postgresql://host:port/database URL, got "
                        + "'jdbc:mysql://x?password=(hidden)'"));
    }

    @Test
    void minFreeDiskTakesASizeOrAShareAndFailsWithItsName() {
        assertEquals(LarchConfig.MinFreeDisk.DEFAULT, ConfigLoader.load(Map.of(), null, Map.of()).minFreeDisk());
        check("2GB", new LarchConfig.MinFreeDisk(2L << 30, -1));
        check("0", new LarchConfig.MinFreeDisk(0, -1));
        check("5%", new LarchConfig.MinFreeDisk(-1, 5));
        check("2.5 %", new LarchConfig.MinFreeDisk(-1, 2.5));
        assertTrue(failure(Map.of("LARCH_MIN_FREE_DISK", "lots")).getMessage()
                .contains("LARCH_MIN_FREE_DISK: expected a size like 512MB or 1GB, or a share of the disk like 5%, got 'lots'"));
        assertTrue(failure(Map.of("LARCH_MIN_FREE_DISK", "100%")).getMessage().contains("LARCH_MIN_FREE_DISK: a share of the disk must be below 100%"));
        assertTrue(failure(Map.of("LARCH_MIN_FREE_DISK", "-1GB")).getMessage().contains("LARCH_MIN_FREE_DISK"));
        assertEquals(Duration.ofSeconds(30), ConfigLoader.load(Map.of(), null, Map.of()).shutdownSealTimeout());
        assertEquals(Duration.ZERO, ConfigLoader.load(Map.of("LARCH_SHUTDOWN_SEAL_TIMEOUT", "0s"), null, Map.of()).shutdownSealTimeout());
        assertTrue(failure(Map.of("LARCH_SHUTDOWN_SEAL_TIMEOUT", "a while")).getMessage().contains("LARCH_SHUTDOWN_SEAL_TIMEOUT"));
    }

    private static void check(String minFreeDisk, LarchConfig.MinFreeDisk expected) {
        assertEquals(expected, ConfigLoader.load(Map.of("LARCH_MIN_FREE_DISK", minFreeDisk), null, Map.of()).minFreeDisk(),
                minFreeDisk);
    }

    @Test
    void securitySettingsHaveSafeDefaultsAndFailWithTheirNames() {
        LarchConfig.Security defaults = ConfigLoader.load(Map.of(), null, Map.of()).security();
        assertTrue(defaults.redaction(), "redaction is on unless turned off");
        assertTrue(defaults.corsOrigins().isEmpty(), "no origin may call from a browser unless listed");
        assertEquals(Duration.ofHours(24), defaults.viewerTokenMaxTtl());
        assertEquals(60, defaults.workLogPerUserPerMinute());
        LarchConfig.Security set = ConfigLoader.load(Map.of("LARCH_REDACTION", "off", "LARCH_CORS_ORIGINS",
                "https://app.example.com, http://localhost:3000", "LARCH_RATE_PROJECT_EVENTS_PER_MIN", "0"), null, Map.of()).security();
        assertTrue(!set.redaction());
        assertEquals(java.util.Set.of("https://app.example.com", "http://localhost:3000"), set.corsOrigins());
        assertEquals(0, set.projectEventsPerMinute());
        assertTrue(failure(Map.of("LARCH_REDACTION", "maybe")).getMessage().contains("LARCH_REDACTION: expected on or off, got 'maybe'"));
        assertTrue(failure(Map.of("LARCH_CORS_ORIGINS", "*")).getMessage().contains("wildcards are not allowed"));
        assertTrue(failure(Map.of("LARCH_CORS_ORIGINS", "https://*.example.com")).getMessage().contains("LARCH_CORS_ORIGINS"));
        assertTrue(failure(Map.of("LARCH_CORS_ORIGINS", "https://app.example.com/path")).getMessage()
                .contains("is not an origin like https://app.example.com"));
        assertTrue(failure(Map.of("LARCH_RATE_WORK_LOG_PER_USER_PER_MIN", "-1")).getMessage()
                .contains("LARCH_RATE_WORK_LOG_PER_USER_PER_MIN: must be between 0 and"));
        assertTrue(failure(Map.of("LARCH_VIEWER_TOKEN_MAX_TTL", "forever")).getMessage().contains("LARCH_VIEWER_TOKEN_MAX_TTL"));
        assertTrue(failure(Map.of("LARCH_HTTP_IDLE_TIMEOUT", "0s")).getMessage().contains("LARCH_HTTP_IDLE_TIMEOUT: must be longer than zero"));
    }

    private static final Map<String, String> S3 = Map.of("LARCH_ARCHIVE_STORE", "s3", "LARCH_S3_BUCKET", "larch-parts",
            "LARCH_S3_ACCESS_KEY_ID", "writer", "LARCH_S3_SECRET_ACCESS_KEY", "writer-secret");

    private static Map<String, String> s3With(String... pairs) {
        Map<String, String> env = new java.util.HashMap<>(S3);
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] == null) {
                env.remove(pairs[i]);
            } else {
                env.put(pairs[i], pairs[i + 1]);
            }
        }
        return env;
    }

    @Test
    void severalNodesNeedASharedArchiveAndSealAtTheSharedInterval() {
        Map<String, String> postgres = Map.of("LARCH_METADATA_URL", "jdbc:postgresql://db:5432/larch",
                "LARCH_CLUSTER_SECRET", "a-cluster-secret-of-24-chars");
        assertTrue(failure(postgres).getMessage().contains("LARCH_ARCHIVE_STORE: with PostgreSQL metadata"),
                "the default archive dir is under each node's own data dir");
        assertTrue(failure(with(postgres, "LARCH_ARCHIVE_STORE", "off")).getMessage().contains("LARCH_ARCHIVE_STORE"));
        Map<String, String> shared = with(postgres, "LARCH_ARCHIVE_DIR", "/mnt/shared/archive");
        LarchConfig config = ConfigLoader.load(shared, null, Map.of());
        assertTrue(config.metadata().isPostgres());
        assertEquals(Duration.ofSeconds(30), config.walSegmentMaxAge(), "sealed every 30 s, not every hour");
        assertEquals(Duration.ofSeconds(2), config.lifecycle().sharedRefreshInterval());
        assertEquals(Duration.ofSeconds(5), ConfigLoader.load(with(shared, "LARCH_SHARED_SEAL_INTERVAL", "5s"), null, Map.of())
                .walSegmentMaxAge());
        assertEquals(Duration.ofSeconds(10), ConfigLoader.load(with(shared, "LARCH_WAL_SEGMENT_MAX_AGE", "10s"), null, Map.of())
                .walSegmentMaxAge(), "a shorter segment age stays");
        assertTrue(failure(with(shared, "LARCH_SHARED_SEAL_INTERVAL", "100ms")).getMessage()
                .contains("LARCH_SHARED_SEAL_INTERVAL: must be at least 1s"));
        assertTrue(failure(with(shared, "LARCH_SHARED_REFRESH_INTERVAL", "10ms")).getMessage()
                .contains("LARCH_SHARED_REFRESH_INTERVAL: must be at least 100ms"));
        assertEquals(Duration.ofHours(1), ConfigLoader.load(Map.of(), null, Map.of()).walSegmentMaxAge(), "one node: an hour");
        assertTrue(!ConfigLoader.load(Map.of(), null, Map.of()).metadata().isPostgres());
    }

    private static Map<String, String> with(Map<String, String> base, String name, String value) {
        Map<String, String> more = new java.util.HashMap<>(base);
        more.put(name, value);
        return more;
    }

    @Test
    void archiveIsALocalDirectoryUnderTheDataDirByDefault() {
        LarchConfig.Archive archive = ConfigLoader.load(Map.of("LARCH_DATA_DIR", tmp.toString()), null, Map.of()).archive();
        assertEquals(new LarchConfig.Archive(ArchiveStore.LOCAL, tmp.resolve("archive"), Optional.empty()), archive);
        assertEquals(tmp.resolve("elsewhere"), ConfigLoader.load(Map.of("LARCH_ARCHIVE_DIR", tmp.resolve("elsewhere").toString()),
                null, Map.of()).archive().dir());
        assertEquals(ArchiveStore.OFF, ConfigLoader.load(Map.of("LARCH_ARCHIVE_STORE", "off"), null, Map.of()).archive().store());
        assertEquals(ArchiveStore.LOCAL, ConfigLoader.load(Map.of("LARCH_S3_BUCKET", "unused"), null, Map.of()).archive().store(),
                "S3 settings without LARCH_ARCHIVE_STORE=s3 are not checked and not used");
    }

    @Test
    void s3ArchiveSettingsAreReadWithDefaults() {
        LarchConfig.S3 s3 = ConfigLoader.load(S3, null, Map.of()).archive().s3().orElseThrow();
        assertEquals(new LarchConfig.S3("larch-parts", Optional.empty(), "us-east-1", false, "",
                new LarchConfig.S3Credentials("writer", "writer-secret"), Optional.empty()), s3);
        LarchConfig.S3 r2 = ConfigLoader.load(s3With("LARCH_S3_ENDPOINT", "https://abc123.r2.cloudflarestorage.com",
                "LARCH_S3_REGION", "auto", "LARCH_S3_PATH_STYLE", "true", "LARCH_S3_PREFIX", "larch",
                "LARCH_S3_READ_ACCESS_KEY_ID", "reader", "LARCH_S3_READ_SECRET_ACCESS_KEY", "reader-secret"), null, Map.of())
                .archive().s3().orElseThrow();
        assertEquals(Optional.of(URI.create("https://abc123.r2.cloudflarestorage.com")), r2.endpoint());
        assertEquals("auto", r2.region());
        assertTrue(r2.pathStyle());
        assertEquals("larch/", r2.prefix(), "a prefix is a folder");
        assertEquals(Optional.of(new LarchConfig.S3Credentials("reader", "reader-secret")), r2.read());
        assertEquals("larch/", ConfigLoader.load(s3With("LARCH_S3_PREFIX", "larch/"), null, Map.of()).archive().s3().orElseThrow().prefix());
        assertTrue(!r2.toString().contains("reader-secret") && !r2.toString().contains("writer-secret"), "secrets stay out of logs");
        assertTrue(Settings.S3_SECRET_ACCESS_KEY.secret() && Settings.S3_READ_SECRET_ACCESS_KEY.secret());
        assertTrue(Settings.ALL.contains(Settings.S3_READ_SECRET_ACCESS_KEY) && Settings.ALL.contains(Settings.ARCHIVE_STORE));
    }

    @Test
    void fingerprintSettingsAreCheckedByName() {
        assertEquals(LarchConfig.FingerprinterKind.TEMPLATE, ConfigLoader.load(Map.of(), null, Map.of()).fingerprints().kind());
        assertEquals(LarchConfig.FingerprinterKind.V1,
                ConfigLoader.load(Map.of("LARCH_FINGERPRINTER", "V1"), null, Map.of()).fingerprints().kind());
        check(Map.of("LARCH_FINGERPRINTER", "drain"), "LARCH_FINGERPRINTER: expected template or v1, got 'drain'");
        check(Map.of("LARCH_FINGERPRINT_MAX_TEMPLATES", "5"), "LARCH_FINGERPRINT_MAX_TEMPLATES: must be between 100 and 10000000");
    }

    @Test
    void syslogIsOffByDefaultAndItsSettingsFailWithTheirNames() {
        LarchConfig.Syslog off = ConfigLoader.load(Map.of(), null, Map.of()).syslog();
        assertTrue(off.port().isEmpty());
        assertEquals("127.0.0.1", off.host());
        LarchConfig.Syslog on = ConfigLoader.load(Map.of("LARCH_SYSLOG_PORT", "5514", "LARCH_SYSLOG_PROJECT", "shop"), null,
                Map.of()).syslog();
        assertEquals(5514, on.port().getAsInt());
        assertEquals("shop", on.project().orElseThrow());
        check(Map.of("LARCH_SYSLOG_PORT", "syslog"), "LARCH_SYSLOG_PORT: expected off or a port number (0 to 65535), got 'syslog'");
        check(Map.of("LARCH_SYSLOG_PORT", "70000"), "LARCH_SYSLOG_PORT: expected off or a port number (0 to 65535), got 70000");
        check(Map.of("LARCH_SYSLOG_PORT", "5514", "LARCH_SYSLOG_PROJECT", "Shop Prod"),
                "LARCH_SYSLOG_PROJECT: expected a project slug");
        check(Map.of("LARCH_SYSLOG_PROJECT", "shop"), "LARCH_SYSLOG_PROJECT: set LARCH_SYSLOG_PORT too (syslog is off)");
    }

    @Test
    void theVercelApiUrlIsVercelsByDefaultAndMustBeAUrlWithoutAPath() {
        assertEquals("https://api.vercel.com", ConfigLoader.load(Map.of(), null, Map.of()).vercel().apiUrl().toString());
        assertEquals("http://127.0.0.1:9000", ConfigLoader.load(Map.of("LARCH_VERCEL_API_URL", "http://127.0.0.1:9000/"), null,
                Map.of()).vercel().apiUrl().toString());
        check(Map.of("LARCH_VERCEL_API_URL", "api.vercel.com"), "LARCH_VERCEL_API_URL: expected a URL like https://api.vercel.com");
        check(Map.of("LARCH_VERCEL_API_URL", "https://api.vercel.com/v3"), "LARCH_VERCEL_API_URL: expected a URL like");
    }

    @Test
    void severalNodesNeedTheClusterSecretAndAReachableNodeUrl() {
        String pg = "jdbc:postgresql://127.0.0.1:5432/larch";
        String secret = "a-cluster-secret-of-24-chars";
        LarchConfig single = ConfigLoader.load(Map.of(), null, Map.of());
        assertTrue(single.cluster().secret().isEmpty() && single.cluster().nodeUrl().isEmpty(), "one node needs neither");
        LarchConfig shared = ConfigLoader.load(Map.of("LARCH_METADATA_URL", pg, "LARCH_CLUSTER_SECRET", secret,
                "LARCH_NODE_URL", "http://10.0.0.5:8080/", "LARCH_ARCHIVE_DIR", "/mnt/shared/archive"), null, Map.of());
        assertEquals("http://10.0.0.5:8080", shared.cluster().nodeUrl().orElseThrow().toString());
        assertTrue(!shared.cluster().toString().contains(secret), "the secret is not in the config's text");
        check(Map.of("LARCH_METADATA_URL", pg), "LARCH_CLUSTER_SECRET: required with PostgreSQL metadata");
        check(Map.of("LARCH_CLUSTER_SECRET", "short"), "LARCH_CLUSTER_SECRET: must be at least 24 characters");
        check(Map.of("LARCH_NODE_URL", "10.0.0.5:8080"), "LARCH_NODE_URL: expected the URL other nodes reach this one at");
        check(Map.of("LARCH_NODE_URL", "ftp://node-a"), "LARCH_NODE_URL: expected the URL other nodes reach this one at");
    }

    @Test
    void badArchiveSettingsFailWithTheSettingsName() {
        check(Map.of("LARCH_ARCHIVE_STORE", "gcs"), "LARCH_ARCHIVE_STORE: expected one of local, s3, off, got 'gcs'");
        check(s3With("LARCH_S3_BUCKET", null), "LARCH_S3_BUCKET: required with LARCH_ARCHIVE_STORE=s3");
        check(s3With("LARCH_S3_BUCKET", "Bad_Bucket!"), "LARCH_S3_BUCKET: 'Bad_Bucket!' is not a bucket name");
        check(s3With("LARCH_S3_ACCESS_KEY_ID", null, "LARCH_S3_SECRET_ACCESS_KEY", null),
                "LARCH_S3_ACCESS_KEY_ID and LARCH_S3_SECRET_ACCESS_KEY: required with LARCH_ARCHIVE_STORE=s3");
        check(s3With("LARCH_S3_SECRET_ACCESS_KEY", null), "LARCH_S3_SECRET_ACCESS_KEY: required when LARCH_S3_ACCESS_KEY_ID is set");
        check(s3With("LARCH_S3_READ_ACCESS_KEY_ID", "reader"),
                "LARCH_S3_READ_SECRET_ACCESS_KEY: required when LARCH_S3_READ_ACCESS_KEY_ID is set");
        check(s3With("LARCH_S3_READ_SECRET_ACCESS_KEY", "s"), "LARCH_S3_READ_ACCESS_KEY_ID: required when LARCH_S3_READ_SECRET_ACCESS_KEY is set");
        check(s3With("LARCH_S3_ENDPOINT", "127.0.0.1:9000"), "LARCH_S3_ENDPOINT: expected a URL like");
        check(s3With("LARCH_S3_ENDPOINT", "ftp://minio:9000"), "LARCH_S3_ENDPOINT: expected a URL like");
        check(s3With("LARCH_S3_ENDPOINT", "http://minio:9000/larch-parts"), "(scheme and host, no path: the bucket is LARCH_S3_BUCKET)");
        check(s3With("LARCH_S3_ENDPOINT", "http://exa mple.com"), "LARCH_S3_ENDPOINT: expected a URL like");
        check(s3With("LARCH_S3_PATH_STYLE", "sometimes"), "LARCH_S3_PATH_STYLE: expected true or false, got 'sometimes'");
        check(s3With("LARCH_S3_REGION", "US East"), "LARCH_S3_REGION: expected a region like us-east-1");
        check(s3With("LARCH_S3_PREFIX", "/larch"), "LARCH_S3_PREFIX: must not start with /");
        assertEquals(2, failure(s3With("LARCH_S3_BUCKET", null, "LARCH_S3_ENDPOINT", "nope")).problems().size(), "all at once");
    }

    private static void check(Map<String, String> env, String expected) {
        String message = failure(env).getMessage();
        assertTrue(message.contains(expected), message);
    }

    @Test
    void reportsEveryProblemAtOnce() {
        ConfigException e = failure(Map.of("LARCH_PORT", "x", "LARCH_DUCKDB_THREADS", "0"));
        assertEquals(2, e.problems().size());
    }

    @Test
    void unknownKeysInTheFileAreErrors() throws IOException {
        Path file = tmp.resolve("larch.properties");
        Files.writeString(file, "LARCH_PROT=7000\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of(), file, Map.of()));
        assertTrue(e.getMessage().contains("LARCH_PROT: unknown setting"));
    }

    @Test
    void missingConfigFileIsAnError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Map.of("LARCH_CONFIG", tmp.resolve("nope").toString()), null, Map.of()));
        assertTrue(e.getMessage().contains("LARCH_CONFIG: config file"));
    }

    @Test
    void parsesSizesAndDurations() {
        assertEquals(512 * 1024, ConfigLoader.parseSize("512KB"));
        assertEquals(16L * 1024 * 1024, ConfigLoader.parseSize("16mb"));
        assertEquals(2L * 1024 * 1024 * 1024, ConfigLoader.parseSize("2G"));
        assertEquals(4096, ConfigLoader.parseSize("4096"));
        assertEquals(Duration.ofMillis(500), ConfigLoader.parseDuration("500ms"));
        assertEquals(Duration.ofDays(7), ConfigLoader.parseDuration("7d"));
    }
}
