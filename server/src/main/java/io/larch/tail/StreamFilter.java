package io.larch.tail;

import java.util.Map;

/**
 * A stream's filters as another node is asked for them (its internal endpoint takes the tail's
 * parameters): the project, and {@code q}, {@code kind}, {@code level}, {@code from}, {@code to},
 * {@code now} (what relative times are resolved against), {@code userId}, {@code conversationId}.
 */
public record StreamFilter(long projectId, Map<String, String> params) {
    public StreamFilter {
        params = Map.copyOf(params);
    }
}
