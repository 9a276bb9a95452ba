package io.larch.model;

/**
 * The readable template of a fingerprint, e.g. {@code Receiving block <*> src: <*> dest: <*>}:
 * what listings and alerts show instead of the hash. {@code source} may be null; {@code serial}
 * is the group's place in the order its project's groups were made (the extractor needs it back).
 */
public record FingerprintTemplate(long projectId, String fingerprint, String source, String template, long firstSeen,
                                  long serial, long updatedAt) {
}
