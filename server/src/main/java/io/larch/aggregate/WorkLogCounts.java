package io.larch.aggregate;

import io.larch.model.EventId;
import io.larch.model.LogEvent;
import io.larch.model.WorkLogFields;
import io.larch.part.DuckDbEngine;
import io.larch.part.PartBlooms;
import io.larch.part.PartColumns;
import io.larch.part.PartFiles;
import io.larch.part.PartRecord;
import io.larch.query.CompiledSql;
import io.larch.query.Query;
import io.larch.query.SqlCompiler;
import io.larch.search.HeadScan;
import io.larch.search.PartScan;
import io.larch.search.PartSql;
import io.larch.search.Planner;
import io.larch.search.QueryBudget;
import io.larch.storage.EventStore;
import io.larch.storage.PartIntegrity;
import io.larch.storage.StoreSnapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Work-log entries counted per UTC day of their creation, by type and <em>latest</em> status: a
 * tool call created {@code working} and updated to {@code success} counts once, as success, on
 * the day it was created. An entry is its first event (no {@link WorkLogFields#ENTRY_ID}); its
 * updates name it in that attribute; the latest is the one with the highest id.
 *
 * <p>Three steps, so that memory holds only what the head holds and the parts are counted in SQL:
 * <ol>
 * <li>The head in Java: each entry's latest update, and the entries created there counted with it
 *     (their updates are in the head too: events are sealed oldest segment first).</li>
 * <li>The parts in one DuckDB statement: entries created there, joined to their latest update
 *     there, grouped by day, type and status (a few rows whatever the number of entries).</li>
 * <li>Entries created in parts and updated in the head since: looked up in the parts by id (a
 *     thousand per statement) and moved from their part status to their head one.</li>
 * </ol>
 * Before and after a seal the same events are counted the same way, so the answer agrees.
 * Updates are read from {@code from} on with no upper bound: an entry counts its latest status
 * even when that came after {@code to}. Thread-safe (no state).
 */
final class WorkLogCounts {
    static final long DAY_MILLIS = 86_400_000L;
    private static final int IN_LIST_CHUNK = 1000;
    /** The id column in the 13-character text form of {@link EventId#format}, so it joins to entryId attrs. */
    static final String ID_TEXT = IntStream.rangeClosed(0, EventId.TEXT_LENGTH - 1)
            .mapToObj(i -> "substr('" + EventId.DIGITS + "', CAST((" + PartColumns.ID + " >> " + 5 * (EventId.TEXT_LENGTH - 1 - i)
                    + ") & 31 AS INTEGER) + 1, 1)")
            .collect(Collectors.joining(" || "));

    private final EventStore store;
    private final DuckDbEngine engine;
    private final PartFiles partFiles;
    private final PartBlooms blooms;
    private final PartIntegrity integrity;

    WorkLogCounts(EventStore store, DuckDbEngine engine, PartFiles partFiles, PartBlooms blooms, PartIntegrity integrity) {
        this.store = store;
        this.engine = engine;
        this.partFiles = partFiles;
        this.blooms = blooms;
        this.integrity = integrity;
    }

    /** The latest update of an entry seen so far. */
    private record Latest(long id, String status) {
        static Latest newer(Latest a, Latest b) {
            return a.id >= b.id ? a : b;
        }
    }

    /** One cell of the answer. */
    private record Cell(long day, String logType, String status) {
    }

    /** Counts the entries of {@code scope} (project, kind work, maybe a user) created in {@code [from, to)}. */
    Aggregations.WorkLogStats count(Query scope, long fromMillis, long toMillis, QueryBudget budget) {
        StoreSnapshot snapshot = store.snapshot();
        Query created = Query.and(List.of(scope, new Query.Not(new Query.AttrExists(WorkLogFields.ENTRY_ID)),
                new Query.TimeWithin(fromMillis, toMillis)));
        Query updated = Query.and(List.of(scope, new Query.AttrExists(WorkLogFields.ENTRY_ID),
                new Query.TimeWithin(fromMillis, Long.MAX_VALUE)));
        Map<Cell, Long> counts = new HashMap<>();
        Map<String, Latest> headUpdates = new HashMap<>();
        HeadScan.forEachMatch(snapshot, updated, budget, event ->
                headUpdates.merge(WorkLogFields.entryId(event), new Latest(event.id(), event.status()), Latest::newer));
        Set<String> createdInHead = new HashSet<>();
        HeadScan.forEachMatch(snapshot, created, budget, event -> {
            String entry = EventId.format(event.id());
            createdInHead.add(entry);
            Latest latest = headUpdates.get(entry);
            String status = latest != null && latest.id() > event.id() ? latest.status() : event.status();
            counts.merge(new Cell(Math.floorDiv(event.ts(), DAY_MILLIS), logType(event), status), 1L, Long::sum);
        });
        List<PartScan> createdScans = plan(snapshot.parts(), created);
        if (!createdScans.isEmpty()) {
            List<PartScan> updatedScans = plan(snapshot.parts(), updated);
            countParts(createdScans, created, updatedScans, updated, counts, budget);
            List<Long> updatedSinceSeal = new ArrayList<>();
            for (String entry : headUpdates.keySet()) {
                Long id = idOf(entry);
                if (id != null && !createdInHead.contains(entry)) {
                    updatedSinceSeal.add(id);
                }
            }
            for (int start = 0; start < updatedSinceSeal.size(); start += IN_LIST_CHUNK) {
                List<Long> chunk = updatedSinceSeal.subList(start, Math.min(updatedSinceSeal.size(), start + IN_LIST_CHUNK));
                moveToHeadStatus(createdScans, created, updatedScans, updated, chunk, headUpdates, counts, budget);
            }
        }
        return answer(counts);
    }

    /** Adds the entries created in parts, each with its latest status among the parts' events. */
    private void countParts(List<PartScan> createdScans, Query created, List<PartScan> updatedScans, Query updated,
                            Map<Cell, Long> counts, QueryBudget budget) {
        List<Object> parameters = new ArrayList<>();
        String joined = joinedEntries(createdScans, created, updatedScans, updated, List.of(), parameters);
        PartSql.run(engine, "SELECT day, log_type, status, count(*) FROM (" + joined + ") GROUP BY 1, 2, 3", parameters,
                budget, row -> counts.merge(new Cell(row.getLong(1), row.getString(2), row.getString(3)), row.getLong(4),
                        Long::sum));
    }

    /**
     * For the entries {@code ids} (created in parts, updated in the head): takes each out of the
     * cell its part events gave it and into the cell of its head update, when that is the newer.
     */
    private void moveToHeadStatus(List<PartScan> createdScans, Query created, List<PartScan> updatedScans, Query updated,
                                  List<Long> ids, Map<String, Latest> headUpdates, Map<Cell, Long> counts,
                                  QueryBudget budget) {
        List<Object> parameters = new ArrayList<>();
        String joined = joinedEntries(createdScans, created, updatedScans, updated, ids, parameters);
        PartSql.run(engine, "SELECT entry, day, log_type, status, last_id FROM (" + joined + ")", parameters, budget, row -> {
            Latest head = headUpdates.get(row.getString(1));
            if (head == null || head.id() <= row.getLong(5)) {
                return;
            }
            counts.merge(new Cell(row.getLong(2), row.getString(3), row.getString(4)), -1L, Long::sum);
            counts.merge(new Cell(row.getLong(2), row.getString(3), head.status()), 1L, Long::sum);
        });
    }

    /**
     * SQL of one row per entry created in {@code createdScans} (only those of {@code ids} when
     * given): its text id, creation day, type, latest status and the id that status came from.
     */
    private String joinedEntries(List<PartScan> createdScans, Query created, List<PartScan> updatedScans, Query updated,
                                 List<Long> ids, List<Object> parameters) {
        CompiledSql createdWhere = SqlCompiler.compile(created);
        String idFilter = ids.isEmpty() ? "" : " AND " + PartColumns.ID + " IN ("
                + ids.stream().map(id -> "?").collect(Collectors.joining(", ")) + ")";
        String entries = "SELECT " + ID_TEXT + " AS entry, " + PartColumns.ID + " AS id, CAST(floor(" + PartColumns.TS
                + " / " + DAY_MILLIS + ") AS BIGINT) AS day, " + PartColumns.ATTRS + "[?] AS log_type, "
                + PartColumns.STATUS + " AS status FROM " + PartSql.from(createdScans, partFiles) + " WHERE "
                + createdWhere.expression() + idFilter;
        parameters.add(WorkLogFields.LOG_TYPE);
        parameters.addAll(createdWhere.parameters());
        parameters.addAll(ids);
        String updates;
        if (updatedScans.isEmpty()) {
            updates = "SELECT NULL::VARCHAR AS entry, NULL::BIGINT AS last_id, NULL::VARCHAR AS last_status WHERE false";
        } else {
            CompiledSql updatedWhere = SqlCompiler.compile(updated);
            String entryFilter = ids.isEmpty() ? "" : " AND " + PartColumns.ATTRS + "[?] IN ("
                    + ids.stream().map(id -> "?").collect(Collectors.joining(", ")) + ")";
            updates = "SELECT " + PartColumns.ATTRS + "[?] AS entry, max(" + PartColumns.ID + ") AS last_id, arg_max("
                    + PartColumns.STATUS + ", " + PartColumns.ID + ") AS last_status FROM "
                    + PartSql.from(updatedScans, partFiles) + " WHERE " + updatedWhere.expression() + entryFilter
                    + " GROUP BY 1";
            parameters.add(WorkLogFields.ENTRY_ID);
            parameters.addAll(updatedWhere.parameters());
            if (!ids.isEmpty()) {
                parameters.add(WorkLogFields.ENTRY_ID);
                ids.forEach(id -> parameters.add(EventId.format(id)));
            }
        }
        return "SELECT c.entry, c.day, c.log_type, CASE WHEN u.last_id > c.id THEN u.last_status ELSE c.status END AS status, "
                + "greatest(c.id, coalesce(u.last_id, c.id)) AS last_id FROM (" + entries + ") AS c LEFT JOIN (" + updates
                + ") AS u ON u.entry = c.entry";
    }

    /** The row groups of readable parts that may hold matches of {@code query}. */
    private List<PartScan> plan(List<PartRecord> parts, Query query) {
        // Planned by the blooms first, checked after: a part that lives only in the archive is
        // fetched only when its row groups are really to be read.
        return Planner.plan(parts, query, blooms).stream()
                .filter(scan -> integrity.readable(scan.part())).toList();
    }

    /** The id an entryId attr names when it is one {@link EventId#format} could write (others match no entry). */
    private static Long idOf(String entry) {
        try {
            long id = EventId.parse(entry);
            return EventId.format(id).equals(entry) ? id : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String logType(LogEvent event) {
        return event.attrs().get(WorkLogFields.LOG_TYPE);
    }

    private static final Comparator<String> NULLS_LAST = Comparator.nullsLast(Comparator.naturalOrder());

    private static Aggregations.WorkLogStats answer(Map<Cell, Long> counts) {
        TreeMap<Long, List<Aggregations.WorkLogCount>> byDay = new TreeMap<>();
        long total = 0;
        for (Map.Entry<Cell, Long> cell : counts.entrySet()) {
            if (cell.getValue() <= 0) {
                continue;
            }
            Cell key = cell.getKey();
            byDay.computeIfAbsent(key.day(), d -> new ArrayList<>())
                    .add(new Aggregations.WorkLogCount(key.logType(), key.status(), cell.getValue()));
            total += cell.getValue();
        }
        List<Aggregations.WorkLogDay> days = new ArrayList<>(byDay.size());
        byDay.forEach((day, cells) -> {
            cells.sort(Comparator.comparing(Aggregations.WorkLogCount::logType, NULLS_LAST)
                    .thenComparing(Aggregations.WorkLogCount::status, NULLS_LAST));
            days.add(new Aggregations.WorkLogDay(day * DAY_MILLIS, List.copyOf(cells)));
        });
        return new Aggregations.WorkLogStats(List.copyOf(days), total);
    }
}
