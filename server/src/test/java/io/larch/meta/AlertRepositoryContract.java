package io.larch.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.FingerprintTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Alert rules, their saved state, seen fingerprints and the alert history, on each backend. */
abstract class AlertRepositoryContract extends MetadataContract {
    AlertRepository alerts;
    long shop;
    long blog;

    @Override
    void openRepositories() {
        alerts = new AlertRepository(database);
        ProjectRepository projects = new ProjectRepository(database);
        shop = database.transaction(c -> projects.insertIfAbsent(c, "shop", "Shop", 0)).orElseThrow().id();
        blog = database.transaction(c -> projects.insertIfAbsent(c, "blog", "Blog", 0)).orElseThrow().id();
    }

    static AlertRepository.NewRule rule(String name, String origin) {
        return new AlertRepository.NewRule(name, "{\"name\":\"" + name + "\"}", origin);
    }

    @Test
    void rulesAreInsertedUpdatedAndDeletedWithTheirState() {
        AlertRepository.RuleRecord spike = alerts.insert(shop, rule("spike", "api"), 100);
        AlertRepository.RuleRecord rate = alerts.insert(blog, rule("rate", "default"), 101);
        assertEquals(List.of(spike, rate), alerts.rules());
        assertEquals(Optional.of(spike), alerts.rule(spike.id()));
        assertTrue(alerts.nameTaken(shop, "spike", 0));
        assertFalse(alerts.nameTaken(shop, "spike", spike.id()), "its own name");
        assertFalse(alerts.nameTaken(blog, "spike", 0), "names are per project");
        assertThrows(MetadataException.class, () -> alerts.insert(shop, rule("spike", "api"), 102));

        AlertRepository.RuleRecord renamed = alerts.update(spike.id(), "big spike", "{}", 200).orElseThrow();
        assertEquals(new AlertRepository.RuleRecord(spike.id(), shop, "big spike", "{}", "api", 100, 200), renamed);
        assertEquals(Optional.empty(), alerts.update(9999, "x", "{}", 200));

        alerts.saveChanges(Map.of(spike.id(), "s1", rate.id(), "r1", 9999L, "gone"), List.of(), Map.of(), 300);
        assertEquals(Map.of(spike.id(), "s1", rate.id(), "r1"), alerts.states(), "a deleted rule's state is skipped");
        alerts.saveChanges(Map.of(spike.id(), "s2"), List.of(rate.id()), Map.of(), 301);
        assertEquals(Map.of(spike.id(), "s2"), alerts.states());
        assertTrue(alerts.delete(spike.id()));
        assertFalse(alerts.delete(spike.id()));
        assertEquals(Map.of(), alerts.states());
        assertEquals(List.of(rate), alerts.rules());
    }

    @Test
    void insertIfAbsentKeepsTheRuleAlreadyThere() {
        AlertRepository.RuleRecord first = database.transaction(c -> alerts.insertIfAbsent(c, shop, rule("spike", "default"), 1))
                .orElseThrow();
        assertEquals(Optional.empty(), database.transaction(c -> alerts.insertIfAbsent(c, shop, rule("spike", "file"), 2)));
        assertEquals(List.of(first), alerts.rules());
    }

    @Test
    void fileRulesReplaceTheirOwnTakeOverDefaultsAndNeverAnApiRule() {
        AlertRepository.RuleRecord byDefault = alerts.insert(shop, rule("spike", "default"), 1);
        alerts.insert(shop, rule("mine", "api"), 1);
        alerts.replaceFileRules(Map.of(shop, List.of(rule("spike", "file"), rule("rate", "file"))), 10);
        List<AlertRepository.RuleRecord> rules = alerts.rules();
        assertEquals(List.of("spike", "mine", "rate"), rules.stream().map(AlertRepository.RuleRecord::name).toList());
        assertEquals(byDefault.id(), rules.getFirst().id(), "the default kept its id (and counts)");
        assertEquals("file", rules.getFirst().origin());

        alerts.replaceFileRules(Map.of(shop, List.of(rule("rate", "file"))), 20);
        assertEquals(List.of("mine", "rate"), alerts.rules().stream().map(AlertRepository.RuleRecord::name).toList());

        assertThrows(IllegalStateException.class,
                () -> alerts.replaceFileRules(Map.of(shop, List.of(rule("new", "file"), rule("mine", "file"))), 30));
        assertEquals(List.of("mine", "rate"), alerts.rules().stream().map(AlertRepository.RuleRecord::name).toList(),
                "nothing half applied");
    }

