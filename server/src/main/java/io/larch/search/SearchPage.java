package io.larch.search;

import io.larch.model.LogEvent;
import java.util.List;

/**
 * Events newest first, and the cursor for the next page (null when this is the last one).
 *
 * @param partsRead    how many parts the query opened, for tests and metrics
 * @param partsSkipped how many parts that could hold matches are quarantined (their files were
 *                     damaged): when above zero the page may lack events and says it is partial
 */
public record SearchPage(List<LogEvent> events, Cursor next, int partsRead, int partsSkipped) {
    public boolean isPartial() {
        return partsSkipped > 0;
    }
}
