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
 * @param archive         where its bytes are: local, in the archive, or both
 */
public record PartRecord(long id, String name, long projectId, Kind kind, PartState state, int nodeId, long minTs,
                         long maxTs, long maxId, long rowCount, long sizeBytes, int levels, long createdAt,
                         long checksum, long rollupChecksum, ArchiveState archive) {
    /** The checksum of a file written before Larch recorded checksums: it cannot be checked. */
    public static final long NO_CHECKSUM = -1;

    /** A part that exists only on local disk: what sealing and compaction write. */
    public PartRecord(long id, String name, long projectId, Kind kind, PartState state, int nodeId, long minTs,
                      long maxTs, long maxId, long rowCount, long sizeBytes, int levels, long createdAt,
                      long checksum, long rollupChecksum) {
        this(id, name, projectId, kind, state, nodeId, minTs, maxTs, maxId, rowCount, sizeBytes, levels, createdAt,
                checksum, rollupChecksum, ArchiveState.LOCAL);
    }

    public PartRecord withId(long newId) {
        return new PartRecord(newId, name, projectId, kind, state, nodeId, minTs, maxTs, maxId, rowCount, sizeBytes,
                levels, createdAt, checksum, rollupChecksum, archive);
    }

    public PartRecord withArchive(ArchiveState newArchive) {
        return new PartRecord(id, name, projectId, kind, state, nodeId, minTs, maxTs, maxId, rowCount, sizeBytes,
                levels, createdAt, checksum, rollupChecksum, newArchive);
    }

    /** Whether its Parquet file is only in the archive: a query reads it from the local cache. */
    public boolean isArchiveOnly() {
        return archive == ArchiveState.LOCAL_DELETED;
    }

    public boolean hasLevelAtLeast(int severity) {
        return (levels >>> severity) != 0;
    }
}
