package io.larch.ingest.protocol.otlp;

/** The body is not an {@code ExportLogsServiceRequest} in the encoding it claims; the message says what was wrong. */
public final class OtlpDecodeException extends Exception {
    public OtlpDecodeException(String message) {
        super(message);
    }
}
