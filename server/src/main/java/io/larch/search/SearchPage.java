package io.larch.search;

import io.larch.model.LogEvent;
import java.util.List;

/**
 * Events newest first, and the cursor for the next page (null when this is the last one).
 *
 * @param partsRead    how many parts the query opened, for tests and metrics
 * @param partsSkipped how many parts that could hold matches are quarantined (their files were
 *                     damaged) or only in an archive that cannot be reached now: when above
 *                     zero the page may lack events and says it is partial
 * @param archivedPartsRead how many of the parts read live only in the archive (fetched into the cache)
 */
public record SearchPage(List<LogEvent> events, Cursor next, int partsRead, int partsSkipped, int archivedPartsRead) {
    public boolean isPartial() {
        return partsSkipped > 0;
    }
}
