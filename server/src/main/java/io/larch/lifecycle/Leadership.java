package io.larch.lifecycle;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A long-running job that must run on one node at a time (following Vercel deployments: two nodes
 * following one would store its events twice). Every {@code every}, a node that does not hold the
 * {@link ClusterLock} tries to take it and keeps it; the node that holds it runs {@code lead}
 * each time (start what is missing, stop what is gone). When the lock may be lost (the lock's
 * database session ended) or cannot be asked for, the node runs {@code standBy} and tries again
 * next time, so at most one node leads once the database answers. With one node
 * ({@link ClusterLock#NONE}) it always leads.
 */
public final class Leadership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    private final String job;
    private final ClusterLock lock;
    private final Runnable lead;
    private final Runnable standBy;
    private final ScheduledExecutorService scheduler;
    /** Changed by the scheduler's thread only, and by {@link #close} after it stopped. */
    private volatile ClusterLock.Held held;

    public Leadership(String job, ClusterLock lock, Runnable lead, Runnable standBy) {
        this.job = job;
        this.lock = lock;
        this.lead = lead;
        this.standBy = standBy;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("leadership-" + job).daemon(true).factory());
    }

    /** The first round at once, then one every {@code every}. */
    public void start(Duration every) {
        scheduler.scheduleWithFixedDelay(this::round, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One round: take or keep the lock, then lead or stand by. */
    void round() {
        try {
            if (held != null && !held.stillHeld()) {
                LOG.warn("{}: this node may have lost the cluster lock; it stops and asks for it again", job);
                release();
            }
            if (held == null) {
                held = lock.tryAcquire().orElse(null);
                if (held != null) {
                    LOG.info("{}: this node leads", job);
                }
            }
            if (held != null) {
                lead.run();
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: cannot ask for the cluster lock or lead ({}); standing by until it can", job, e.getMessage());
            release();
        }
    }

    /** True while this node holds the lock. */
    public boolean leads() {
        return held != null;
    }

    private void release() {
        ClusterLock.Held was = held;
        held = null;
        try {
            standBy.run();
        } finally {
            if (was != null) {
                was.close();
            }
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (held != null) {
            release();
        }
    }
}
