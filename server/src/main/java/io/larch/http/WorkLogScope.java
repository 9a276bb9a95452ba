package io.larch.http;

import io.javalin.http.Context;
import io.larch.model.InvalidInputException;
import io.larch.model.Kind;
import io.larch.query.Field;
import io.larch.query.Query;
import io.larch.security.AuthException;
import io.larch.security.Caller;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Which work logs a request reads: its project's events of kind {@code work}, of the
 * {@code userId} and {@code conversationId} asked. A viewer token reads only its own user (and
 * conversation, when it names one), whatever is asked: asking for another is refused.
 */
final class WorkLogScope {
    private WorkLogScope() {
    }

    /** The query; {@code userRequired}: a key must name the user (a stream is one user's feed). */
    static Query query(Context ctx, Grant grant, boolean userRequired) {
        String userId = ctx.queryParam("userId");
        String conversationId = ctx.queryParam("conversationId");
        if (grant.caller() instanceof Caller.Viewer viewer) {
            userId = within("userId", userId, viewer.userId());
            conversationId = viewer.conversationId() == null ? conversationId
                    : within("conversationId", conversationId, viewer.conversationId());
        }
        if (userRequired && (userId == null || userId.isBlank())) {
            throw new InvalidInputException("userId: required; a work-log stream is one end user's feed"
                    + " (for every user's work logs use GET /api/log/stream?kind=work)");
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
        return Query.and(clauses);
    }

    /** The token's own value; asking for another is refused, not silently narrowed. */
    private static String within(String param, String asked, String own) {
        if (asked != null && !asked.isBlank() && !asked.equals(own)) {
            throw AuthException.forbidden("this viewer token reads only its own " + param + "; it cannot read '" + asked + "'");
        }
        return own;
    }
}
