package io.larch.app;

import io.larch.datadir.DiskSpace;
import io.larch.ingest.IngestCounters;
import io.larch.model.Kind;
import io.larch.objectstore.ObjectStore;
import io.larch.wal.WriteAheadLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.time.Duration;
import java.util.Set;

/**
 * The operations metrics of issue 19 that are not registered next to their component: events
 * written and dropped, WAL rotations, archive uploads. Their names are the public contract of
 * {@code deploy/grafana} and {@code deploy/prometheus} (a test checks both against a real scrape).
 */
final class LarchMetrics {
    /** Syslog drops that ingest itself already counted under its own reason (validation, rate limit, disk). */
    private static final Set<String> SYSLOG_DROPS_COUNTED_BY_INGEST = Set.of("not_stored", "rejected");

    private LarchMetrics() {
    }

    /**
     * Registers the ingest and WAL counters, the limits the alert rules compare with, the JVM's
     * memory, threads and CPU; the archive ones too, so dashboards read 0 before the first upload.
     */
    static void register(MeterRegistry registry, IngestCounters ingest, WriteAheadLog wal, DiskSpace disk,
                         int maxSseConnections) {
        Gauge.builder("larch_sse_connections_limit", () -> maxSseConnections)
                .description("LARCH_MAX_SSE_CONNECTIONS: live streams beyond it are refused with 429").register(registry);
        Gauge.builder("larch_disk_min_free_bytes", disk, d -> d.reading().floorBytes())
                .description("LARCH_MIN_FREE_DISK in bytes: below it ingest answers 507").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        for (Kind kind : Kind.values()) {
            FunctionCounter.builder("larch_events_written", ingest, c -> c.written(kind)).tag("kind", kind.wireName())
                    .description("events durably written and acknowledged, by kind").register(registry);
            FunctionCounter.builder("larch_segment_rotations", wal, w -> w.rotations(kind)).tag("kind", kind.wireName())
                    .description("WAL segments closed for sealing (by size, age, or maintenance), by kind").register(registry);
        }
        for (IngestCounters.DropReason reason : IngestCounters.DropReason.values()) {
            FunctionCounter.Builder<?> dropped = reason == IngestCounters.DropReason.PROTOCOL
                    ? FunctionCounter.builder("larch_events_dropped", registry, LarchMetrics::syslogOnlyDrops)
                    : FunctionCounter.builder("larch_events_dropped", ingest, c -> c.dropped(reason));
            dropped.tag("reason", reason.wireName())
                    .description("events ingest refused or dropped, by reason (malformed, too_large, paused, and"
                            + " disk_full at the floor: one per request)")
                    .register(registry);
        }
        archiveUploads(registry);
        archiveUploadFailures(registry);
    }

    /** {@code store} with every upload timed and every failed one counted. */
    static ObjectStore metered(ObjectStore store, MeterRegistry registry) {
        return new MeteredObjectStore(store, archiveUploads(registry), archiveUploadFailures(registry));
    }

    private static Timer archiveUploads(MeterRegistry registry) {
        return Timer.builder("larch_archive_upload")
                .description("uploads to the archive that succeeded (parts, their sidecars, build logs), retries included")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(2)).register(registry);
    }

    private static Counter archiveUploadFailures(MeterRegistry registry) {
        return Counter.builder("larch_archive_upload_failures")
                .description("uploads to the archive that failed after the store's retries (tried again next maintenance run)")
                .register(registry);
    }

    private static double syslogOnlyDrops(MeterRegistry registry) {
        return registry.find("larch_syslog_dropped").counters().stream()
                .filter(c -> !SYSLOG_DROPS_COUNTED_BY_INGEST.contains(c.getId().getTag("reason")))
                .mapToDouble(Counter::count).sum();
    }
}
