package io.larch.search;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.part.PartBlooms;
import io.larch.part.PartPostings;
import io.larch.part.PartRecord;
import io.larch.part.TokenBloom;
import io.larch.query.Query;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Chooses the parts a query must read, from what the catalog knows about each part (project,
 * kind, time span, levels), and orders them newest first. Only the top-level AND clauses of the
 * query are used for that: a condition under OR or NOT cannot rule a part out on its own. Then
 * the token bloom filters narrow each part to the row groups that may hold the query's words.
 */
public final class Planner {
    private static final Comparator<PartRecord> NEWEST_FIRST =
            Comparator.comparingLong(PartRecord::maxTs).thenComparingLong(PartRecord::maxId).reversed();

    private Planner() {
    }

    /** What the top-level conjunction of a query says about which events can match. */
    public record Bounds(Long projectId, Set<Kind> kinds, long fromMillis, long toMillis, int levelMask,
                  Query.OlderThan olderThan, long idAbove) {

        boolean admits(PartRecord part) {
            return (projectId == null || part.projectId() == projectId)
                    && kinds.contains(part.kind())
                    && part.maxTs() >= fromMillis && part.minTs() < toMillis
                    && (part.levels() & levelMask) != 0
                    && (olderThan == null || part.minTs() <= olderThan.ts())
                    && part.maxId() > idAbove;
        }
    }

    /** Parts that may hold matches by their catalog stats, newest first. */
    public static List<PartRecord> candidateParts(List<PartRecord> parts, Query query) {
        Bounds bounds = bounds(query);
        return parts.stream().filter(bounds::admits).sorted(NEWEST_FIRST).toList();
    }

    /**
     * What to read, newest first: the candidate parts, each narrowed to the row groups whose token
     * bloom filters admit the query's words. Parts where no row group can match are left out.
     */
    public static List<PartScan> plan(List<PartRecord> parts, Query query, PartBlooms blooms) {
        TextRequirements requirements = TextRequirements.of(query);
        long[] exactValues = exactValueHashes(query);
        List<PartScan> scans = new ArrayList<>();
        for (PartRecord part : candidateParts(parts, query)) {
            PartPostings postings = exactValues.length == 0 ? null : blooms.postings(part);
            if (postings != null) {
                long[] rows = rowsWithEvery(postings, exactValues);
                PartScan scan = rows.length == 0 ? null
                        : exact(part, rows, requirements == null ? null : blooms.get(part), requirements);
                if (scan != null) {
                    scans.add(scan);
                }
                continue;
            }
            TokenBloom bloom = requirements == null ? null : blooms.get(part);
            if (bloom == null) {
                scans.add(new PartScan(part, List.of()));
                continue;
            }
            List<long[]> ranges = new ArrayList<>();
            boolean all = true;
            for (int block = 0; block < bloom.blocks(); block++) {
                if (!requirements.mayMatch(bloom, block)) {
                    all = false;
                    continue;
                }
                long first = bloom.firstRow(block);
                long last = first + bloom.rowCount(block) - 1;
                if (!ranges.isEmpty() && ranges.getLast()[1] == first - 1) {
                    ranges.getLast()[1] = last;
                } else {
                    ranges.add(new long[] {first, last});
                }
            }
            if (all) {
                scans.add(new PartScan(part, List.of()));
            } else if (!ranges.isEmpty()) {
                scans.add(new PartScan(part, ranges));
            }
        }
        return scans;
    }

