package io.larch.model;

/**
 * A merge rule of one project: events whose fingerprint is {@code fingerprint} are stored under
 * {@code into} from the moment the rule exists (events stored before keep theirs; listings
 * group them). {@code madeBy} is the admin's identity. A
 * template that generalizes keeps its fingerprint, so the extractor never needs a rule of its own.
 */
public record FingerprintMerge(long projectId, String fingerprint, String into, long madeAt, String madeBy) {
}
