package io.larch.storage;

import io.larch.part.PartRecord;
import java.util.List;

/**
 * What a query reads: the published parts and the head segments not yet in them, taken at one
 * instant. Every event is in exactly one of the two (a seal swaps a head segment for its parts in
 * one step), so a query over a snapshot sees no duplicates and no gaps, except the events of
 * {@code quarantined} parts (whose files failed their checks): a query those could have answered
 * says it is partial.
 */
public record StoreSnapshot(List<PartRecord> parts, List<HeadSegment> head, List<PartRecord> quarantined) {
}
