package io.larch.ingest;

/** Limits on one ingest request. They bound memory and latency per request; a client splits larger batches. */
public final class IngestLimits {
    public static final int MAX_BODY_BYTES = 512 * 1024;
    public static final int MAX_EVENTS = 250;
    /**
     * Records one protocol request (OTLP, Loki) may hold: checked while decoding, before events are
     * built, so a small compressed body of empty records cannot fill the heap. Exporters send
     * 512-8,192; a larger request is a 413 telling them to lower their batch size.
     */
    public static final int MAX_PROTOCOL_RECORDS = 20_000;

    /** The 413 for a protocol request over {@link #MAX_PROTOCOL_RECORDS}. */
    public static RejectedRequestException tooManyRecords(String what) {
        return new RejectedRequestException(413, "more than " + MAX_PROTOCOL_RECORDS + " " + what
                + " in one request: lower the shipper's batch size");
    }
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
