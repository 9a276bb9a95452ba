package io.larch.alert;

import io.larch.meta.AlertClaimRepository;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims made in the metadata database, for several nodes that each evaluate the events they
 * ingested ({@link AlertClaimRepository}, migration V12):
 * <ul>
 *   <li>a firing is sent by the node whose conditional upsert moves the group's quiet time
 *       forward; the others go quiet until the winner's end and count what they would have sent
 *       as suppressed;</li>
 *   <li>at the end of a quiet time each node adds what it suppressed; {@link #SUMMARY_DELAY}
 *       later (every node has ticked past the end and added its count) the first node to claim
 *       the summary sends it with the total;</li>
 *   <li>a rule's flood budget counts alerts in windows aligned on the epoch (the same window on
 *       every node without asking), and the first node to claim a window's summary of what it
 *       held back sends it.</li>
 * </ul>
 * When the database cannot be reached the claim is decided for sending (a warning, counted in
 * {@link #failures}): during an outage of the metadata database each node alerts on its own.
 */
final class SharedAlertClaims implements AlertClaims {
    private static final Logger LOG = LoggerFactory.getLogger(SharedAlertClaims.class);
    /**
     * A firing's quiet time at least, across nodes: a rule with suppress 0 would otherwise let
     * each node that crosses the threshold at the same moment send its own message.
     */
    static final Duration MIN_SHARED_QUIET = Duration.ofSeconds(5);
    /** A summary is claimed this long after its quiet time ended: a few evaluator ticks (one a second). */
    static final Duration SUMMARY_DELAY = Duration.ofSeconds(3);
    /** Claims, summaries and flood windows are deleted this long after they ended. */
    private static final Duration KEEP = Duration.ofDays(2);
    private static final long CLEAN_EVERY_MILLIS = Duration.ofMinutes(10).toMillis();

    private final AlertClaimRepository repository;
    private final int nodeId;
    private final AtomicLong failures = new AtomicLong();
    /** Evaluator thread only. */
    private long lastClean;

    SharedAlertClaims(AlertClaimRepository repository, int nodeId) {
        this.repository = repository;
        this.nodeId = nodeId;
    }

    @Override
    public Claim fire(long ruleId, String group, long now, long quietUntil) {
        long quiet = Math.max(quietUntil, now + MIN_SHARED_QUIET.toMillis());
        try {
            cleanNowAndThen(now);
            Optional<Long> winners = repository.claimFiring(ruleId, group, now, quiet, nodeId);
            return winners.map(until -> new Claim(false, until)).orElse(new Claim(true, quiet));
        } catch (RuntimeException e) {
            failed("claim the alert of rule " + ruleId, e);
            return new Claim(true, quietUntil);
        }
    }

    @Override
    public long summary(long ruleId, String group, long quietUntil, long suppressed) {
        try {
            if (suppressed >= 0) {
                repository.addSuppressed(ruleId, group, quietUntil, suppressed);
                return -1;
            }
            return repository.claimSummary(ruleId, group, quietUntil).orElse(-1L);
        } catch (RuntimeException e) {
            failed("share the summary of rule " + ruleId, e);
            return suppressed;
        }
    }

    @Override
    public long summaryDelayMillis() {
        return SUMMARY_DELAY.toMillis();
    }

    @Override
    public boolean isShared() {
        return true;
    }

    @Override
    public void addCounts(List<AlertClaimRepository.Count> counts) {
        if (counts.isEmpty()) {
            return;
        }
        try {
            // Counts come every second while events do, claims only when something fires: clean here too.
            cleanNowAndThen(counts.getFirst().bucketStart());
            repository.addCounts(nodeId, counts);
        } catch (RuntimeException e) {
            failed("share this node's alert counts", e);
        }
    }

    @Override
    public Map<String, long[]> othersCounts(long ruleId, long after, long ownBefore) {
        try {
            return repository.othersCounts(ruleId, nodeId, after, ownBefore);
        } catch (RuntimeException e) {
            failed("read the other nodes' counts of rule " + ruleId, e);
            return Map.of();
        }
    }

    @Override
    public boolean floodSlot(long ruleId, long windowStart, int max, long events) {
        try {
            if (repository.takeFloodSlot(ruleId, windowStart, max)) {
                return true;
            }
            repository.addFloodHeld(ruleId, windowStart, events);
            return false;
        } catch (RuntimeException e) {
            failed("take a flood slot of rule " + ruleId, e);
            return true;
        }
    }

    @Override
    public long[] floodSummary(long ruleId, long windowStart) {
        try {
            return repository.claimFloodSummary(ruleId, windowStart).map(held -> new long[] {held.alerts(), held.events()})
                    .orElse(null);
        } catch (RuntimeException e) {
            failed("claim the flood summary of rule " + ruleId, e);
            return null;
        }
    }

    /** Claims the database could not decide (each was decided for sending). */
    long failures() {
        return failures.get();
    }

    private void cleanNowAndThen(long now) {
        if (now - lastClean < CLEAN_EVERY_MILLIS) {
            return;
        }
        lastClean = now;
        repository.deleteEndedBefore(now - KEEP.toMillis());
    }

    private void failed(String what, RuntimeException e) {
        failures.incrementAndGet();
        LOG.warn("could not {} in the metadata database ({}); this node decides alone", what, e.getMessage());
    }
}
