package io.larch.storage;

import io.larch.part.PartRecord;

/**
 * Brings back the Parquet file of a part that lives only in the archive, into the local cache
 * ({@code PartFiles.path(part)}), before a query reads it. The lifecycle implements it over the
 * object store; without an archive it is {@link #NONE}.
 *
 * <p>Thread-safe; {@link #fetch} may block while it downloads (within the query's time), and two
 * queries asking for the same part download it once.
 */
public interface ColdParts {
    /** No archive: an archive-only part cannot be read now (queries say they are partial). */
    ColdParts NONE = new ColdParts() {
        @Override
        public PartIntegrity.Check fetch(PartRecord part, boolean again) {
            return PartIntegrity.Check.UNKNOWN;
        }
    };

    /**
     * Makes the cached copy of {@code part} present and whole ({@code again}: download it anew
     * even if a copy is cached, after a read of it failed). Answers {@link PartIntegrity.Check#WHOLE}
     * when the copy matches the part's checksum; {@link PartIntegrity.Check#DAMAGED} when the archive has no
     * such object or its bytes do not match (the part is then quarantined); {@link PartIntegrity.Check#UNKNOWN}
     * when the archive cannot be reached now (the query skips the part and says it is partial).
     */
    PartIntegrity.Check fetch(PartRecord part, boolean again);

    /** Archive-only parts read from the cache or the archive since start, for metrics. */
    default long partsServed() {
        return 0;
    }
}
