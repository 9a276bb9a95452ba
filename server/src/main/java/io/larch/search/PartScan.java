package io.larch.search;

import io.larch.part.PartRecord;
import java.util.List;

/**
 * A part to read, and which rows: every row when {@code rowRanges} is empty, else only the
 * inclusive {@code [first, last]} row-number ranges (row groups the bloom filters could not rule out).
 */
public record PartScan(PartRecord part, List<long[]> rowRanges) {
    public boolean isWhole() {
        return rowRanges.isEmpty();
    }
}
