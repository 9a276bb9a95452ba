package io.larch.lifecycle;

import io.larch.model.LogEvent;
import java.util.List;

/**
 * Reads one build's lines (every event of the project carrying its build id, whatever the kind)
 * in the order they were stored, by id. Lifecycle does not search; {@code app} wires this to the
 * same search the build-log routes page through, so the archive and the routes hold one meaning
 * of "this build's lines". Must be thread-safe; it may be slow (it reads parts) but must not
 * wait on ingest.
 */
@FunctionalInterface
public interface BuildLogReader {
    /** The first {@code limit} lines of the build with an id above {@code afterId}, oldest first. */
    Page after(long projectId, String buildId, long afterId, int limit);

    /**
     * @param more         lines follow the last one (ask again after it)
     * @param partsSkipped quarantined parts that could have held lines of the build: the page may be incomplete
     */
    record Page(List<LogEvent> events, boolean more, int partsSkipped) {
    }
}
