package io.larch.ingest;

import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.security.RateLimitedException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * What ingest wrote, by kind, and what it refused or dropped, by reason: the numbers behind
 * {@code larch_events_written_total{kind}} and {@code larch_events_dropped_total{reason}}.
 *
 * <p>Threading: every ingest thread adds at once; one {@link LongAdder} per kind and per reason,
 * indexed by ordinal, so counting costs no map lookup and no shared lock on the ingest path.
 */
public final class IngestCounters {
    /** Why events were not stored. The wire name is the metric's {@code reason} label. */
    public enum DropReason {
        /** Events that failed validation (a native batch is refused whole; its valid rest is not counted here). */
        INVALID,
        /** A body that could not be read as events (not JSON, not UTF-8, an unknown Content-Type): one per request. */
        MALFORMED,
        /** A request over a size or count limit (413), one per request: the events of a body too large are never read. */
        TOO_LARGE,
        /** Events refused by the project's events-per-minute or the work-log per-user limit (429). */
        RATE_LIMITED,
        /**
         * Refused because the data dir's disk was below LARCH_MIN_FREE_DISK (507, one per request: checked
         * before the body is read) or filled during the write (the request's events).
         */
        DISK_FULL,
        /** Requests refused while sealing catches up (503 at LARCH_HEAD_MAX_EVENTS): one per request. */
        PAUSED,
        /** Events whose write failed (the WAL answered an error); nothing was acknowledged. */
        STORE_FAILED,
        /** Work-log repeats dropped on purpose within the debounce window (the 202 counts them as debounced). */
        DEBOUNCED,
        /** Messages a protocol listener dropped before ingest (syslog: no project, queue full, a refused key). */
        PROTOCOL;

        private final String wireName = name().toLowerCase(Locale.ROOT);

        public String wireName() {
            return wireName;
        }
    }

    private static final Kind[] KINDS = Kind.values();

    private final LongAdder[] written = adders(KINDS.length);
    private final LongAdder[] dropped = adders(DropReason.values().length);

    /** Counts {@code events} as durably written, each under its own kind (a batch may mix kinds). */
    void written(List<LogEvent> events) {
        Kind runKind = null;
        int run = 0;
        for (int i = 0; i < events.size(); i++) {
            Kind kind = events.get(i).kind();
            if (kind != runKind) {
                addRun(runKind, run);
                runKind = kind;
                run = 0;
            }
            run++;
        }
        addRun(runKind, run);
    }

    private void addRun(Kind kind, int run) {
        if (kind != null && run > 0) {
            written[kind.ordinal()].add(run);
        }
    }

    /** Counts {@code events} as dropped for {@code reason}. */
    public void dropped(DropReason reason, long events) {
        if (events > 0) {
            dropped[reason.ordinal()].add(events);
        }
    }

    /**
     * Counts what {@code refusal} refused ({@code events} of them). A 413 is left to whoever
     * answers the request ({@link #tooLarge}), since a body over the limit is often refused
     * before it reaches ingest; any other failure (the WAL's) counts as {@link DropReason#STORE_FAILED}.
     */
    void refused(RuntimeException refusal, long events) {
        DropReason reason = switch (refusal) {
            case InvalidBatchException invalid -> DropReason.INVALID;
            case InsufficientStorageException full -> DropReason.DISK_FULL;
            case RateLimitedException limited -> DropReason.RATE_LIMITED;
            case RejectedRequestException rejected when rejected.status() == 413 -> null;
            case RejectedRequestException rejected when rejected.status() == 503 -> DropReason.PAUSED;
            case RejectedRequestException rejected -> DropReason.MALFORMED;
            default -> DropReason.STORE_FAILED;
        };
        if (reason != null) {
            dropped(reason, events);
        }
    }

    /** Counts one request refused with 413 (a body, or a number of events or records, over a limit). */
    public void tooLarge() {
        dropped[DropReason.TOO_LARGE.ordinal()].increment();
    }

    public long written(Kind kind) {
        return written[kind.ordinal()].sum();
    }

    public long dropped(DropReason reason) {
        return dropped[reason.ordinal()].sum();
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] adders = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            adders[i] = new LongAdder();
        }
        return adders;
    }
}
