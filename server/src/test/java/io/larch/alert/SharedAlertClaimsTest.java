package io.larch.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.meta.AlertClaimRepository;
import io.larch.meta.Database;
import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.testing.MetadataBackends;
import io.larch.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two evaluators ("nodes") that share one metadata database, each fed the events it ingested:
 * a firing is sent once, the summary of a quiet time once with what both suppressed, a rule's
 * flood budget holds for both together, a threshold is reached by both nodes' events together,
 * and silence is silence only when both saw none (told once).
 */
class SharedAlertClaimsTest {
    @TempDir
    Path dir;
    private final MutableClock clock = MutableClock.at("2026-12-04T10:00:00Z");
    private final List<Alert> sent = new CopyOnWriteArrayList<>();
    private Database database;
    private AlertClaimRepository claims;
    private AlertEvaluator nodeA;
    private AlertEvaluator nodeB;
    private long ids;

    private void open(String backend) {
        database = MetadataBackends.open(backend, dir);
        claims = new AlertClaimRepository(database);
        nodeA = new AlertEvaluator(clock, sent::add, AlertClaims.shared(claims, 1));
        nodeB = new AlertEvaluator(clock, sent::add, AlertClaims.shared(claims, 2));
    }

    @AfterEach
    void close() {
        if (database != null) {
            database.close();
        }
    }

    private LogEvent error(String fingerprint) {
        return event(Level.ERROR, fingerprint, "order failed");
    }

    private LogEvent event(Level level, String fingerprint, String message) {
        long now = clock.millis();
        return new LogEvent(++ids, now, now, 1, Kind.APP, level, message, "api", null, fingerprint, null, null, null, null,
                null, null, Map.of());
    }

    /** {@code n} errors of {@code fingerprint} to {@code node}, at once. */
    private void offer(AlertEvaluator node, int n, String fingerprint) {
        for (int i = 0; i < n; i++) {
            node.offer(error(fingerprint));
        }
    }

    /** {@code n} errors of {@code fingerprint} to each node, a second apart, both ticking. */
    private void bothSee(int n, String fingerprint) {
        for (int i = 0; i < n; i++) {
            nodeA.offer(error(fingerprint));
            nodeB.offer(error(fingerprint));
            clock.advance(Duration.ofSeconds(1));
            tick();
        }
    }

    private void tick() {
        nodeA.tick();
        nodeB.tick();
    }

    private List<Alert.Type> types() {
        return sent.stream().map(Alert::type).toList();
    }

