package io.larch.part;

/** Where a part is in its life. Queries see only {@link #PUBLISHED} parts. */
public enum PartState {
    /** Complete, fsynced and visible to queries. */
    PUBLISHED,
    /** Replaced (by compaction) or deleted (by retention); its file may still be read by a running query. */
    RETIRED,
    /** Its file failed its checksum or could not be read; moved aside, never read by queries again. */
    QUARANTINED
}
