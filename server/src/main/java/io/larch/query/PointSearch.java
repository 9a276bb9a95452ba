package io.larch.query;

import io.larch.meta.PartRecord;
import io.larch.model.LogEvent;
import io.larch.storage.PartPointReader;
import io.larch.storage.PartRowGroup;
import io.larch.storage.PartSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Searches the few row groups the blooms leave for a rare word in Java, without DuckDB: each
 * row's text is tested for the query's words on its raw bytes, and only rows that pass become
 * events for the full matcher. DuckDB spends ~3-4 ms per row group it opens, this ~1.5 ms, and
 * the row groups are read in parallel. Used when the query requires words at its top level and
 * the blooms narrowed a part to at most {@link #MAX_ROW_GROUPS_PER_PART} row groups; a part this
 * reader cannot decode is read through DuckDB instead.
 */
final class PointSearch {
    private static final Logger LOG = LoggerFactory.getLogger(PointSearch.class);
    /** Beyond this a part is read through DuckDB, which skips row groups by their time statistics. */
    static final int MAX_ROW_GROUPS_PER_PART = 4;

    private final PartPointReader reader;
    /** Parts the reader failed on; they are read through DuckDB from then on. */
    private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
    private final LongAdder rowGroupsRead = new LongAdder();

    PointSearch(PartPointReader reader) {
        this.reader = reader;
    }

    /**
     * The words every match must contain somewhere in its message, source or stack: the tokens
     * of the top-level words and phrases, lowercase. Empty when the query has none, or only
     * non-ASCII ones (their Unicode lowercasing does not map byte for byte).
     */
    static byte[][] anchors(Query query) {
        List<Query> clauses = query instanceof Query.And and ? and.clauses() : List.of(query);
        List<byte[]> tokens = new ArrayList<>();
        for (Query clause : clauses) {
            List<String> words = switch (clause) {
                case Query.Word word -> List.of(word.token());
                case Query.Phrase phrase -> phrase.tokens();
                default -> List.of();
            };
            for (String word : words) {
                if (!word.isEmpty() && word.chars().allMatch(c -> c < 0x80)) {
                    tokens.add(word.getBytes(StandardCharsets.US_ASCII));
                }
            }
        }
        return tokens.toArray(new byte[0][]);
    }

    /** Row groups read here since start. */
    long rowGroupsRead() {
        return rowGroupsRead.sum();
    }

    /** Whether {@code scan} is narrow enough to read here. */
    boolean accepts(PartScan scan) {
        if (scan.isWhole() || unreadable.contains(scan.part().name())) {
            return false;
        }
        long rows = 0;
        for (long[] range : scan.rowRanges()) {
            rows += range[1] - range[0] + 1;
        }
        return rows <= (long) MAX_ROW_GROUPS_PER_PART * PartSchema.ROW_GROUP_SIZE;
    }

    /** The result of reading some scans: matching events, and scans to read through DuckDB instead. */
    record Result(List<LogEvent> events, List<PartScan> fallback) {
    }

    /** Reads {@code scans} (each {@link #accepts accepted}), the row groups in parallel. */
    Result read(List<PartScan> scans, byte[][] anchors, Predicate<LogEvent> matcher, QueryBudget budget) {
        /** Row group {@code rowGroup} of a scan, of which rows {@code [first, last]} of the part are wanted. */
        record Task(PartScan scan, int rowGroup, long first, long last) {
        }
        List<Task> tasks = new ArrayList<>();
        List<PartScan> fallback = new ArrayList<>();
        for (PartScan scan : scans) {
            try {
                List<Task> own = new ArrayList<>();
                for (long[] range : scan.rowRanges()) {
                    int last = reader.rowGroupOf(scan.part(), range[1]);
                    for (int group = reader.rowGroupOf(scan.part(), range[0]); group <= last; group++) {
                        own.add(new Task(scan, group, range[0], range[1]));
                    }
                }
                tasks.addAll(own);
            } catch (IOException e) {
                giveUp(scan.part(), e);
                fallback.add(scan);
            }
        }
        record Read(PartScan scan, List<LogEvent> events, boolean failed) {
        }
        List<Read> reads = tasks.parallelStream().map(task -> {
            budget.check();
            try {
                return new Read(task.scan(), matches(task.scan().part(), task.rowGroup(), task.first(), task.last(), anchors, matcher), false);
            } catch (IOException | UncheckedIOException e) {
                giveUp(task.scan().part(), e);
                return new Read(task.scan(), List.<LogEvent>of(), true);
            }
        }).toList();
        // A scan that failed in any row group is read whole through DuckDB; what it gave here is dropped.
        Set<PartScan> failed = new java.util.LinkedHashSet<>();
        reads.stream().filter(Read::failed).forEach(read -> failed.add(read.scan()));
        List<LogEvent> events = new ArrayList<>();
        reads.stream().filter(read -> !failed.contains(read.scan())).forEach(read -> events.addAll(read.events()));
        fallback.addAll(failed);
        return new Result(events, fallback);
    }

    /** Matches in rows {@code [first, last]} of the part that lie in row group {@code rowGroup}. */
    private List<LogEvent> matches(PartRecord part, int rowGroup, long first, long last, byte[][] anchors,
                                   Predicate<LogEvent> matcher) throws IOException {
        PartRowGroup rows = reader.rowGroup(part, rowGroup);
        rowGroupsRead.increment();
        int from = (int) Math.max(0, first - rows.firstRow());
        int to = (int) Math.min(rows.rows() - 1, last - rows.firstRow());
        try {
            List<LogEvent> found = new ArrayList<>();
            BitSet candidates = rows.textCandidates(anchors);
            for (int row = candidates.nextSetBit(from); row >= 0 && row <= to; row = candidates.nextSetBit(row + 1)) {
                LogEvent event = rows.event(row);
                if (matcher.test(event)) {
                    found.add(event);
                }
            }
            return found;
        } finally {
            rows.release();
        }
    }

    private void giveUp(PartRecord part, Exception e) {
        if (unreadable.add(part.name())) {
            LOG.warn("part {} cannot be point-read ({}); it is read through DuckDB", part.name(), e.getMessage());
        }
    }
}
