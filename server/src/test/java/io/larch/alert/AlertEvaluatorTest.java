package io.larch.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.InvalidInputException;
import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rules on an injected clock: each fires where it should, once, then one summary of what it suppressed. */
class AlertEvaluatorTest {
    private final MutableClock clock = MutableClock.at("2026-12-03T10:00:00Z");
    private final List<Alert> alerts = new ArrayList<>();
    private final AlertEvaluator evaluator = new AlertEvaluator(clock, alerts::add);
    private long ids;

    private LogEvent event(Level level, String fingerprint, String message) {
        long now = clock.millis();
        return new LogEvent(++ids, now, now, 1, Kind.APP, level, message, "api", null, fingerprint, null, null, null, null,
                null, null, Map.of());
    }

    private void send(int n, Level level, String fingerprint, Duration apart) {
        for (int i = 0; i < n; i++) {
            evaluator.offer(event(level, fingerprint, "order " + i + " failed"));
            clock.advance(apart);
            evaluator.tick();
        }
    }

    private static AlertRule spike() {
        return AlertRule.of(1, 1, "error spike", AlertRule.Kind.SPIKE, 5, 0, Duration.ofSeconds(60), null, null, null);
    }

    @Test
    void fiveIdenticalErrorsInAMinuteGiveOneAlertThenOneSummary() {
        evaluator.setRules(1, List.of(spike()));
        send(4, Level.ERROR, "fp-a", Duration.ofSeconds(5));
        assertEquals(List.of(), alerts, "four are not five");
        send(1, Level.ERROR, "fp-a", Duration.ofSeconds(5));
        assertEquals(1, alerts.size());
        assertEquals(Alert.Type.FIRED, alerts.getFirst().type());
        assertEquals(5, alerts.getFirst().count());
        assertEquals("fp-a", alerts.getFirst().group());

        send(20, Level.ERROR, "fp-a", Duration.ofSeconds(30)); // 10 minutes, all inside the quiet time
        assertEquals(1, alerts.size(), "suppressed for 15 minutes");
        clock.advance(Duration.ofMinutes(6));
        evaluator.tick();
        assertEquals(2, alerts.size());
        assertEquals(Alert.Type.SUMMARY, alerts.get(1).type());
        assertEquals(20, alerts.get(1).count(), "the summary counts what was suppressed");

        clock.advance(Duration.ofMinutes(30));
        evaluator.tick();
        assertEquals(2, alerts.size(), "one summary, not a summary per tick");
        send(5, Level.ERROR, "fp-a", Duration.ofSeconds(1));
        assertEquals(3, alerts.size(), "a new occurrence fires again");
    }

    @Test
    void differentFingerprintsAlertSeparatelyAndSlowOrLowEventsDoNot() {
        evaluator.setRules(1, List.of(spike()));
        send(5, Level.ERROR, "fp-a", Duration.ofSeconds(1));
        send(5, Level.ERROR, "fp-b", Duration.ofSeconds(1));
        assertEquals(List.of("fp-a", "fp-b"), alerts.stream().map(Alert::group).toList());
        send(10, Level.WARN, "fp-c", Duration.ofSeconds(1));
        send(10, Level.ERROR, "fp-d", Duration.ofSeconds(20)); // never five within 60 s
        assertEquals(2, alerts.size(), alerts.toString());
    }

    @Test
    void errorRateFiresAboveItsShareWithEnoughEvents() {
        evaluator.setRules(1, List.of(AlertRule.of(2, 1, "errors above 20%", AlertRule.Kind.ERROR_RATE, 20, 50,
                Duration.ofMinutes(5), null, null, null)));
        send(10, Level.INFO, "i", Duration.ofMillis(100));
        send(10, Level.ERROR, "e", Duration.ofMillis(100));
        assertEquals(List.of(), alerts, "50% of 20 events is not enough events");
        send(50, Level.INFO, "i", Duration.ofMillis(100));
        assertEquals(List.of(), alerts, "10 of 70 is 14%");
        send(5, Level.ERROR, "e", Duration.ofMillis(100));
        assertEquals(List.of(), alerts, "15 of 75 is 20%, not above");
        send(1, Level.ERROR, "e", Duration.ofMillis(100));
        assertEquals(1, alerts.size(), "16 of 76 is 21%");
        assertEquals(16, alerts.getFirst().count());
    }

