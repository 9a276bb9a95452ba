package io.larch.aggregate;

import java.util.Map;

/**
 * Counts of one value; the sample is the message of its latest event (the highest id breaks a
 * tie in time), when known.
 */
final class TopAccumulator {
    long count;
    long firstSeen = Long.MAX_VALUE;
    long lastSeen = Long.MIN_VALUE;
    String sample;
    /** Where the sample is when it was found among raw rows and not read yet; else null. */
    RawCounter.RowRef sampleRow;
    long sampleTs = Long.MIN_VALUE;
    long sampleId = Long.MIN_VALUE;

    /** The accumulator of {@code value} in {@code byValue}, added when missing. */
    static TopAccumulator of(Map<String, TopAccumulator> byValue, String value) {
        return byValue.computeIfAbsent(value, v -> new TopAccumulator());
    }

    void add(long n, long first, long last, String message, long messageTs, long messageId) {
        count(n, first, last);
        if (message != null && isNewer(messageTs, messageId)) {
            sample = message;
            sampleRow = null;
            sampleTs = messageTs;
            sampleId = messageId;
        }
    }

    void addFromRow(long n, long first, long last, RawCounter.RowRef messageRow, long messageTs, long messageId) {
        count(n, first, last);
        if (isNewer(messageTs, messageId)) {
            sample = null;
            sampleRow = messageRow;
            sampleTs = messageTs;
            sampleId = messageId;
        }
    }

    private void count(long n, long first, long last) {
        count += n;
        firstSeen = Math.min(firstSeen, first);
        lastSeen = Math.max(lastSeen, last);
    }

    private boolean isNewer(long messageTs, long messageId) {
        return messageTs > sampleTs || messageTs == sampleTs && messageId > sampleId;
    }

    void merge(TopAccumulator other) {
        if (other.sampleRow != null) {
            addFromRow(other.count, other.firstSeen, other.lastSeen, other.sampleRow, other.sampleTs, other.sampleId);
        } else {
            add(other.count, other.firstSeen, other.lastSeen, other.sample, other.sampleTs, other.sampleId);
        }
    }
}
