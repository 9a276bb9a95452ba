package io.larch.part;

import java.util.Locale;

/**
 * Where a part's bytes are, on a different axis from {@link PartState} (whether queries see it).
 * The archiver moves a part forward one step at a time, each step one catalog update, so a crash
 * between steps leaves a state the next run continues from.
 */
public enum ArchiveState {
    /** Only the local file exists (hot and warm parts). */
    LOCAL,
    /** Upload under way; the object may be absent, partial or whole: the next run uploads it again. */
    ARCHIVING,
    /** The object is verified in the archive; the local file stays for the local grace period. */
    ARCHIVED,
    /** Only the archive holds the rows; queries fetch the object into the local cache. The sidecars stay local. */
    LOCAL_DELETED,
    /** Removed everywhere (retention or erase); the row stays as a tombstone. */
    DELETED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ArchiveState parse(String wireName) {
        return valueOf(wireName.toUpperCase(Locale.ROOT));
    }

    /** Whether the archive holds (or may hold) objects of the part that deleting it must remove. */
    public boolean mayHaveObjects() {
        return this == ARCHIVING || this == ARCHIVED || this == LOCAL_DELETED;
    }
}