    @Test
    void aNewFingerprintAlertsOnceAndKnownOnesNever() {
        evaluator.setRules(1, List.of(AlertRule.of(3, 1, "new error", AlertRule.Kind.NEW_FINGERPRINT, 0, 0,
                Duration.ofMinutes(1), null, null, null)));
        evaluator.alreadySeen(1, List.of("fp-old"));
        send(3, Level.ERROR, "fp-new", Duration.ofSeconds(1));
        send(3, Level.ERROR, "fp-old", Duration.ofSeconds(1));
        send(3, Level.INFO, "fp-info", Duration.ofSeconds(1));
        assertEquals(1, alerts.size());
        assertEquals("fp-new", alerts.getFirst().sample().fingerprint());
        send(1, Level.ERROR, "fp-second", Duration.ofSeconds(1));
        send(1, Level.ERROR, "fp-third", Duration.ofSeconds(1));
        assertEquals(1, alerts.size(), "more new errors within the quiet time wait for the summary");
        clock.advance(Duration.ofMinutes(15));
        evaluator.tick();
        assertEquals(Alert.Type.SUMMARY, alerts.get(1).type());
        assertEquals(2, alerts.get(1).count());
        assertEquals("new error: and 2 more new kinds of error in the last 15 min", AlertText.title(alerts.get(1)));
    }

    @Test
    void patternAndAbsenceRulesCountTheirQuery() {
        evaluator.setRules(1, List.of(
                AlertRule.of(4, 1, "payments failing", AlertRule.Kind.PATTERN, 3, 0, Duration.ofMinutes(1), null,
                        "payment declined", Level.TRACE),
                AlertRule.of(5, 1, "heartbeat", AlertRule.Kind.ABSENCE, 1, 0, Duration.ofMinutes(2), null, "heartbeat",
                        Level.TRACE)));
        for (int i = 0; i < 3; i++) {
            evaluator.offer(event(Level.INFO, "x", "payment declined for card " + i));
            evaluator.offer(event(Level.INFO, "h", "heartbeat ok"));
            clock.advance(Duration.ofSeconds(25));
            evaluator.tick();
        }
        assertEquals(List.of("payments failing"), alerts.stream().map(Alert::group).toList());
        clock.advance(Duration.ofMinutes(2));
        evaluator.tick();
        assertEquals(List.of("payments failing", "heartbeat"), alerts.stream().map(Alert::group).toList(),
                "two minutes without a heartbeat");
        evaluator.tick();
        assertEquals(2, alerts.size(), "quiet after it fired");
    }

    @Test
    void groupsWithNothingLeftAreForgotten() {
        evaluator.setRules(1, List.of(spike()));
        send(2, Level.ERROR, "fp-a", Duration.ofSeconds(1));
        assertEquals(1, evaluator.groupCount());
        clock.advance(Duration.ofMinutes(2));
        evaluator.tick();
        assertEquals(0, evaluator.groupCount());
        evaluator.setRules(1, List.of());
        send(10, Level.ERROR, "fp-a", Duration.ofSeconds(1));
        assertEquals(List.of(), alerts, "a removed rule counts nothing");
    }

    @Test
    void badRulesSayWhatIsWrong() {
        assertTrue(assertThrows(InvalidInputException.class, () -> AlertRule.of(1, 1, "p", AlertRule.Kind.PATTERN, 3, 0,
                Duration.ofMinutes(1), null, "level:(error", null)).getMessage().startsWith("query: "));
        assertThrows(InvalidInputException.class, () -> AlertRule.of(1, 1, "p", AlertRule.Kind.PATTERN, 3, 0,
                Duration.ofMinutes(1), null, null, null));
        assertThrows(InvalidInputException.class, () -> AlertRule.of(1, 1, "r", AlertRule.Kind.ERROR_RATE, 120, 10,
                Duration.ofMinutes(1), null, null, null));
        assertThrows(InvalidInputException.class, () -> AlertRule.of(1, 1, "s", AlertRule.Kind.SPIKE, 2.5, 0,
                Duration.ofMinutes(1), null, null, null));
        assertThrows(InvalidInputException.class, () -> AlertRule.of(1, 1, "s", AlertRule.Kind.SPIKE, 5, 0,
                Duration.ofDays(2), null, null, null));
        assertThrows(InvalidInputException.class, () -> AlertRule.of(1, 1, " ", AlertRule.Kind.SPIKE, 5, 0,
                Duration.ofMinutes(1), null, null, null));
    }

    private LogEvent ended(Kind kind, String id, String status) {
        long now = clock.millis();
        return new LogEvent(++ids, now, now, 1, kind, status.equals("success") ? Level.INFO : Level.ERROR,
                kind.wireName() + " " + id + " " + status, "ci", null, "fp-" + kind.wireName(), null, null,
                kind == Kind.BUILD ? id : null, kind == Kind.DEPLOY ? id : null, null, status, Map.of());
    }

