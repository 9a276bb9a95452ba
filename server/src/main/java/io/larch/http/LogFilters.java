package io.larch.http;

import io.javalin.http.Context;
import io.larch.meta.Project;
import io.larch.model.InvalidInputException;
import io.larch.query.SearchFilters;

/** Request parameters shared by search and the aggregations. */
final class LogFilters {
    private LogFilters() {
    }

    /** The q, kind, level, from and to parameters for {@code project}. */
    static SearchFilters of(Context ctx, Project project, long nowMillis) {
        return SearchFilters.build(project.id(), ctx.queryParam("q"), ctx.queryParam("kind"), ctx.queryParam("level"),
                ctx.queryParam("from"), ctx.queryParam("to"), nowMillis);
    }

    /** An integer parameter with a default, or a 400 that names it. */
    static int intParam(Context ctx, String name, int defaultValue, int min, int max) {
        return (int) longParam(ctx, name, defaultValue, min, max);
    }

    /** A long parameter with a default, or a 400 that names it. */
    static long longParam(Context ctx, String name, long defaultValue, long min, long max) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(text.trim());
            if (value < min || value > max) {
                throw new InvalidInputException(name + ": must be between " + min + " and " + max + ", got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new InvalidInputException(name + ": must be a whole number from " + min + " to " + max + ", got '" + text + "'");
        }
    }
}
