package io.larch.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.larch.model.Kind;
import io.larch.part.PartRecord;
import io.larch.part.PartState;
import java.util.List;
import java.util.Set;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The part catalog, on each backend: what is published, sealed and retired, and that each change
 * is one transaction.
 */
abstract class PartRepositoryContract extends MetadataContract {
    PartRepository parts;

    @Override
    void openRepositories() {
        parts = new PartRepository(database);
    }

    @Test
    void publishingSealedPartsRecordsTheirSegmentsInTheSameStep() {
        List<PartRecord> published = parts.publishSealed(List.of(part("a", 0, 100), part("b", 0, 250)), 0, List.of(7L, 8L), 1000);
        assertEquals(List.of("a", "b"), parts.listPublished().stream().map(PartRecord::name).toList());
        assertEquals(2, published.stream().map(PartRecord::id).distinct().filter(id -> id > 0).count(), "ids assigned");
        assertEquals(Set.of(7L, 8L), parts.sealedSegmentIds(0));
        assertEquals(Set.of(), parts.sealedSegmentIds(1), "segments are per node");
        assertEquals(Set.of("a", "b"), parts.namesOnNode(0));
        assertEquals(250, parts.maxEventId(0));
        assertEquals(0, parts.maxEventId(1));
    }

    @Test
    void aFailedSealPublishesNothing() {
        parts.publishSealed(List.of(part("a", 0, 1)), 0, List.of(1L), 1000);
        // The same segment sealed again violates the catalog's key: the whole step is rolled back.
        assertThrows(RuntimeException.class, () -> parts.publishSealed(List.of(part("c", 0, 2)), 0, List.of(1L), 1001));
        assertEquals(List.of("a"), parts.listPublished().stream().map(PartRecord::name).toList());
    }

    @Test
    void compactionRetiresItsInputsAndPublishesTheMergeTogether() {
        List<PartRecord> inputs = parts.publishSealed(List.of(part("a", 0, 1), part("b", 0, 2)), 0, List.of(1L), 1000);
        PartRecord merged = parts.publishCompacted(inputs, part("ab", 0, 2), 2000);
        assertEquals(List.of("ab"), parts.listPublished().stream().map(PartRecord::name).toList());
        assertEquals(List.of("a", "b"), parts.listRetired(0, 2000).stream().map(PartRecord::name).toList());
        assertEquals(List.of(), parts.listRetired(0, 1999), "retired at 2000, not before");
        // Inputs that are no longer published (a second merge of the same parts) change nothing.
        assertThrows(RuntimeException.class, () -> parts.publishCompacted(inputs, part("ab2", 0, 2), 3000));
        assertEquals(List.of(merged.id()), parts.listPublished().stream().map(PartRecord::id).toList());
        parts.deleteRetired(inputs.getFirst().id());
        assertEquals(List.of("b"), parts.listRetired(0, 5000).stream().map(PartRecord::name).toList());
    }

    @Test
    void checksumsAreKeptAndAQuarantinedPartLeavesThePublishedOnes() {
        List<PartRecord> published = parts.publishSealed(List.of(part("a", 0, 1), part("b", 0, 2)), 0, List.of(1L), 1000);
        assertEquals(0x1234, parts.listPublished().getFirst().checksum());
        assertEquals(PartRecord.NO_CHECKSUM, parts.listPublished().getFirst().rollupChecksum());
        assertEquals(true, parts.quarantine(published.getFirst().id(), "checksum mismatch"));
        assertEquals(false, parts.quarantine(published.getFirst().id(), "again"), "only a published part");
        assertEquals(List.of("b"), parts.listPublished().stream().map(PartRecord::name).toList());
        List<PartRepository.Quarantined> quarantined = parts.listQuarantined();
        assertEquals(List.of("a"), quarantined.stream().map(q -> q.part().name()).toList());
        assertEquals("checksum mismatch", quarantined.getFirst().reason());
        assertEquals(PartState.QUARANTINED, quarantined.getFirst().part().state());
    }

    /** Retention's lookup: a part is due once its newest event is at or before its project's cutoff, touching ends included. */
    @Test
    void partsEndedByTheirProjectsCutoffAreDueTouchingEndsIncluded() {
        List<PartRecord> published = parts.publishSealed(List.of(
                spanning("touches", 1, 100, 1000), spanning("after", 1, 100, 1001), spanning("point", 1, 1000, 1000),
                spanning("old", 1, -5000, -4000), spanning("straddles", 1, 999, 5000),
                spanning("other-project", 2, 0, 1500), spanning("other-recent", 2, 1600, 1700)), 0, List.of(1L), 1);
        parts.quarantine(published.get(3).id(), "damaged");
        LongUnaryOperator cutoffs = projectId -> projectId == 1 ? 1000 : 1500;
        assertEquals(List.of("touches", "point", "other-project"), names(parts.listPublishedEndedBy(cutoffs)),
                "by project, oldest data first; not quarantined, not past the cutoff by 1 ms");
        assertEquals(List.of(), names(parts.listPublishedEndedBy(projectId -> Long.MIN_VALUE / 2)));
        assertEquals(6, parts.listPublishedEndedBy(projectId -> Long.MAX_VALUE / 2).size(), "an open end: every published part");
        PartRecord due = parts.listPublishedEndedBy(cutoffs).getFirst();
        assertEquals(published.getFirst(), due, "read back whole");
    }

    static List<String> names(List<PartRecord> records) {
        return records.stream().map(PartRecord::name).toList();
    }

    static PartRecord spanning(String name, long projectId, long minTs, long maxTs) {
        return new PartRecord(0, name, projectId, Kind.APP, PartState.PUBLISHED, 0, minTs, maxTs, 1, 5, 100, 1 << 2, 1000,
                0x1234, PartRecord.NO_CHECKSUM);
    }

    static PartRecord part(String name, int nodeId, long maxId) {
        return new PartRecord(0, name, 1, Kind.APP, PartState.PUBLISHED, nodeId, 10, 20, maxId, 5, 100, 1 << 2, 1000,
                0x1234, PartRecord.NO_CHECKSUM);
    }
}
