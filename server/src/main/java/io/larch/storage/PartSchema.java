package io.larch.storage;

import static io.larch.model.StoredEventCodec.*;

/** The columns of a part, as DuckDB types, in file order. */
public final class PartSchema {
    /** The {@code columns} argument of {@code read_json} for stored-event NDJSON. */
    public static final String READ_JSON_COLUMNS = "{"
            + ID + ": 'BIGINT', "
            + TS + ": 'BIGINT', "
            + RECEIVED_AT + ": 'BIGINT', "
            + PROJECT_ID + ": 'BIGINT', "
            + KIND + ": 'VARCHAR', "
            + LEVEL + ": 'UTINYINT', "
            + MESSAGE + ": 'VARCHAR', "
            + SOURCE + ": 'VARCHAR', "
            + STACK + ": 'VARCHAR', "
            + FINGERPRINT + ": 'VARCHAR', "
            + USER_ID + ": 'VARCHAR', "
            + CONVERSATION_ID + ": 'VARCHAR', "
            + BUILD_ID + ": 'VARCHAR', "
            + DEPLOYMENT_ID + ": 'VARCHAR', "
            + TRACE_ID + ": 'VARCHAR', "
            + STATUS + ": 'VARCHAR', "
            + ATTRS + ": 'MAP(VARCHAR, VARCHAR)'}";

    /** Every column, in the order queries select them. */
    public static final String ALL_COLUMNS = String.join(", ", ID, TS, RECEIVED_AT, PROJECT_ID, KIND, LEVEL, MESSAGE,
            SOURCE, STACK, FINGERPRINT, USER_ID, CONVERSATION_ID, BUILD_ID, DEPLOYMENT_ID, TRACE_ID, STATUS, ATTRS);

    /** Rows per Parquet row group: small enough that a time bound or row range skips most of a part. */
    public static final int ROW_GROUP_SIZE = 8192;

    private PartSchema() {
    }
}
