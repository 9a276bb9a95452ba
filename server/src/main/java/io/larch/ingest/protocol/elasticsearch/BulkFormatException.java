package io.larch.ingest.protocol.elasticsearch;

/**
 * The body is not a sequence of NDJSON action/document pairs; nothing of it is stored. The
 * message names the line and what was expected, in Elasticsearch's own wording where it has one.
 */
public final class BulkFormatException extends RuntimeException {
    public BulkFormatException(String message) {
        super(message);
    }
}
