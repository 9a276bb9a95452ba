package io.larch.lifecycle;

import java.util.Locale;

/** Where a part stands in its project's retention, by the age of its newest event. */
public enum Tier {
    /** Recent: local, still being compacted. */
    HOT,
    /** Compacted, local. */
    WARM,
    /** In object storage (fetched back into the cache when a query needs it). */
    COLD,
    /** Past the retention: deleted. */
    EXPIRED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
