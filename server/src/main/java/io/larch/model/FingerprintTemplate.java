package io.larch.model;

/**
 * The readable template of a fingerprint, e.g. {@code Receiving block <*> src: <*> dest: <*>}:
 * what listings and alerts show instead of the hash. {@code source} may be null.
 */
public record FingerprintTemplate(long projectId, String fingerprint, String source, String template, long firstSeen,
                                  long updatedAt) {
}
