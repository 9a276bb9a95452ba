package io.larch.part;

import static io.larch.part.PartColumns.*;

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

    /** Rollup granularity: counts are kept per minute. */
    public static final long ROLLUP_MILLIS = 60_000;

    /**
     * The rollup of a part's rows, from a table or file expression with the part's columns: per
     * minute, level and fingerprint, the count, the first and last time, and the message and id of
     * the latest event ({@code sample}, {@code last_id}; the highest id breaks a tie in time).
     */
    public static String rollupOf(String rows) {
        return "SELECT (ts // " + ROLLUP_MILLIS + ") * " + ROLLUP_MILLIS + " AS minute, level, fingerprint, count(*) AS n, "
                + "min(ts) AS min_ts, max(ts) AS max_ts, " + latest("message", "ts", "id") + " AS sample, "
                + latest("id", "ts", "id") + " AS last_id FROM " + rows + " GROUP BY ALL ORDER BY minute, level, fingerprint";
    }

    /**
     * SQL for the {@code value} of the row latest by {@code (ts, id)}. The two are folded into
     * one HUGEINT (ts * 2^64 + id, ids being non-negative) because DuckDB's {@code arg_max} is
     * several times slower on a STRUCT key.
     */
    public static String latest(String value, String ts, String id) {
        return "arg_max(" + value + ", " + ts + "::HUGEINT * 18446744073709551616::HUGEINT + " + id + ")";
    }

    /** Rollups of several parts added up into one. */
    public static String rollupOfRollups(String rollups) {
        return "SELECT minute, level, fingerprint, sum(n)::BIGINT AS n, min(min_ts) AS min_ts, max(max_ts) AS max_ts, "
                + latest("sample", "max_ts", "last_id") + " AS sample, " + latest("last_id", "max_ts", "last_id")
                + " AS last_id FROM " + rollups + " GROUP BY ALL ORDER BY minute, level, fingerprint";
    }

    /** The {@code COPY ... TO} options of a part file. */
    public static final String PART_COPY_OPTIONS = "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE " + PartSchema.ROW_GROUP_SIZE + ")";

    /** The {@code COPY ... TO} options of a rollup file. */
    public static final String ROLLUP_COPY_OPTIONS = "(FORMAT parquet, COMPRESSION zstd)";

    /** Rows per Parquet row group: small enough that a time bound or row range skips most of a part. */
    public static final int ROW_GROUP_SIZE = 8192;

    private PartSchema() {
    }
}
