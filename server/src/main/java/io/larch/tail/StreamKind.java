package io.larch.tail;

/** What a live stream carries; metrics are kept per kind. */
public enum StreamKind {
    /** {@code GET /api/log/stream}: any events matching a query. */
    LOG("log"),
    /** {@code GET /api/work-log/stream}: one end user's work logs. */
    WORK_LOG("work_log");

    private final String wireName;

    StreamKind(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
