package io.larch.ingest;

/** Limits on one ingest request. They bound memory and latency per request; a client splits larger batches. */
public final class IngestLimits {
    public static final int MAX_BODY_BYTES = 512 * 1024;
    public static final int MAX_EVENTS = 250;
    public static final int MAX_MESSAGE_BYTES = 32 * 1024;
    public static final int MAX_STACK_BYTES = 64 * 1024;
    public static final int MAX_ID_CHARS = 256;
    public static final int MAX_ATTRS = 100;
    public static final int MAX_ATTR_KEY_CHARS = 128;
    public static final int MAX_ATTR_VALUE_CHARS = 4096;
    /** Events further in the future than this are rejected: almost always a clock or unit bug. */
    public static final long MAX_FUTURE_MILLIS = 24L * 60 * 60 * 1000;

    private IngestLimits() {
    }
}
