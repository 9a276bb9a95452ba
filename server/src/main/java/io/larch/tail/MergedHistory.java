package io.larch.tail;

import io.larch.model.LogEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Several stores read as one for a resuming stream: this node's and each live peer's, merged
 * by id, each id once (a node's sealed parts may be read from the shared catalog and from the
 * node itself). A page ends where the first source with more to give stopped, so nothing of
 * another source between is skipped.
 */
final class MergedHistory {
    private MergedHistory() {
    }

    static StreamSession.StoredAfter of(StreamSession.StoredAfter local, List<StreamSession.StoredAfter> peers) {
        if (peers.isEmpty()) {
            return local;
        }
        List<StreamSession.StoredAfter> sources = new ArrayList<>(peers.size() + 1);
        sources.add(local);
        sources.addAll(peers);
        return (afterId, limit) -> {
            TreeMap<Long, LogEvent> merged = new TreeMap<>();
            long cut = Long.MAX_VALUE;
            boolean more = false;
            int partsSkipped = 0;
            for (StreamSession.StoredAfter source : sources) {
                StreamSession.Page page = source.after(afterId, limit);
                partsSkipped += page.partsSkipped();
                for (LogEvent event : page.events()) {
                    merged.putIfAbsent(event.id(), event);
                }
                if (page.more() && !page.events().isEmpty()) {
                    more = true;
                    cut = Math.min(cut, page.events().getLast().id());
                }
            }
            List<LogEvent> events = new ArrayList<>(merged.headMap(cut, true).values());
            if (events.size() > limit) {
                events = events.subList(0, limit);
                more = true;
            }
            return new StreamSession.Page(List.copyOf(events), more || merged.size() > events.size(), partsSkipped);
        };
    }
}
