package io.larch.part;

import io.larch.model.Kind;

/**
 * One row of the part catalog: a Parquet file holding one project's events of one kind, sorted by
 * time, with the stats the planner prunes by.
 *
 * @param id      catalog id, 0 before the part is published
 * @param name    file name, unique across nodes
 * @param levels          bitmask of the levels present: bit n set means severity n occurs
 * @param checksum        CRC32C of the Parquet file, or {@link #NO_CHECKSUM} for parts written before checksums
 * @param rollupChecksum  CRC32C of the rollup file, or {@link #NO_CHECKSUM}
 */
public record PartRecord(long id, String name, long projectId, Kind kind, PartState state, int nodeId, long minTs,
                         long maxTs, long maxId, long rowCount, long sizeBytes, int levels, long createdAt,
                         long checksum, long rollupChecksum) {
    /** The checksum of a file written before Larch recorded checksums: it cannot be checked. */
    public static final long NO_CHECKSUM = -1;

    public PartRecord withId(long newId) {
        return new PartRecord(newId, name, projectId, kind, state, nodeId, minTs, maxTs, maxId, rowCount, sizeBytes,
                levels, createdAt, checksum, rollupChecksum);
    }

    public boolean hasLevelAtLeast(int severity) {
        return (levels >>> severity) != 0;
    }
}
