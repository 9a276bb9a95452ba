package io.larch.aggregate;

import java.util.List;
import java.util.Map;

/** Results of the aggregation endpoints. */
public final class Aggregations {
    private Aggregations() {
    }

    /** Events per time bucket, split by level. {@code bucketStart} is epoch ms; empty buckets are included. */
    public record Histogram(long intervalMillis, List<Bucket> buckets) {
    }

    public record Bucket(long bucketStart, long count, Map<String, Long> byLevel) {
    }

    /** The most frequent values of a field, most frequent first. */
    public record Top(String field, List<TopValue> values) {
    }

    /** One value: how often, first and last seen (epoch ms), and the message of its latest event. */
    public record TopValue(String value, long count, long firstSeen, long lastSeen, String sample) {
    }

    /** Totals by level and kind; error rate is (error + fatal) / total, 0 when there are no events. */
    public record Stats(long total, Map<String, Long> byLevel, Map<String, Long> byKind, double errorRate) {
    }

    /**
     * Work-log entries per UTC day of their creation (days with none are left out, oldest
     * first), by type and latest status; {@code total} sums them.
     */
    public record WorkLogStats(List<WorkLogDay> days, long total) {
    }

    /** {@code dayStartMillis}: midnight UTC. */
    public record WorkLogDay(long dayStartMillis, List<WorkLogCount> counts) {
    }

    /** {@code logType} and {@code status} are null for entries stored without one. */
    public record WorkLogCount(String logType, String status, long count) {
    }
}