    /**
     * The scan of the part's {@code rows} (its postings of the query's exact values), narrowed to
     * the bloom blocks that admit the rest of the query; its ranges are those blocks (or, without
     * blooms, the span of the rows), for a reader that cannot take single rows.
     */
    private static PartScan exact(PartRecord part, long[] rows, TokenBloom bloom, TextRequirements requirements) {
        if (bloom == null) {
            return new PartScan(part, List.<long[]>of(new long[] {rows[0], rows[rows.length - 1]}), rows);
        }
        List<long[]> ranges = new ArrayList<>();
        long[] kept = new long[rows.length];
        int keptCount = 0;
        int block = 0;
        for (long row : rows) {
            while (block < bloom.blocks() && row >= bloom.firstRow(block) + bloom.rowCount(block)) {
                block++;
            }
            if (block == bloom.blocks() || row < bloom.firstRow(block) || !requirements.mayMatch(bloom, block)) {
                continue;
            }
            kept[keptCount++] = row;
            long first = bloom.firstRow(block);
            if (ranges.isEmpty() || ranges.getLast()[0] != first) {
                ranges.add(new long[] {first, first + bloom.rowCount(block) - 1});
            }
        }
        return keptCount == 0 ? null : new PartScan(part, ranges, Arrays.copyOf(kept, keptCount));
    }

    /** The rows holding every one of {@code keys} (a sorted intersection, starting from the rarest). */
    private static long[] rowsWithEvery(PartPostings postings, long[] keys) {
        long[] byCount = Arrays.stream(keys).boxed().sorted(Comparator.comparingInt(postings::count))
                .mapToLong(Long::longValue).toArray();
        long[] rows = postings.rows(byCount[0]);
        for (int k = 1; k < byCount.length && rows.length > 0; k++) {
            long[] other = postings.rows(byCount[k]);
            long[] both = new long[Math.min(rows.length, other.length)];
            int n = 0;
            for (int i = 0, j = 0; i < rows.length && j < other.length; ) {
                if (rows[i] < other[j]) {
                    i++;
                } else if (rows[i] > other[j]) {
                    j++;
                } else {
                    both[n++] = rows[i];
                    i++;
                    j++;
                }
            }
            rows = Arrays.copyOf(both, n);
        }
        return rows;
    }

    /**
     * The {@link TokenBloom#fieldHash} of each top-level {@code field:value} on a posted field:
     * every match has each of these values, so postings of any of them hold every match.
     */
    static long[] exactValueHashes(Query query) {
        List<Query> clauses = query instanceof Query.And and ? and.clauses() : List.of(query);
        return clauses.stream()
                .filter(c -> c instanceof Query.FieldEquals equals
                        && TokenBloom.POSTED_FIELDS.contains(equals.field().column()))
                .mapToLong(c -> {
                    Query.FieldEquals equals = (Query.FieldEquals) c;
                    return TokenBloom.fieldHash(equals.field().column(), equals.value());
                })
                .toArray();
    }

    public static Bounds bounds(Query query) {
        List<Query> clauses = query instanceof Query.And and ? and.clauses() : List.of(query);
        Long projectId = null;
        Set<Kind> kinds = EnumSet.allOf(Kind.class);
        long from = Long.MIN_VALUE;
        long to = Long.MAX_VALUE;
        int levelMask = (1 << Level.values().length) - 1;
        Query.OlderThan olderThan = null;
        long idAbove = Long.MIN_VALUE;
        for (Query clause : clauses) {
            switch (clause) {
                case Query.ProjectIs project -> projectId = project.projectId();
                case Query.KindIn in -> kinds.retainAll(in.kinds());
                case Query.TimeWithin within -> {
                    from = Math.max(from, within.fromMillis());
                    to = Math.min(to, within.toMillis());
                }
                case Query.LevelIn in -> levelMask &= mask(in.levels());
                case Query.LevelCompare compare -> {
                    int compareMask = 0;
                    for (Level level : Level.values()) {
                        if (compare.comparison().test(level.severity(), compare.level().severity())) {
                            compareMask |= 1 << level.severity();
                        }
                    }
                    levelMask &= compareMask;
                }
                case Query.OlderThan older -> olderThan = older;
                case Query.IdAbove above -> idAbove = Math.max(idAbove, above.id());
                default -> {
                }
            }
        }
        return new Bounds(projectId, kinds, from, to, levelMask, olderThan, idAbove);
    }

    private static int mask(Set<Level> levels) {
        int mask = 0;
        for (Level level : levels) {
            mask |= 1 << level.severity();
        }
        return mask;
    }
}
