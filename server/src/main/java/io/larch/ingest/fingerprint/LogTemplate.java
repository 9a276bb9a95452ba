package io.larch.ingest.fingerprint;

/**
 * One group of messages and its template: the masked tokens, with {@link MessageMasker#VARIABLE}
 * where its messages differed. The fingerprint is fixed when the group is made (a hash of its
 * source and first masked message), so a template that generalizes later keeps it: counts and
 * alerts never have to follow a group to a new fingerprint.
 *
 * <p>Threading: the tokens are replaced (never changed in place) under the extractor's project
 * lock and read without it.
 */
public final class LogTemplate {
    private final String fingerprint;
    private final String source;
    private final long firstSeen;
    private final long serial;
    private volatile String[] tokens;
    /** The extractor's tick when a message last matched (for least-recently-used eviction). */
    volatile long lastUsed;

    LogTemplate(String fingerprint, String source, String[] tokens, long firstSeen, long serial, long tick) {
        this.fingerprint = fingerprint;
        this.serial = serial;
        this.source = source;
        this.tokens = tokens;
        this.firstSeen = firstSeen;
        this.lastUsed = tick;
    }

    public String fingerprint() {
        return fingerprint;
    }

    /** The source the group belongs to; null when its messages had none. */
    public String source() {
        return source;
    }

    /** When (epoch ms) the group was made. */
    public long firstSeen() {
        return firstSeen;
    }

    /**
     * The group's place in the order its project's groups were made (kept across restores):
     * between equally good groups a message goes to the one made first.
     */
    public long serial() {
        return serial;
    }

    /** The readable template, e.g. {@code Receiving block <*> src: <*> dest: <*>}. */
    public String text() {
        return String.join(" ", tokens);
    }

    String[] tokens() {
        return tokens;
    }

    void generalize(String[] wider) {
        tokens = wider;
    }
}
