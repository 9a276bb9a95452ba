package io.larch.search;

import io.larch.model.InvalidInputException;
import io.larch.query.Query;

/**
 * One page of a search: everything the caller may see is already in {@code query} (project,
 * kinds, levels, time range and the user's query text, ANDed).
 *
 * @param cursor where the previous page ended, or null for the first page
 * @param limit  events per page, 1 to {@link #MAX_LIMIT}
 */
public record SearchRequest(Query query, Cursor cursor, int limit) {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    public SearchRequest {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidInputException("limit: must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
    }
}
