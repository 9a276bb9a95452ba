package io.larch.http;

import java.io.IOException;

/**
 * {@code GET /api/work-log/list}: one user's work logs (kind {@code work}), optionally of one
 * conversation, newest first with {@code cursor} or oldest first {@code after=<id>}; who may read
 * what is {@link WorkLogScope}.
 */
final class WorkLogRoutes {
    private final SearchRoutes search;

    WorkLogRoutes(SearchRoutes search) {
        this.search = search;
    }

    void install(RouteTable routes) {
        routes.get("/api/work-log/list", Access.WORK_LOG_READ, this::list);
    }

    private void list(io.javalin.http.Context ctx, Grant grant) throws IOException {
        search.answer(ctx, grant, WorkLogScope.query(ctx, grant, false));
    }
}
