package io.larch.app;

import io.larch.config.LarchConfig;
import io.larch.config.Settings;
import java.util.LinkedHashMap;
import java.util.Map;

/** The configuration in effect, keyed by setting name, for {@code GET /config}. */
final class EffectiveConfig {
    private EffectiveConfig() {
    }

    static Map<String, String> of(LarchConfig config) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put(Settings.HOST.name(), config.host());
        values.put(Settings.PORT.name(), Integer.toString(config.port()));
        values.put(Settings.DATA_DIR.name(), config.dataDir().toString());
        values.put(Settings.METADATA_URL.name(), config.metadata().shownUrl());
        values.put(Settings.METADATA_USER.name(), config.metadata().user().orElse(null));
        values.put(Settings.METADATA_PASSWORD.name(), config.metadata().password().orElse(null));
        values.put(Settings.METADATA_POOL_SIZE.name(), Integer.toString(config.metadata().poolSize()));
        values.put(Settings.ADMIN_TOKEN.name(), config.adminToken().orElse(null));
        values.put(Settings.NODE_ID.name(), Integer.toString(config.nodeId()));
        values.put(Settings.WAL_DURABILITY.name(), config.walDurability().name().toLowerCase(java.util.Locale.ROOT));
        values.put(Settings.WAL_BATCH_INTERVAL.name(), config.walBatchInterval().toMillis() + "ms");
        values.put(Settings.WAL_SEGMENT_MAX_BYTES.name(), Long.toString(config.walSegmentMaxBytes()));
        values.put(Settings.WAL_SEGMENT_MAX_AGE.name(), config.walSegmentMaxAge().toSeconds() + "s");
        values.put(Settings.HEAD_MAX_EVENTS.name(), Long.toString(config.headMaxEvents()));
        values.put(Settings.DUCKDB_MEMORY_LIMIT.name(), Long.toString(config.duckdbMemoryLimitBytes()));
        values.put(Settings.DUCKDB_THREADS.name(), Integer.toString(config.duckdbThreads()));
        values.put(Settings.QUERY_TIMEOUT.name(), config.queryTimeout().toMillis() + "ms");
        values.put(Settings.QUERY_CONCURRENCY_PER_KEY.name(), Integer.toString(config.queryConcurrencyPerKey()));
        values.put(Settings.SCRUB_INTERVAL.name(), config.scrubInterval().toMillis() + "ms");
        values.put(Settings.MIN_FREE_DISK.name(), config.minFreeDisk().toString());
        values.put(Settings.SHUTDOWN_SEAL_TIMEOUT.name(), config.shutdownSealTimeout().toMillis() + "ms");
        values.put(Settings.FINGERPRINTER.name(), config.fingerprints().kind().name().toLowerCase(java.util.Locale.ROOT));
        values.put(Settings.FINGERPRINT_MAX_TEMPLATES.name(), Integer.toString(config.fingerprints().maxTemplatesPerProject()));
        LarchConfig.Alerts alerts = config.alerts();
        values.put(Settings.PUBLIC_URL.name(), alerts.publicUrl().map(Object::toString).orElse(null));
        values.put(Settings.ALERT_RULES_FILE.name(), alerts.rulesFile().map(Object::toString).orElse(null));
        values.put(Settings.ALERT_QUEUE_EVENTS.name(), Integer.toString(alerts.queueEvents()));
        values.put(Settings.SYSTEM_EVENTS_INTERVAL.name(), alerts.systemEventsInterval().toMillis() + "ms");
        values.put(Settings.ALERT_PRIVATE_TARGETS.name(), alerts.privateTargets() ? "on" : "off");
        alerts.smtp().ifPresent(smtp -> {
            values.put(Settings.SMTP_HOST.name(), smtp.host());
            values.put(Settings.SMTP_PORT.name(), Integer.toString(smtp.port()));
            values.put(Settings.SMTP_SECURITY.name(), smtp.security().name().toLowerCase(java.util.Locale.ROOT));
            values.put(Settings.SMTP_USERNAME.name(), smtp.username().orElse(null));
            values.put(Settings.SMTP_PASSWORD.name(), smtp.password().orElse(null));
            values.put(Settings.SMTP_FROM.name(), smtp.from());
        });
        LarchConfig.Syslog syslog = config.syslog();
        values.put(Settings.SYSLOG_PORT.name(), syslog.port().isPresent() ? Integer.toString(syslog.port().getAsInt()) : "off");
        values.put(Settings.SYSLOG_HOST.name(), syslog.host());
        values.put(Settings.SYSLOG_PROJECT.name(), syslog.project().orElse(null));
        values.put(Settings.VERCEL_API_URL.name(), config.vercel().apiUrl().toString());
        return values;
    }
}
