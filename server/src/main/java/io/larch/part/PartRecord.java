package io.larch.part;

import io.larch.model.Kind;

/**
 * One row of the part catalog: a Parquet file holding one project's events of one kind, sorted by
 * time, with the stats the planner prunes by.
 *
 * @param id      catalog id, 0 before the part is published
 * @param name    file name, unique across nodes
 * @param levels  bitmask of the levels present: bit n set means severity n occurs
 */
public record PartRecord(long id, String name, long projectId, Kind kind, PartState state, int nodeId, long minTs,
                         long maxTs, long maxId, long rowCount, long sizeBytes, int levels, long createdAt) {

    public PartRecord withId(long newId) {
        return new PartRecord(newId, name, projectId, kind, state, nodeId, minTs, maxTs, maxId, rowCount, sizeBytes,
                levels, createdAt);
    }

    public boolean hasLevelAtLeast(int severity) {
        return (levels >>> severity) != 0;
    }
}