    @Test
    void buildFailuresFireAboveTheirShareOfTheLastBuilds() {
        evaluator.setRules(1, List.of(AlertRule.of(6, 1, "builds failing", AlertRule.Kind.BUILD_FAILURES, 40, 4,
                Duration.ofDays(1), null, null, null)));
        evaluator.offer(ended(Kind.BUILD, "b1", "failed"));
        evaluator.offer(ended(Kind.BUILD, "b2", "failed"));
        evaluator.offer(ended(Kind.BUILD, "b3", "failed"));
        assertEquals(List.of(), alerts, "three builds are not the last four");
        evaluator.offer(ended(Kind.BUILD, "b3", "success")); // re-run passed: b3 counts once, as a pass
        evaluator.offer(ended(Kind.BUILD, "b4", "success"));
        assertEquals(List.of(), alerts, "2 of 4 failed, but a build that passed raises nothing");
        evaluator.offer(ended(Kind.DEPLOY, "d1", "failed"));
        evaluator.offer(new LogEvent(++ids, clock.millis(), clock.millis(), 1, Kind.BUILD, Level.ERROR, "compiling",
                "ci", null, "fp", null, null, "b5", null, null, "running", Map.of()));
        assertEquals(List.of(), alerts, "neither a deploy nor a build still running counts");
        evaluator.offer(ended(Kind.BUILD, "b5", "error"));
        assertEquals(1, alerts.size(), "the last four are b2, b3, b4, b5 (b1 left): 2 failed, above 40%");
        assertEquals(2, alerts.getFirst().count());
        evaluator.offer(ended(Kind.BUILD, "b6", "failed"));
        assertEquals(1, alerts.size(), "quiet after it fired");
        clock.advance(Duration.ofMinutes(16));
        evaluator.tick();
        assertEquals(Alert.Type.SUMMARY, alerts.get(1).type());
        assertEquals(1, alerts.get(1).count(), "one failed build while quiet");
    }

    @Test
    void eachFailedDeploymentAlertsOnce() {
        evaluator.setRules(1, List.of(AlertRule.of(7, 1, "deploy failed", AlertRule.Kind.DEPLOY_FAILURE, 0, 0,
                Duration.ofMinutes(1), null, null, null)));
        evaluator.offer(ended(Kind.DEPLOY, "d1", "success"));
        evaluator.offer(ended(Kind.BUILD, "b1", "failed"));
        assertEquals(List.of(), alerts);
        evaluator.offer(ended(Kind.DEPLOY, "d2", "failed"));
        evaluator.offer(ended(Kind.DEPLOY, "d2", "error"));
        evaluator.offer(ended(Kind.DEPLOY, "d3", "FAILED"));
        assertEquals(List.of("d2", "d3"), alerts.stream().map(Alert::group).toList(), "one alert per deployment");
    }

    @Test
    void countsSurviveARestartMidWindow() throws Exception {
        evaluator.setRules(1, List.of(spike()));
        send(3, Level.ERROR, "fp-a", Duration.ofSeconds(5));
        AlertEvaluator restarted = restart(evaluator);
        for (int i = 0; i < 2; i++) {
            restarted.offer(event(Level.ERROR, "fp-a", "order failed"));
        }
        assertEquals(1, alerts.size(), "3 before the restart and 2 after are 5 in the minute");

        restarted.offer(event(Level.ERROR, "fp-a", "order failed"));
        AlertEvaluator again = restart(restarted);
        for (int i = 0; i < 20; i++) {
            again.offer(event(Level.ERROR, "fp-a", "order failed"));
            clock.advance(Duration.ofSeconds(20));
            again.tick();
        }
        assertEquals(1, alerts.size(), "still quiet after a second restart");
        clock.advance(Duration.ofMinutes(10));
        again.tick();
        assertEquals(2, alerts.size());
        assertEquals(Alert.Type.SUMMARY, alerts.get(1).type());
        assertEquals(21, alerts.get(1).count(), "suppressed before and after the restart");
        assertEquals("order failed", alerts.get(1).sample().message(), "the sample came back too");
    }

    @Test
    void aSeenFingerprintIsNotNewAfterARestart() throws Exception {
        AlertRule rule = AlertRule.of(3, 1, "new error", AlertRule.Kind.NEW_FINGERPRINT, 0, 0, Duration.ofMinutes(1), null,
                null, null);
        evaluator.setRules(1, List.of(rule));
        send(1, Level.ERROR, "fp-new", Duration.ofSeconds(1));
        AlertEvaluator.Changes changes = evaluator.takeChanges();
        assertEquals(List.of(new AlertEvaluator.SeenFingerprint(1, "fp-new")), changes.seen());
        AlertEvaluator restarted = new AlertEvaluator(clock, alerts::add);
        restarted.alreadySeen(1, changes.seen().stream().map(AlertEvaluator.SeenFingerprint::fingerprint).toList());
        restarted.setRules(1, List.of(rule));
        restarted.offer(event(Level.ERROR, "fp-new", "again"));
        assertEquals(1, alerts.size());
    }

