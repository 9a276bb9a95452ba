package io.larch.model;

/**
 * A merge rule of one project: events whose fingerprint is {@code fingerprint} are stored under
 * {@code into} from the moment the rule exists (events stored before keep theirs; listings
 * group them). {@code madeBy} is who made it: an admin's identity, or {@code generalized} when
 * the template extractor widened a template into another group.
 */
public record FingerprintMerge(long projectId, String fingerprint, String into, long madeAt, String madeBy) {
    /** The {@link #madeBy} of the rules the template extractor makes itself. */
    public static final String GENERALIZED = "generalized";
}
