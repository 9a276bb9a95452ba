package io.larch.search;

import io.larch.model.LogEvent;
import io.larch.query.EventMatcher;
import io.larch.query.Query;
import io.larch.storage.HeadSegment;
import io.larch.storage.StoreSnapshot;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** The head side of every query: the snapshot's head events matched in Java, within a budget. */
public final class HeadScan {
    /**
     * Head events matched between two budget checks: a check reads the clock, so checking every
     * event would cost more than matching most of them.
     */
    static final int EVENTS_PER_BUDGET_CHECK = 4096;

    private HeadScan() {
    }

    /** Passes each head event of {@code snapshot} that matches {@code query} to {@code action}, in WAL order. */
    public static void forEachMatch(StoreSnapshot snapshot, Query query, QueryBudget budget, Consumer<LogEvent> action) {
        Predicate<LogEvent> matcher = EventMatcher.compile(query);
        for (HeadSegment segment : snapshot.head()) {
            List<LogEvent> events = segment.events();
            for (int i = 0; i < events.size(); i++) {
                if (i % EVENTS_PER_BUDGET_CHECK == 0) {
                    budget.check();
                }
                LogEvent event = events.get(i);
                if (matcher.test(event)) {
                    action.accept(event);
                }
            }
        }
    }
}
