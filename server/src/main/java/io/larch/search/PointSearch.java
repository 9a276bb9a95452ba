package io.larch.search;

import io.larch.model.LogEvent;
import io.larch.part.PartColumns;
import io.larch.part.PartPointReader;
import io.larch.part.PartRecord;
import io.larch.part.PartRowGroup;
import io.larch.part.PartSchema;
import io.larch.part.TokenBloom;
import io.larch.query.EventMatcher;
import io.larch.query.Query;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashSet;
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
    /** Row groups read at once: enough to keep both cores busy, few enough to stop soon after a page fills. */
    private static final int TASKS_PER_WAVE = 4;

    private final PartPointReader reader;
    /** Parts the reader failed on; they are read through DuckDB from then on. */
    private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
    private final LongAdder rowGroupsRead = new LongAdder();

    PointSearch(PartPointReader reader) {
        this.reader = reader;
    }

    /**
     * What every match must contain: {@code tokens} somewhere in its message, source or stack
     * (the lowercase tokens of the query's top-level words and phrases; non-ASCII ones are left
     * out, their Unicode lowercasing does not map byte for byte), and {@code values} exactly in
     * their columns (top-level {@code field:value} on a column of its own, such as {@code user:}).
     */
    record Anchors(byte[][] tokens, List<ExactValue> values) {
        boolean isEmpty() {
            return tokens.length == 0 && values.isEmpty();
        }
    }

    /** A column that must hold exactly {@code value} (UTF-8). */
    record ExactValue(String column, byte[] value) {
    }

    static Anchors anchors(Query query) {
        List<Query> clauses = query instanceof Query.And and ? and.clauses() : List.of(query);
        List<byte[]> tokens = new ArrayList<>();
        List<ExactValue> values = new ArrayList<>();
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
            if (clause instanceof Query.FieldEquals equals && TokenBloom.INDEXED_FIELDS.contains(equals.field().column())) {
                values.add(new ExactValue(equals.field().column(), equals.value().getBytes(StandardCharsets.UTF_8)));
            }
        }
        return new Anchors(tokens.toArray(new byte[0][]), List.copyOf(values));
    }

    /** Row groups read here since start. */
    long rowGroupsRead() {
        return rowGroupsRead.sum();
    }

    /**
     * Whether {@code scan} is for here: narrowed by the blooms, and either to a few row groups or
     * with an exact column value to test rows by (that test is cheap however many row groups; a
     * word in many row groups usually matches many rows, which DuckDB reads faster).
     */
    boolean accepts(PartScan scan, Anchors anchors) {
        if (anchors.isEmpty() || scan.isWhole() || unreadable.contains(scan.part().name())) {
            return false;
        }
        if (!anchors.values().isEmpty() || scan.exactRows() != null) {
            return true;
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

    /**
     * Row group {@code rowGroup} of a scan, of which rows {@code [first, last]} of the part are
     * wanted, or exactly {@code exactRows} (part row numbers in this group) when not null.
     */
    private record Task(PartScan scan, int rowGroup, long first, long last, long maxTs, long[] exactRows) {
    }

    /**
     * Reads {@code scans} (each {@link #accepts accepted}): the row groups newest first, a few at
     * a time in parallel, until the page is full and no row group left can place an event on it.
     */
    Result read(List<PartScan> scans, Anchors anchors, Query query, int limit, QueryBudget budget) {
        Predicate<LogEvent> matcher = EventMatcher.compile(query);
        long from = Planner.bounds(query).fromMillis();
        List<Task> tasks = new ArrayList<>();
        List<PartScan> fallback = new ArrayList<>();
        for (PartScan scan : scans) {
            try {
                tasks.addAll(tasks(scan, from));
            } catch (IOException e) {
                giveUp(scan.part(), e);
                fallback.add(scan);
            }
        }
        tasks.sort(Comparator.comparingLong(Task::maxTs).reversed());
        List<Read> reads = new ArrayList<>();
        List<LogEvent> found = new ArrayList<>();
        for (int next = 0; next < tasks.size(); next += TASKS_PER_WAVE) {
            if (found.size() >= limit) {
                found.sort(LogEvent::compareNewestFirst);
                if (tasks.get(next).maxTs() < found.get(limit - 1).ts()) {
                    break;
                }
            }
            List<Read> wave = tasks.subList(next, Math.min(tasks.size(), next + TASKS_PER_WAVE)).parallelStream().map(task -> {
                budget.check();
                try {
                    return new Read(task.scan(), matches(task, anchors, matcher, limit), false);
                } catch (IOException | UncheckedIOException e) {
                    giveUp(task.scan().part(), e);
                    return new Read(task.scan(), List.<LogEvent>of(), true);
                }
            }).toList();
            reads.addAll(wave);
            found = eventsOfWholeScans(reads);
        }
        fallback.addAll(failedScans(reads));
        return new Result(found, fallback);
    }

    /** One task's outcome; {@code failed} when its row group could not be read. */
    private record Read(PartScan scan, List<LogEvent> events, boolean failed) {
    }

    private static Set<PartScan> failedScans(List<Read> reads) {
        Set<PartScan> failed = new LinkedHashSet<>();
        reads.stream().filter(Read::failed).forEach(read -> failed.add(read.scan()));
        return failed;
    }

    /**
     * The events read from scans none of whose row groups failed: a scan that failed anywhere is
     * read whole through DuckDB, so what it gave here is dropped (and sets no floor).
     */
    private static List<LogEvent> eventsOfWholeScans(List<Read> reads) {
        Set<PartScan> failed = failedScans(reads);
        List<LogEvent> events = new ArrayList<>();
        reads.stream().filter(read -> !failed.contains(read.scan())).forEach(read -> events.addAll(read.events()));
        return events;
    }

    /**
     * The tasks of one scan: its row groups that its ranges (or exact rows) touch and that are
     * not wholly older than the query's time bound {@code from} (the page's oldest event, once full).
     */
    private List<Task> tasks(PartScan scan, long from) throws IOException {
        List<Task> tasks = new ArrayList<>();
        List<PartPointReader.RowGroupSpan> spans = reader.rowGroupSpans(scan.part());
        if (scan.exactRows() != null) {
            long[] rows = scan.exactRows();
            int start = 0;
            while (start < rows.length) {
                int group = reader.rowGroupOf(scan.part(), rows[start]);
                PartPointReader.RowGroupSpan span = spans.get(group);
                int end = start;
                while (end < rows.length && rows[end] < span.firstRow() + span.rows()) {
                    end++;
                }
                if (span.maxTs() >= from) {
                    tasks.add(new Task(scan, group, rows[start], rows[end - 1], span.maxTs(),
                            Arrays.copyOfRange(rows, start, end)));
                }
                start = end;
            }
            return tasks;
        }
        for (long[] range : scan.rowRanges()) {
            int last = reader.rowGroupOf(scan.part(), range[1]);
            for (int group = reader.rowGroupOf(scan.part(), range[0]); group <= last; group++) {
                if (spans.get(group).maxTs() >= from) {
                    tasks.add(new Task(scan, group, range[0], range[1], spans.get(group).maxTs(), null));
                }
            }
        }
        return tasks;
    }

    /**
     * The newest {@code limit} matches among the task's rows. Candidate rows are visited newest
     * first (by ts and id, read from their columns), so a common word builds about {@code limit}
     * events, not thousands.
     */
    private List<LogEvent> matches(Task task, Anchors anchors, Predicate<LogEvent> matcher, int limit)
            throws IOException {
        PartRowGroup rows = reader.rowGroup(task.scan().part(), task.rowGroup());
        rowGroupsRead.increment();
        int from = (int) Math.max(0, task.first() - rows.firstRow());
        int to = (int) Math.min(rows.rows() - 1, task.last() - rows.firstRow());
        try {
            BitSet candidates = new BitSet(rows.rows());
            if (task.exactRows() != null) {
                // The postings already hold the exact values; only the words are left to test,
                // and only the pages from the first of these rows on are decompressed.
                for (long row : task.exactRows()) {
                    candidates.set((int) (row - rows.firstRow()));
                }
                rows.readRowsBetween((int) (task.exactRows()[0] - rows.firstRow()),
                        (int) (task.exactRows()[task.exactRows().length - 1] - rows.firstRow()));
            } else {
                candidates.set(from, to + 1);
                for (ExactValue value : anchors.values()) {
                    candidates.and(rows.valueCandidates(value.column(), value.value()));
                }
            }
            if (anchors.tokens().length > 0 && !candidates.isEmpty()) {
                candidates.and(rows.textCandidates(anchors.tokens()));
            }
            int[] order = candidates.stream().toArray();
            if (order.length > limit) {
                order = newestFirst(order, rows.timestamps(), rows.longs(PartColumns.ID));
            }
            List<LogEvent> found = new ArrayList<>();
            for (int i = 0; i < order.length && found.size() < limit; i++) {
                LogEvent event = rows.event(order[i]);
                if (matcher.test(event)) {
                    found.add(event);
                }
            }
            return found;
        } finally {
            rows.release();
        }
    }

    /** {@code rows} ordered newest first by (ts, id). */
    private static int[] newestFirst(int[] rows, long[] ts, long[] ids) {
        return Arrays.stream(rows).boxed()
                .sorted((a, b) -> ts[a] != ts[b] ? Long.compare(ts[b], ts[a]) : Long.compare(ids[b], ids[a]))
                .mapToInt(Integer::intValue).toArray();
    }

    private void giveUp(PartRecord part, Exception e) {
        if (unreadable.add(part.name())) {
            LOG.warn("part {} cannot be point-read ({}); it is read through DuckDB", part.name(), e.getMessage());
        }
    }
}
