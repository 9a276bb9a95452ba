package io.larch.alert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import java.time.Clock;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Larch's own health as events: every {@code interval} each {@link Probe} is read, and what needs
 * attention is written as a {@code kind=system} event into the reserved project
 * {@value #PROJECT_SLUG} (seal, compaction, maintenance, archive and delivery failures, low disk,
 * dropped events, bursts of refused credentials, rate limiting, quarantined parts). Its default
 * rule alerts on any of them like any project's spike rule: once per problem, then a summary.
 */
public final class SystemEvents implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SystemEvents.class);
    /** The reserved project Larch writes about itself into (read with the admin token). */
    public static final String PROJECT_SLUG = "larch-system";
    public static final String PROJECT_NAME = "Larch itself";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One thing to watch.
     *
     * @param source      the events' source, e.g. {@code larch.archive}
     * @param value       a counter (events are written when it rose by {@code minIncrease} since the last look) or,
     *                    with {@code state}, a condition that is on while it is above 0
     * @param message     the event's message; {@code %d} is replaced with how much the counter rose (or the value)
     */
    public record Probe(String source, Level level, LongSupplier value, long minIncrease, boolean state, String message) {
        /** A counter of failures: any rise is worth an event. */
        public static Probe failures(String source, Level level, LongSupplier counter, String message) {
            return new Probe(source, level, counter, 1, false, message);
        }

        /** A counter where only a burst means something (say 20 refused keys in a minute). */
        public static Probe burst(String source, Level level, LongSupplier counter, long minIncrease, String message) {
            return new Probe(source, level, counter, minIncrease, false, message);
        }

        /** A condition (low disk): an event every look while it holds. */
        public static Probe condition(String source, Level level, LongSupplier onAbove0, String message) {
            return new Probe(source, level, onAbove0, 1, true, message);
        }
    }

    private final Consumer<byte[]> writer;
    private final long projectId;
    private final Consumer<List<LogEvent>> unstored;
    private final Clock clock;
    private final List<Probe> probes;
    private final Duration interval;
    private final long[] lastSeen;
    private Thread thread;
    private volatile boolean closed;

    /**
     * @param writer   stores an NDJSON batch into the reserved project (through ingest, so it is durable and searchable)
     * @param unstored told the events ingest refused (a full disk refuses exactly when it matters), so the
     *                 alert rules still see them
     */
    public SystemEvents(Consumer<byte[]> writer, long projectId, Consumer<List<LogEvent>> unstored, Clock clock,
                        List<Probe> probes, Duration interval) {
        this.writer = writer;
        this.projectId = projectId;
        this.unstored = unstored;
        this.clock = clock;
        this.probes = List.copyOf(probes);
        this.interval = interval;
        this.lastSeen = new long[probes.size()];
        for (int i = 0; i < probes.size(); i++) {
            lastSeen[i] = probes.get(i).state() ? 0 : Math.max(0, read(probes.get(i)));
        }
    }

    /** Its default rule: any warning or worse Larch writes about itself, once per kind of problem. */
    static List<AlertRule> defaultRules(long projectId) {
        return List.of(AlertRule.of(0, projectId, "larch needs attention", AlertRule.Kind.SPIKE, 1, 0,
                Duration.ofMinutes(5), AlertRule.DEFAULT_SUPPRESS, "kind:system", Level.WARN, List.of(), AlertRule.Origin.DEFAULT));
    }

    public void start() {
        thread = Thread.ofPlatform().daemon().name("larch-system-events").start(() -> {
            while (!closed) {
                try {
                    TimeUnit.MILLISECONDS.sleep(interval.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                look();
            }
        });
    }

    /** Reads every probe once and writes what needs attention; returns how many events it wrote. */
    public int look() {
        StringBuilder batch = new StringBuilder();
        List<LogEvent> told = new java.util.ArrayList<>();
        int events = 0;
        for (int i = 0; i < probes.size(); i++) {
            Probe probe = probes.get(i);
            long value = read(probe);
            if (value < 0) {
                continue; // could not be read: the baseline stays, the next good read is compared with it
            }
            long report;
            if (probe.state()) {
                report = value > 0 ? value : 0;
            } else {
                // Per look, not accumulated: a burst is so many within one interval.
                report = value - lastSeen[i] >= probe.minIncrease() ? value - lastSeen[i] : 0;
                lastSeen[i] = value;
            }
            if (report > 0) {
                ObjectNode event = JSON.createObjectNode().put("kind", "system")
                        .put("level", probe.level().name().toLowerCase(Locale.ROOT)).put("source", probe.source())
                        .put("message", probe.message().replace("%d", Long.toString(report)));
                event.putObject("attrs").put("count", Long.toString(report));
                batch.append(event).append('\n');
                long now = clock.millis();
                told.add(new LogEvent(0, now, now, projectId, Kind.SYSTEM, probe.level(), event.get("message").asText(),
                        probe.source(), null, "system:" + probe.source(), null, null, null, null, null, null,
                        Map.of("count", Long.toString(report))));
                events++;
            }
        }
        if (events > 0) {
            try {
                writer.accept(batch.toString().getBytes(StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                // Ingest refused it (the disk is full, say): the rules still see it, the log still has it.
                LOG.warn("could not record {} system events ({}): {}", events, e.getMessage(), batch.toString().strip());
                unstored.accept(told);
            }
        }
        return events;
    }

    /** The probe's value, or -1 when it could not be read. */
    private static long read(Probe probe) {
        try {
            return Math.max(0, probe.value().getAsLong());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Stops looking; a look in progress finishes first (it may still write through ingest). */
    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
