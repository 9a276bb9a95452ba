package io.larch.ingest.fingerprint;

import io.larch.model.FingerprintTemplate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the groups an extractor made or widened to the catalog, off the ingest path: the
 * extractor's {@link TemplateExtractor.Listener} only notes the group (a map put), and a thread
 * hands what changed to {@code sink} every {@link #interval}, and once more on {@link #close}.
 * A restart then {@link TemplateExtractor#restore restores} them, so fingerprints stay stable.
 *
 * <p>Bounded: at most {@link #MAX_PENDING} groups wait; past it a change is dropped (counted):
 * that group keeps working, and is written at its next change. A sink that throws is logged and
 * what it was given is tried again at the next flush.
 */
public final class TemplateJournal implements TemplateExtractor.Listener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TemplateJournal.class);
    /** Far above what the extractors can hold (their groups per project are capped): a guard, not a limit in use. */
    static final int MAX_PENDING = 1_000_000;

    private record Key(long projectId, String fingerprint) {
    }

    private record Pending(long projectId, String fingerprint, LogTemplate template, long serial) {
    }

    private final Consumer<List<FingerprintTemplate>> sink;
    private final Clock clock;
    private final Duration interval;
    private final ConcurrentHashMap<Key, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final Thread thread;
    private volatile boolean closing;

    public TemplateJournal(Consumer<List<FingerprintTemplate>> sink, Clock clock, Duration interval) {
        this.sink = sink;
        this.clock = clock;
        this.interval = interval;
        this.thread = Thread.ofPlatform().name("larch-templates").daemon(true).unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    @Override
    public void changed(long projectId, LogTemplate template) {
        note(projectId, template.fingerprint(), template, template.serial());
    }

    /**
     * Records {@code template}'s text under another fingerprint made from it (an error's: the
     * template and its top stack frames), so listings show text for those too. Its serial is
     * {@link #ALIAS}: a restore leaves it out (it is no group of the extractor).
     */
    public void alias(long projectId, String fingerprint, LogTemplate template) {
        note(projectId, fingerprint, template, ALIAS);
    }

    /** The serial of an alias row. */
    public static final long ALIAS = -1;

    private void note(long projectId, String fingerprint, LogTemplate template, long serial) {
        if (pending.size() >= MAX_PENDING) {
            dropped.incrementAndGet();
            return;
        }
        pending.put(new Key(projectId, fingerprint), new Pending(projectId, fingerprint, template, serial));
    }

    /** Changes not written because too many were waiting. */
    public long dropped() {
        return dropped.get();
    }

    /** Writes what changed since the last flush; what the sink refuses stays for the next. */
    public synchronized void flush() {
        if (pending.isEmpty()) {
            return;
        }
        List<Map.Entry<Key, Pending>> taken = new ArrayList<>(pending.entrySet());
        List<FingerprintTemplate> batch = new ArrayList<>(taken.size());
        long now = clock.millis();
        for (Map.Entry<Key, Pending> entry : taken) {
            pending.remove(entry.getKey(), entry.getValue());
            Pending noted = entry.getValue();
            LogTemplate template = noted.template();
            batch.add(new FingerprintTemplate(noted.projectId(), noted.fingerprint(), template.source(), template.text(),
                    template.firstSeen(), noted.serial(), now));
        }
        try {
            sink.accept(batch);
        } catch (RuntimeException e) {
            LOG.warn("could not record {} fingerprint templates; tried again in {} s: {}", batch.size(),
                    interval.toSeconds(), e.getMessage());
            taken.forEach(entry -> pending.putIfAbsent(entry.getKey(), entry.getValue()));
        }
    }

    private void run() {
        while (!closing) {
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
            flush();
        }
    }

    /** Stops the thread and writes what is left. */
    @Override
    public void close() {
        closing = true;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush();
    }
}