    /** Nodes starting together reload the same rules file: each rule must end up there once, and no reload fail. */
    @Test
    void concurrentReloadsOfTheSameFileMakeEachRuleOnce() throws Exception {
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        Map<Long, List<AlertRepository.NewRule>> file = Map.of(shop, List.of(rule("a", "file"), rule("b", "file")),
                blog, List.of(rule("c", "file")));
        try {
            Database other = peer();
            AlertRepository otherAlerts = new AlertRepository(other);
            List<Future<?>> reloads = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                AlertRepository repository = i % 2 == 0 ? alerts : otherAlerts;
                reloads.add(pool.submit(() -> {
                    start.await();
                    repository.replaceFileRules(file, 5);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> reload : reloads) {
                reload.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of("a", "b", "c"), alerts.rules().stream().map(AlertRepository.RuleRecord::name).sorted().toList());
    }

    @Test
    void knownFingerprintsAreTheSeenOnesAndTheLearnedTemplates() {
        alerts.saveChanges(Map.of(), List.of(), Map.of(shop, List.of("f1", "f2")), 1);
        alerts.saveChanges(Map.of(), List.of(), Map.of(shop, List.of("f2", "f3"), blog, List.of("f9")), 2);
        new FingerprintRepository(database).putTemplates(List.of(new FingerprintTemplate(shop, "f4", "api", "t", 1, 0, 1),
                new FingerprintTemplate(shop, "f1", "api", "t", 1, 1, 1)));
        assertEquals(Set.of("f1", "f2", "f3", "f4"), Set.copyOf(alerts.knownFingerprints(shop)));
        assertEquals(4, alerts.knownFingerprints(shop).size(), "each once");
        assertEquals(List.of("f9"), alerts.knownFingerprints(blog));
    }

    @Test
    void historyKeepsEachAlertWithItsDeliveriesNewestFirst() {
        AlertRepository.RuleRecord spike = alerts.insert(shop, rule("spike", "api"), 1);
        List<AlertRepository.Channel> two = List.of(new AlertRepository.Channel("discord", "discord.com/..."),
                new AlertRepository.Channel("webhook", "example.org"));
        long first = alerts.recordAlert(shop, spike.id(), "spike", "fired", "g1", 12, 1000, "12 errors", 77L, two);
        long second = alerts.recordAlert(shop, null, "test", "test", null, 1, 2000, "a test", null, List.of());
        long other = alerts.recordAlert(blog, null, "x", "fired", null, 1, 3000, "x", null, List.of());
        assertTrue(first < second && second < other);
        alerts.recordDelivery(first, 1, "sent", 2, 204, null, 1100);

        List<AlertRepository.HistoryRecord> shops = alerts.history(shop, null, Long.MAX_VALUE, 10);
        assertEquals(List.of(second, first), shops.stream().map(AlertRepository.HistoryRecord::id).toList());
        AlertRepository.HistoryRecord fired = shops.get(1);
        assertEquals(new AlertRepository.HistoryRecord(first, shop, spike.id(), "spike", "fired", "g1", 12, 1000, "12 errors",
                77L, List.of(new AlertRepository.DeliveryRecord(0, "discord", "discord.com/...", "pending", 0, 0, null, 1000),
                        new AlertRepository.DeliveryRecord(1, "webhook", "example.org", "sent", 2, 204, null, 1100))), fired);
        assertEquals(null, shops.getFirst().ruleId());
        assertEquals(null, shops.getFirst().sampleId());
        assertEquals(List.of(first), alerts.history(shop, spike.id(), Long.MAX_VALUE, 10).stream()
                .map(AlertRepository.HistoryRecord::id).toList(), "one rule's");
        assertEquals(List.of(first), alerts.history(null, null, second, 10).stream()
                .map(AlertRepository.HistoryRecord::id).toList(), "ids below");
        assertEquals(3, alerts.history(null, null, Long.MAX_VALUE, 10).size());

        assertEquals(1, alerts.failPending("stopped", 5000));
        assertEquals("failed", alerts.history(shop, spike.id(), Long.MAX_VALUE, 1).getFirst().deliveries().getFirst().status());
        assertEquals(0, alerts.failPending("stopped", 5001));
    }
}