    /** What a restart does: the state saved (as JSON, as the catalog holds it) is restored into a new evaluator. */
    private AlertEvaluator restart(AlertEvaluator before) throws Exception {
        AlertEvaluator.Changes changes = before.takeChanges();
        AlertEvaluator after = new AlertEvaluator(clock, alerts::add);
        after.setRules(1, List.of(spike()));
        for (Map.Entry<Long, AlertEvaluator.RuleState> state : changes.rules().entrySet()) {
            after.restore(state.getKey(), AlertStateJson.read(AlertStateJson.write(state.getValue())));
        }
        return after;
    }

    @Test
    void everyNewFingerprintRuleSeesTheFirstSight() {
        evaluator.setRules(1, List.of(
                AlertRule.of(3, 1, "new error", AlertRule.Kind.NEW_FINGERPRINT, 0, 0, Duration.ofMinutes(1), null, null, null),
                AlertRule.of(8, 1, "new api error", AlertRule.Kind.NEW_FINGERPRINT, 0, 0, Duration.ofMinutes(1), null,
                        "source:api", null)));
        send(1, Level.ERROR, "fp-first", Duration.ofSeconds(1));
        assertEquals(List.of("new error", "new api error"), alerts.stream().map(a -> a.rule().name()).toList());
    }

    @Test
    void silenceIsToldOncePerWindowEvenWithoutAQuietTime() {
        evaluator.setRules(1, List.of(AlertRule.of(5, 1, "heartbeat", AlertRule.Kind.ABSENCE, 1, 0, Duration.ofMinutes(2),
                Duration.ZERO, "heartbeat", Level.TRACE)));
        for (int second = 0; second < 5 * 60; second++) {
            clock.advance(Duration.ofSeconds(1));
            evaluator.tick();
        }
        assertEquals(2, alerts.size(), "at 2 and 4 minutes, not every second after 2");
    }

    @Test
    void renamingARuleKeepsItsCountsAndQuietTime() {
        AlertRule pattern = AlertRule.of(4, 1, "payments failing", AlertRule.Kind.PATTERN, 3, 0, Duration.ofMinutes(1), null,
                "order", Level.TRACE);
        evaluator.setRules(1, List.of(pattern));
        send(3, Level.INFO, "x", Duration.ofSeconds(1));
        assertEquals(1, alerts.size());
        evaluator.setRules(1, List.of(AlertRule.of(4, 1, "card payments failing", AlertRule.Kind.PATTERN, 3, 0,
                Duration.ofMinutes(1), null, "order", Level.TRACE)));
        send(3, Level.INFO, "x", Duration.ofSeconds(1));
        assertEquals(1, alerts.size(), "still in its quiet time");
        evaluator.setRules(1, List.of(AlertRule.of(4, 1, "card payments failing", AlertRule.Kind.PATTERN, 3, 0,
                Duration.ofMinutes(1), null, "failed", Level.TRACE)));
        clock.advance(Duration.ofMinutes(20));
        evaluator.tick();
        assertEquals(1, alerts.size(), "a rule that now counts something else starts afresh: no summary of the old counts");
    }

    @Test
    void aBroadOutageIsAFewMessagesAndOneSummaryNotOnePerFingerprint() {
        evaluator.setRules(1, List.of(spike()));
        for (int fingerprint = 0; fingerprint < 40; fingerprint++) {
            for (int i = 0; i < 5; i++) {
                evaluator.offer(event(Level.ERROR, "fp-" + fingerprint, "failure " + i));
            }
        }
        assertEquals(AlertEvaluator.MAX_ALERTS_PER_RULE, alerts.size(), "five fingerprints alert, 35 are held");
        clock.advance(Duration.ofMinutes(15));
        evaluator.tick();
        assertEquals(AlertEvaluator.MAX_ALERTS_PER_RULE + 1, alerts.size());
        Alert summary = alerts.getLast();
        assertEquals(Alert.Type.SUMMARY, summary.type());
        assertEquals("35 more groups", summary.group());
        assertEquals(35 * 5, summary.count(), "the events of the alerts held back");
        send(5, Level.ERROR, "fp-late", Duration.ofSeconds(1));
        assertEquals(Alert.Type.FIRED, alerts.getLast().type(), "a new quiet time, a new budget");
    }
}
