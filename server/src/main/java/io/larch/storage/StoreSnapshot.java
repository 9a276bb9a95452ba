package io.larch.storage;

import io.larch.part.PartRecord;
import java.util.List;

/**
 * What a query reads: the published parts and the head segments not yet in them, taken at one
 * instant. Every event is in exactly one of the two (a seal swaps a head segment for its parts in
 * one step), so a query over a snapshot sees no duplicates and no gaps.
 */
public record StoreSnapshot(List<PartRecord> parts, List<HeadSegment> head) {
}
