package io.larch.ingest.protocol.loki;

import io.larch.ingest.RejectedRequestException;
import io.larch.model.InvalidInputException;
import java.io.IOException;
import org.xerial.snappy.Snappy;

/** Snappy's block format, in which Loki's protobuf pushes always come (and JSON ones sent with Content-Encoding: snappy). */
public final class LokiSnappy {
    private LokiSnappy() {
    }

    /**
     * {@code compressed} uncompressed; refused with 413 before uncompressing when it would exceed
     * {@code maxBytes} (the block's header says how long it is), with 400 when it is not snappy.
     */
    public static byte[] uncompress(byte[] compressed, int maxBytes) {
        try {
            if (!Snappy.isValidCompressedBuffer(compressed)) {
                throw notSnappy();
            }
            int length = Snappy.uncompressedLength(compressed);
            if (length > maxBytes) {
                throw new RejectedRequestException(413, "the push uncompresses to " + (length / 1024) + " KB; at most "
                        + (maxBytes / 1024) + " KB are taken per request: send smaller batches");
            }
            return Snappy.uncompress(compressed);
        } catch (IOException e) {
            throw notSnappy();
        }
    }

    private static InvalidInputException notSnappy() {
        return new InvalidInputException("body is not snappy block-compressed, as a protobuf push must be"
                + " (for JSON send Content-Type: application/json)");
    }
}
