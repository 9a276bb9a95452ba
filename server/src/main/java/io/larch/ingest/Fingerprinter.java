package io.larch.ingest;

/**
 * Groups events by what they are rather than their specifics: "order 123 failed" and "order 124
 * failed" get the same fingerprint. Implementations are deterministic and thread-safe.
 */
public interface Fingerprinter {

    /**
     * The fingerprint of an event of {@code projectId} without a client-supplied one.
     * {@code source} and {@code stack} may be null.
     */
    String fingerprint(long projectId, String source, String message, String stack);
}
