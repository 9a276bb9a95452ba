package io.larch.http;

import io.javalin.http.Context;
import io.larch.model.Kind;
import io.larch.query.Field;
import io.larch.query.Query;
import io.larch.security.AuthException;
import io.larch.security.Caller;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * {@code GET /api/work-log/list}: one user's work logs (kind {@code work}), optionally of one
 * conversation, newest first with {@code cursor} or oldest first {@code after=<id>}. A viewer
 * token reads only its own user (and conversation, when it names one), whatever is asked.
 */
final class WorkLogRoutes {
    private final SearchRoutes search;

    WorkLogRoutes(SearchRoutes search) {
        this.search = search;
    }

    void install(RouteTable routes) {
        routes.get("/api/work-log/list", Access.WORK_LOG_READ, this::list);
    }

    private void list(Context ctx, Grant grant) throws IOException {
        String userId = ctx.queryParam("userId");
        String conversationId = ctx.queryParam("conversationId");
        if (grant.caller() instanceof Caller.Viewer viewer) {
            userId = within("userId", userId, viewer.userId());
            conversationId = viewer.conversationId() == null ? conversationId
                    : within("conversationId", conversationId, viewer.conversationId());
        }
        List<Query> clauses = new ArrayList<>();
        clauses.add(new Query.ProjectIs(grant.project().id()));
        clauses.add(new Query.KindIn(EnumSet.of(Kind.WORK)));
        if (userId != null && !userId.isBlank()) {
            clauses.add(new Query.FieldEquals(Field.USER, userId));
        }
        if (conversationId != null && !conversationId.isBlank()) {
            clauses.add(new Query.FieldEquals(Field.CONVERSATION, conversationId));
        }
        search.answer(ctx, grant, Query.and(clauses));
    }

    /** The token's own value; asking for another is refused, not silently narrowed. */
    private static String within(String param, String asked, String own) {
        if (asked != null && !asked.isBlank() && !asked.equals(own)) {
            throw AuthException.forbidden("this viewer token reads only its own " + param + "; it cannot read '" + asked + "'");
        }
        return own;
    }
}
