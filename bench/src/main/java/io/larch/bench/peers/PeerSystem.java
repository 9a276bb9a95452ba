package io.larch.bench.peers;

import java.util.List;

/**
 * A log store under comparison: Larch, OpenSearch or PostgreSQL, started on loopback by the
 * benchmark. Each takes the same generated events (client JSON, as sent to Larch) and answers the
 * same query suite in its own idiom. Implementations own a server they start and stop.
 */
public interface PeerSystem extends AutoCloseable {

    String name();

    /** Prepares an empty dataset called {@code dataset} (project, index or table). */
    void createDataset(String dataset) throws Exception;

    /** Turns a batch of generated events into this system's request body, before timing starts. */
    Object prepareBatch(String dataset, List<String> eventsJson) throws Exception;

    /** Sends a prepared batch; returns once the system acknowledges it (durably, as it is configured). */
    void send(String dataset, Object preparedBatch) throws Exception;

    /** Makes everything sent visible to queries (refresh, seal, analyze). */
    void settle(String dataset) throws Exception;

    /** Bytes the dataset takes on disk, with indexes. */
    long diskBytes(String dataset) throws Exception;

    /** Runs one query of the suite; returns a short description of the answer to check sizes match. */
    String query(String dataset, SuiteQuery query) throws Exception;

    /**
     * One query of the suite, with its parameters. {@code fromMillis}/{@code toMillis} bound time
     * where the query has a range. The work-log reads: {@code WORK_LOG_LATEST} is the latest 50 of
     * one user and conversation ({@code text} = user, tab, conversation); {@code FEED_AFTER} is a
     * feed's poll, what one user ({@code text}) got since {@code fromMillis}, oldest first (Larch
     * asks by event id, the others by time).
     */
    record SuiteQuery(Kind kind, String text, long fromMillis, long toMillis) {
        public enum Kind { LATEST_WITH_WORD, ERROR_COUNT, TOP_FINGERPRINTS, MINUTE_HISTOGRAM, LATEST_FOR_USER,
            WORK_LOG_LATEST, FEED_AFTER }

        public String user() {
            return text.split("\t")[0];
        }

        public String conversation() {
            return text.split("\t")[1];
        }
    }
}
