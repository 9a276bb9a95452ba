package io.larch.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.larch.meta.AlertClaimRepository;
import io.larch.meta.AlertRepository;
import io.larch.meta.Database;
import io.larch.meta.ProjectRepository;
import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.testing.MetadataBackends;
import io.larch.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two whole alerting pipelines ("nodes": evaluator, dispatcher, Discord notifier) on one metadata
 * database, fed overlapping matching events, post to one real Discord-shaped receiver on loopback:
 * one message for the firing and one for the summary, not one per node. One node on SQLite
 * behaves as it always did.
 */
class TwoNodeAlertingTest {
    @TempDir
    Path dir;
    private final MutableClock clock = MutableClock.at("2026-12-04T10:00:00Z");
    private final List<String> discord = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> open = new ArrayList<>();
    private HttpServer receiver;
    private Database database;
    private long projectId;
    private long ids;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : open.reversed()) {
            closeable.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    /** The database, one project with a spike rule posting to the receiver's Discord webhook. */
    private void setUp(String backend) throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/discord/api/webhooks/1/tok", exchange -> {
            discord.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        database = MetadataBackends.open(backend, dir);
        open.add(database);
        projectId = database.transaction(c -> new ProjectRepository(database).insertIfAbsent(c, "shop", "Shop",
                clock.millis())).orElseThrow().id();
        new AlertRepository(database).insert(projectId, new AlertRepository.NewRule("checkout errors",
                "{\"name\":\"checkout errors\",\"kind\":\"spike\",\"channels\":[{\"type\":\"discord\",\"url\":\"http://127.0.0.1:"
                        + receiver.getAddress().getPort() + "/discord/api/webhooks/1/tok\"}]}", "api"), clock.millis());
    }

    /** One node's alerting, claiming through {@code claims}. */
    private Alerting node(AlertClaims claims) {
        Alerting alerting = new Alerting(new AlertRepository(database),
                channel -> new WebhookNotifier(WebhookNotifier.Format.DISCORD, URI.create(channel.url()), channel.secret(),
                        "http://127.0.0.1", Duration.ofSeconds(5), Duration.ofMillis(50), true),
                clock, new SimpleMeterRegistry(), Alerting.Options.DEFAULTS, claims);
        open.add(alerting);
        alerting.load();
        alerting.start();
        return alerting;
    }

    private List<LogEvent> errors(int n) {
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long now = clock.millis();
            events.add(new LogEvent(++ids, now, now, projectId, Kind.APP, Level.ERROR, "payment " + ids + " declined",
                    "checkout", null, "fp-payment", null, null, null, null, null, null, Map.of()));
        }
        return events;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting: " + what);
            Thread.sleep(20);
        }
    }

    /** Waits for {@code expected} messages, then a little more: a message too many would have come by then. */
    private void expectMessages(int expected, String what) throws InterruptedException {
        await(() -> discord.size() >= expected, what);
        Thread.sleep(500);
        assertEquals(expected, discord.size(), what + ": " + discord);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void overlappingEventsOnTwoNodesSendOneDiscordMessageThenOneSummary(String backend) throws Exception {
        setUp(backend);
        Alerting nodeA = node(AlertClaims.shared(new AlertClaimRepository(database), 1));
        Alerting nodeB = node(AlertClaims.shared(new AlertClaimRepository(database), 2));
        nodeA.offer(errors(5));
        nodeB.offer(errors(5));
        nodeA.sync();
        nodeB.sync();
        expectMessages(1, "both nodes saw five: one message");
        assertTrue(discord.getFirst().contains("checkout errors: 5 events in 1 min"), discord.getFirst());

        nodeA.offer(errors(10));
        nodeB.offer(errors(10));
        nodeA.sync();
        nodeB.sync();
        clock.advance(Duration.ofMinutes(16));
        nodeA.sync();
        nodeB.sync();
        clock.advance(SharedAlertClaims.SUMMARY_DELAY);
        nodeA.sync();
        nodeB.sync();
        expectMessages(2, "one summary of what both suppressed");
        assertTrue(discord.get(1).contains("and 25 more"), discord.get(1));
        await(() -> new AlertRepository(database).history(null, null, Long.MAX_VALUE, 10).size() == 2,
                "the history has the two alerts, not four");
    }

    @Test
    void oneNodeOnSqliteSendsAsItAlwaysDid() throws Exception {
        setUp("sqlite");
        Alerting alone = node(AlertClaims.of(database, 0));
        assertEquals(AlertClaims.LOCAL, AlertClaims.of(database, 0), "nothing is claimed on SQLite");
        alone.offer(errors(5));
        alone.sync();
        expectMessages(1, "five errors: one message");
        alone.offer(errors(20));
        alone.sync();
        clock.advance(Duration.ofMinutes(16));
        alone.sync();
        expectMessages(2, "the summary at once, without a delay");
        assertTrue(discord.get(1).contains("and 20 more"), discord.get(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aNodeStartingLeavesAnotherNodesDeliveryInProgressAlone(String backend) throws Exception {
        setUp(backend);
        AlertRepository records = new AlertRepository(database);
        records.recordAlert(projectId, null, "checkout errors", "fired", "fp", 5, clock.millis(), "in progress", null,
                List.of(new AlertRepository.Channel("discord", "http://127.0.0.1")));
        node(AlertClaims.shared(new AlertClaimRepository(database), 2));
        assertEquals("pending", records.history(null, null, Long.MAX_VALUE, 10).getFirst().deliveries().getFirst().status(),
                "another node may still be sending it");
        clock.advance(Alerting.PENDING_IS_STALE.plusMinutes(1));
        node(AlertClaims.shared(new AlertClaimRepository(database), 3));
        assertEquals("failed", records.history(null, null, Long.MAX_VALUE, 10).getFirst().deliveries().getFirst().status(),
                "pending for over an hour: its node stopped");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aRuleMadeThroughOneNodeIsEvaluatedOnTheOther(String backend) throws Exception {
        setUp(backend);
        Alerting nodeB = node(AlertClaims.shared(new AlertClaimRepository(database), 2));
        AlertRepository records = new AlertRepository(database);
        long first = records.rules().getFirst().id();
        records.delete(first); // as node A's API would, with node B running
        nodeB.pollRulesNow();
        nodeB.sync();
        nodeB.offer(errors(5));
        nodeB.sync();
        Thread.sleep(500);
        assertEquals(List.of(), discord, "the rule deleted through node A is gone on node B");
        records.insert(projectId, new AlertRepository.NewRule("payment errors",
                "{\"name\":\"payment errors\",\"kind\":\"spike\",\"channels\":[{\"type\":\"discord\",\"url\":\"http://127.0.0.1:"
                        + receiver.getAddress().getPort() + "/discord/api/webhooks/1/tok\"}]}", "api"), clock.millis());
        nodeB.pollRulesNow();
        nodeB.sync();
        nodeB.offer(errors(5));
        nodeB.sync();
        expectMessages(1, "the rule made through node A fires on node B");
        assertTrue(discord.getFirst().contains("payment errors"), discord.getFirst());
    }
}
