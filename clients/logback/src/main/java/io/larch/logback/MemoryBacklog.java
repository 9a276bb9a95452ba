package io.larch.logback;

import java.util.ArrayDeque;
import java.util.List;

/** The backlog without a spool directory: in memory, at most {@code maxEvents}, lost when the JVM stops. */
final class MemoryBacklog implements Backlog {
    private final ArrayDeque<List<String>> batches = new ArrayDeque<>();
    private final long maxEvents;
    private long waitingEvents;
    private long droppedEvents;

    MemoryBacklog(long maxEvents) {
        this.maxEvents = maxEvents;
    }

    @Override
    public boolean isEmpty() {
        return batches.isEmpty();
    }

    @Override
    public void add(List<String> batch) {
        batches.addLast(List.copyOf(batch));
        waitingEvents += batch.size();
        while (waitingEvents > maxEvents && batches.size() > 1) {
            List<String> dropped = batches.removeFirst();
            waitingEvents -= dropped.size();
            droppedEvents += dropped.size();
        }
    }

    @Override
    public List<String> oldest() {
        return batches.peekFirst();
    }

    @Override
    public void removeOldest() {
        List<String> removed = batches.pollFirst();
        if (removed != null) {
            waitingEvents -= removed.size();
        }
    }

    @Override
    public long droppedEvents() {
        return droppedEvents;
    }

    @Override
    public long waitingEvents() {
        return waitingEvents;
    }
}
