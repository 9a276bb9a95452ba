package io.larch.search;

import io.larch.part.PartRecord;
import java.util.List;

/**
 * A part to read, and which rows: every row when {@code rowRanges} is empty, else only the
 * inclusive {@code [first, last]} row-number ranges (row groups the bloom filters could not rule
 * out). {@code exactRows}, when not null, are the only rows that can match (ascending, each inside
 * {@code rowRanges}): the part's postings of the query's {@code field:value} clauses.
 */
public record PartScan(PartRecord part, List<long[]> rowRanges, long[] exactRows) {
    public PartScan(PartRecord part, List<long[]> rowRanges) {
        this(part, rowRanges, null);
    }

    public boolean isWhole() {
        return rowRanges.isEmpty();
    }
}
