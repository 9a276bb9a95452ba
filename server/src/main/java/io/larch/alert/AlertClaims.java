package io.larch.alert;

import io.larch.meta.AlertClaimRepository;
import io.larch.meta.Database;
import java.util.List;
import java.util.Map;

/**
 * Where the evaluator asks before it sends: whether this node is the one to send a firing, a
 * summary, or one of a rule's flood budget. On one node ({@link #LOCAL}) the answer is always
 * yes and the evaluator's own memory decides, as it always did. With several nodes
 * ({@link #shared}) the metadata database decides (see {@link SharedAlertClaims}).
 *
 * <p>Contract: called on the evaluator's thread only; an implementation may block on the
 * database but must not throw (a claim it cannot make is decided in favour of sending: a
 * duplicate alert is better than a missing one).
 */
public interface AlertClaims {
    /**
     * The outcome of a firing claim.
     *
     * @param won        this node sends the alert
     * @param quietUntil when the group's quiet time ends: the one asked for when won (or longer:
     *                   see {@link SharedAlertClaims#MIN_SHARED_QUIET}), the winner's when lost
     */
    record Claim(boolean won, long quietUntil) {
    }

    /** Claims the firing of {@code ruleId}'s {@code group} at {@code now}, quiet until {@code quietUntil}. */
    Claim fire(long ruleId, String group, long now, long quietUntil);

    /**
     * This node's {@code suppressed} count for the quiet time ending at {@code quietUntil};
     * returns the total to summarize now, or -1 when this node does not send the summary.
     * Called once at the end of the quiet time and, when {@link #summaryDelayMillis} is not 0,
     * again with {@code suppressed} -1 once that delay has passed (the other nodes added theirs).
     */
    long summary(long ruleId, String group, long quietUntil, long suppressed);

    /** How long after a quiet time's end its summary is claimed: 0 on one node. */
    long summaryDelayMillis();

    /**
     * True with several nodes: flood budgets are then {@link #floodSlot}'s instead of the
     * evaluator's own, and threshold rules add the other nodes' counts ({@link #othersCounts}).
     */
    boolean isShared();

    /** Adds this node's counts since the last call (threshold rules' groups, per bucket). */
    void addCounts(List<AlertClaimRepository.Count> counts);

    /**
     * The other nodes' counts of {@code ruleId} per group ({counted, all}) in buckets starting
     * after {@code after} and since the group last fired, with this node's own from buckets
     * starting before {@code ownBefore} (counted before a restart: the evaluator does not restore
     * counts of shared rules from its saved state, which another node may have written); empty on
     * one node or when the database cannot be reached (this node then counts alone).
     */
    Map<String, long[]> othersCounts(long ruleId, long after, long ownBefore);

    /**
     * Takes one of the {@code max} alerts {@code ruleId} may send in the flood window starting at
     * {@code windowStart}; when spent, counts this one held back (of {@code events} events) and
     * returns false.
     */
    boolean floodSlot(long ruleId, long windowStart, int max, long events);

    /** The held-back alerts and events of that window when this node sends its summary, else null. */
    long[] floodSummary(long ruleId, long windowStart);

    /** One node: every claim is won, nothing is stored. */
    AlertClaims LOCAL = new AlertClaims() {
        @Override
        public Claim fire(long ruleId, String group, long now, long quietUntil) {
            return new Claim(true, quietUntil);
        }

        @Override
        public long summary(long ruleId, String group, long quietUntil, long suppressed) {
            return suppressed;
        }

        @Override
        public long summaryDelayMillis() {
            return 0;
        }

        @Override
        public boolean isShared() {
            return false;
        }

        @Override
        public void addCounts(List<AlertClaimRepository.Count> counts) {
        }

        @Override
        public Map<String, long[]> othersCounts(long ruleId, long after, long ownBefore) {
            return Map.of();
        }

        @Override
        public boolean floodSlot(long ruleId, long windowStart, int max, long events) {
            return true;
        }

        @Override
        public long[] floodSummary(long ruleId, long windowStart) {
            return null;
        }
    };

    /** Several nodes: claims in {@code repository}'s tables, made as {@code nodeId}. */
    static AlertClaims shared(AlertClaimRepository repository, int nodeId) {
        return new SharedAlertClaims(repository, nodeId);
    }

    /** Shared through {@code database} when it is PostgreSQL (several nodes), else {@link #LOCAL}. */
    static AlertClaims of(Database database, int nodeId) {
        return database.isPostgres() ? shared(new AlertClaimRepository(database), nodeId) : LOCAL;
    }
}
