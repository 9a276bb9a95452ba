package io.larch.http;

import io.larch.lifecycle.BuildLogReader;
import io.larch.lifecycle.EventLineEncoder;
import io.larch.query.Field;
import io.larch.query.Query;
import io.larch.search.QueryBudget;
import io.larch.search.Searcher;
import java.util.List;

/**
 * "A build's lines" and "a deployment's lines", defined once: every event of the project that
 * carries the id, whatever its kind, in id (arrival) order. The routes page through it and
 * {@code app} hands the same reader and encoder to the build-log archive, so the archived object
 * and the routes agree.
 */
public final class BuildLines {
    private BuildLines() {
    }

    /** The events of {@code projectId} whose {@code field} ({@link Field#BUILD} or {@link Field#DEPLOYMENT}) is {@code id}. */
    static Query of(Field field, long projectId, String id) {
        return Query.and(List.of(new Query.ProjectIs(projectId), new Query.FieldEquals(field, id)));
    }

    /** A build's lines from {@code searcher}, for the archive (an internal reader: no time budget). */
    public static BuildLogReader reader(Searcher searcher) {
        return (projectId, buildId, afterId, limit) -> {
            Searcher.AfterPage page = searcher.after(of(Field.BUILD, projectId, buildId), afterId, limit,
                    QueryBudget.unlimited());
            return new BuildLogReader.Page(page.events(), page.more(), page.partsSkipped());
        };
    }

    /** The NDJSON the routes answer. */
    public static EventLineEncoder encoder() {
        return EventJson::writeLines;
    }
}
