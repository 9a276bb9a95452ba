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
 * flood budget holds for both together, and silence on both is told once.
 */
class SharedAlertClaimsTest {
    @TempDir
    Path dir;
    private final MutableClock clock = MutableClock.at("2026-12-04T10:00:00Z");
    private final List<Alert> sent = new CopyOnWriteArrayList<>();
    private Database database;
    private AlertEvaluator nodeA;
    private AlertEvaluator nodeB;
    private long ids;

    private void open(String backend) {
        database = MetadataBackends.open(backend, dir);
        AlertClaimRepository claims = new AlertClaimRepository(database);
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
        long now = clock.millis();
        return new LogEvent(++ids, now, now, 1, Kind.APP, Level.ERROR, "order failed", "api", null, fingerprint, null,
                null, null, null, null, null, Map.of());
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
        bothSee(5, "fp-a");
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
        assertEquals(25, sent.get(1).count(), "10 + 10 in the quiet time, and the 5 the losing node counted");
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
        for (int i = 0; i < 5; i++) {
            nodeB.offer(error("fp-b"));
        }
        tick();
        assertEquals(List.of(Alert.Type.FIRED), types());
        for (int i = 0; i < 5; i++) {
            nodeA.offer(error("fp-b"));
        }
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
}
