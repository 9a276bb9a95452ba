package io.larch.http;

import io.javalin.http.Context;
import io.larch.model.Kind;
import io.larch.query.Field;
import io.larch.query.Query;
import io.larch.security.AuthException;
import io.larch.security.Caller;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Whose work logs a read asks for: the {@code userId} and {@code conversationId} parameters, or,
 * for a viewer token, its own user (and conversation, when it names one). Asking a viewer token
 * for another user or conversation is refused (403), not silently narrowed.
 *
 * @param userId         null for every user of the project (keys only)
 * @param conversationId null for every conversation
 */
record WorkLogScope(long projectId, String userId, String conversationId) {

    static WorkLogScope of(Context ctx, Grant grant) {
        String userId = blankToNull(ctx.queryParam("userId"));
        String conversationId = blankToNull(ctx.queryParam("conversationId"));
        if (grant.caller() instanceof Caller.Viewer viewer) {
            userId = within("userId", userId, viewer.userId());
            conversationId = viewer.conversationId() == null ? conversationId
                    : within("conversationId", conversationId, viewer.conversationId());
        }
        return new WorkLogScope(grant.project().id(), userId, conversationId);
    }

    /** The project's work logs of the user (every user when null), of any conversation. */
    Query ofUser() {
        List<Query> clauses = new ArrayList<>();
        clauses.add(new Query.ProjectIs(projectId));
        clauses.add(new Query.KindIn(EnumSet.of(Kind.WORK)));
        if (userId != null) {
            clauses.add(new Query.FieldEquals(Field.USER, userId));
        }
        return Query.and(clauses);
    }

    /** Everything this scope reads: {@link #ofUser()}, narrowed to the conversation when there is one. */
    Query query() {
        return conversationId == null ? ofUser()
                : Query.and(List.of(ofUser(), new Query.FieldEquals(Field.CONVERSATION, conversationId)));
    }

    /** The token's own value; asking for another is refused, not silently narrowed. */
    private static String within(String param, String asked, String own) {
        if (asked != null && !asked.equals(own)) {
            throw AuthException.forbidden("this viewer token reads only its own " + param + "; it cannot read '" + asked + "'");
        }
        return own;
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }
}