    private void rules(AlertRule rule) {
        nodeA.setRules(1, List.of(rule));
        nodeB.setRules(1, List.of(rule));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void bothNodesCrossingTheThresholdSendOneAlertThenOneSummaryOfWhatBothSuppressed(String backend) {
        open(backend);
        rules(AlertRule.of(7, 1, "error spike", AlertRule.Kind.SPIKE, 5, 0, Duration.ofSeconds(60), null, null, null));
        offer(nodeA, 5, "fp-a");
        offer(nodeB, 5, "fp-a");
        tick();
        assertEquals(List.of(Alert.Type.FIRED), types(), "both nodes counted five: one message");
        assertEquals(5, sent.getFirst().count());

        bothSee(10, "fp-a");
        assertEquals(1, sent.size(), "both quiet for the winner's 15 minutes");
        clock.advance(Duration.ofMinutes(15));
        tick();
        assertEquals(1, sent.size(), "the summary waits for every node to add its count");
        clock.advance(SharedAlertClaims.SUMMARY_DELAY);
        tick();
        assertEquals(List.of(Alert.Type.FIRED, Alert.Type.SUMMARY), types());
        assertEquals(25, sent.get(1).count(), "30 events, 5 of them told by the firing");
        clock.advance(Duration.ofMinutes(5));
        tick();
        assertEquals(2, sent.size(), "one summary, not one per node");

        bothSee(5, "fp-a");
        assertEquals(3, sent.size(), "a new occurrence fires again, once");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aGroupSeenByOneNodeOnlyAlertsFromThatNode(String backend) {
        open(backend);
        rules(AlertRule.of(7, 1, "error spike", AlertRule.Kind.SPIKE, 5, 0, Duration.ofSeconds(60), null, null, null));
        offer(nodeB, 5, "fp-b");
        tick();
        assertEquals(List.of(Alert.Type.FIRED), types());
        offer(nodeA, 5, "fp-b");
        assertEquals(1, sent.size(), "node A's five come within node B's quiet time");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void theFloodBudgetHoldsForBothNodesTogether(String backend) {
        open(backend);
        rules(AlertRule.of(7, 1, "error spike", AlertRule.Kind.SPIKE, 1, 0, Duration.ofSeconds(60), null, null, null));
        for (int i = 0; i < 12; i++) {
            (i % 2 == 0 ? nodeA : nodeB).offer(error("fp-" + i));
        }
        assertEquals(AlertEvaluator.MAX_ALERTS_PER_RULE, sent.size(), "twelve fingerprints over two nodes: five messages");
        clock.advance(Duration.ofMinutes(16));
        tick();
        clock.advance(SharedAlertClaims.SUMMARY_DELAY);
        tick();
        List<Alert> summaries = sent.stream().filter(a -> a.group().endsWith("more groups")).toList();
        assertEquals(1, summaries.size(), "one summary of what both held back: " + sent);
        assertEquals("7 more groups", summaries.getFirst().group());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void silenceOnBothNodesIsToldOnce(String backend) {
        open(backend);
        rules(AlertRule.of(7, 1, "heartbeat", AlertRule.Kind.ABSENCE, 1, 0, Duration.ofMinutes(5), null,
                "heartbeat", null));
        clock.advance(Duration.ofMinutes(6));
        tick();
        assertEquals(List.of(Alert.Type.FIRED), types());
        clock.advance(Duration.ofMinutes(1));
        tick();
        assertEquals(1, sent.size());
        assertTrue(sent.getFirst().sample() == null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aThresholdNeitherNodeReachesAloneIsReachedTogether(String backend) {
        open(backend);
        rules(AlertRule.of(7, 1, "error spike", AlertRule.Kind.SPIKE, 5, 0, Duration.ofSeconds(60), null, null, null));
        offer(nodeA, 3, "fp-a");
        offer(nodeB, 2, "fp-a");
        assertEquals(List.of(), sent, "three and two: neither node alone");
        clock.advance(Duration.ofSeconds(1));
        tick();
        tick();
        assertEquals(List.of(Alert.Type.FIRED), types(), "five together, shared at the next tick: one message");
        assertEquals(5, sent.getFirst().count());
        clock.advance(Duration.ofMinutes(2));
        tick();
        tick();
        assertEquals(1, sent.size(), "the counts start again after a firing, on both nodes");

        offer(nodeA, 2, "fp-c");
        tick();
        clock.advance(Duration.ofSeconds(61));
        offer(nodeB, 3, "fp-c");
        tick();
        tick();
        assertEquals(1, sent.size(), "node A's two fell out of the window before node B's three came");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void anErrorRateOverBothNodesEventsFiresOnce(String backend) {
        open(backend);
        rules(AlertRule.of(7, 1, "error rate", AlertRule.Kind.ERROR_RATE, 50, 10, Duration.ofMinutes(5), null, null, null));
        offer(nodeA, 6, "fp-a");
        for (int i = 0; i < 4; i++) {
            nodeB.offer(event(Level.INFO, "fp-ok", "order placed"));
        }
        assertEquals(List.of(), sent, "six events on one node, four on the other: below the minimum of ten each");
        clock.advance(Duration.ofSeconds(1));
        tick();
        tick();
        assertEquals(List.of(Alert.Type.FIRED), types(), "60% of ten events together");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void silenceOnOneNodeIsNotSilenceWhenTheOtherHearsTheHeartbeat(String backend) {
        open(backend);
        rules(AlertRule.of(7, 1, "heartbeat", AlertRule.Kind.ABSENCE, 1, 0, Duration.ofMinutes(5), null,
                "heartbeat", null));
        for (int minute = 0; minute < 8; minute++) {
            nodeA.offer(event(Level.INFO, "fp-beat", "heartbeat"));
            clock.advance(Duration.ofMinutes(1));
            tick();
        }
        assertEquals(List.of(), sent, "node B saw no heartbeat, node A did: not absent");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aRestartedNodeCountsWhatItSawBeforeOnceAndNotTheOtherNodesTwice(String backend) {
        open(backend);
        AlertRule spike = AlertRule.of(7, 1, "error spike", AlertRule.Kind.SPIKE, 5, 0, Duration.ofSeconds(60), null,
                null, null);
        rules(spike);
        offer(nodeA, 1, "fp-a");
        offer(nodeB, 2, "fp-a");
        clock.advance(Duration.ofSeconds(2));
        tick();
        AlertEvaluator.Changes saved = nodeB.takeChanges(); // node B saved last: its counts are the rule's alert_state
        clock.advance(Duration.ofSeconds(2));
        nodeA = new AlertEvaluator(clock, sent::add, AlertClaims.shared(claims, 1)); // node A restarts
        nodeA.setRules(1, List.of(spike));
        nodeA.restore(7, saved.rules().get(7L));
        nodeA.offer(error("fp-a"));
        clock.advance(Duration.ofSeconds(1));
        tick();
        assertEquals(List.of(), sent, "1 before the restart, 2 on node B, 1 after: four (node B's two not counted twice)");
        nodeA.offer(error("fp-a"));
        assertEquals(List.of(Alert.Type.FIRED), types(), "and one more is five");
        assertEquals(5, sent.getFirst().count());
    }
}
