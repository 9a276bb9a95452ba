package io.larch.search;

import io.larch.model.LogEvent;
import java.util.List;

/**
 * Events newest first, and the cursor for the next page (null when this is the last one).
 *
 * @param partsRead how many parts the query opened, for tests and metrics
 */
public record SearchPage(List<LogEvent> events, Cursor next, int partsRead) {
}
