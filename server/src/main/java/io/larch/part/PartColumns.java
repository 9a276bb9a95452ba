package io.larch.part;

/**
 * The column names of a part file, one constant each. The query language compiles to SQL over
 * these names ({@code SqlCompiler}), the bloom and point readers look columns up by them, and the
 * Parquet writers write them: one definition, so a renamed column cannot leave a reader behind.
 */
public final class PartColumns {
    public static final String ID = "id";
    public static final String TS = "ts";
    public static final String RECEIVED_AT = "received_at";
    public static final String PROJECT_ID = "project_id";
    public static final String KIND = "kind";
    public static final String LEVEL = "level";
    public static final String MESSAGE = "message";
    public static final String SOURCE = "source";
    public static final String STACK = "stack";
    public static final String FINGERPRINT = "fingerprint";
    public static final String USER_ID = "user_id";
    public static final String CONVERSATION_ID = "conversation_id";
    public static final String BUILD_ID = "build_id";
    public static final String DEPLOYMENT_ID = "deployment_id";
    public static final String TRACE_ID = "trace_id";
    public static final String STATUS = "status";
    public static final String ATTRS = "attrs";

    private PartColumns() {
    }
}
