package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import io.larch.config.ConfigException;
import io.larch.testing.HttpJson;
import io.larch.testing.MutableClock;
import io.larch.testing.TestServer;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alerting end to end: rules through /admin/alerts, events through ingest, deliveries to real
 * receivers on loopback (HTTP servers standing in for Discord, Slack and a webhook; GreenMail for
 * SMTP), on an injected clock for the quiet times, across restarts.
 */
class AlertsApiTest {
    private static final String ADMIN = TestServer.ADMIN_TOKEN;
    private final MutableClock clock = MutableClock.at("2026-12-03T10:00:00Z");
    /** Bodies received, by receiver path. */
    private final Map<String, List<String>> received = new ConcurrentHashMap<>();
    private HttpServer receivers;
    private GreenMail mail;
    private TestServer server;
    private HttpJson http;
    @TempDir
    Path dataDir;

    @BeforeEach
    void start() throws IOException {
        receivers = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receivers.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        receivers.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith("/hang")) {
                sleep(Duration.ofSeconds(30));
            }
            received.computeIfAbsent(path, p -> new CopyOnWriteArrayList<>()).add(body);
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receivers.start();
        mail = new GreenMail(new ServerSetup(0, "127.0.0.1", "smtp"));
        mail.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        receivers.stop(0);
        mail.stop();
    }

    private void startServer(Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(Map.of("LARCH_SMTP_HOST", "127.0.0.1",
                "LARCH_SMTP_PORT", Integer.toString(mail.getSmtp().getPort()), "LARCH_SMTP_SECURITY", "none",
                "LARCH_SMTP_FROM", "larch@example.test", "LARCH_PUBLIC_URL", "https://logs.example.test",
                "LARCH_SYSTEM_EVENTS_INTERVAL", "1s", "LARCH_ALERT_PRIVATE_TARGETS", "on"));
        settings.putAll(extra);
        server = TestServer.start(dataDir, settings, clock);
        http = server.http();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + receivers.getAddress().getPort() + path;
    }

    private List<String> bodies(String path) {
        return received.getOrDefault(path, List.of());
    }

    private long createRule(String key, String project, String json) {
        HttpJson.Response created = http.post("/admin/alerts?project=" + project, key, json);
        assertEquals(201, created.status(), created.body());
        return created.json().get("id").asLong();
    }

    private void ingestErrors(String key, int n, String message) {
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < n; i++) {
            batch.append("{\"level\":\"error\",\"source\":\"checkout\",\"message\":\"").append(message).append("\"}\n");
        }
        HttpJson.Response stored = http.post("/api/log", key, "application/x-ndjson",
                batch.toString().getBytes(StandardCharsets.UTF_8));
        assertEquals(202, stored.status(), stored.body());
    }

    private JsonNode history(String project, long ruleId) {
        HttpJson.Response history = http.get("/admin/alerts/history?project=" + project + "&rule=" + ruleId, ADMIN);
        assertEquals(200, history.status(), history.body());
        return history.json().get("alerts");
    }

    @Test
    void fiveIdenticalErrorsGiveOneMessagePerChannelThenOneSummary() throws Exception {
        startServer(Map.of());
        String key = server.createProject("Shop");
        long rule = createRule(ADMIN, "shop", "{\"name\":\"checkout errors\",\"kind\":\"spike\",\"channels\":["
                + "{\"type\":\"discord\",\"url\":\"" + url("/discord/api/webhooks/1/tok") + "\"},"
                + "{\"type\":\"slack\",\"url\":\"" + url("/slack") + "\"},"
                + "{\"type\":\"webhook\",\"url\":\"" + url("/hook") + "\",\"secret\":\"s3cret\"},"
                + "{\"type\":\"email\",\"to\":[\"oncall@example.test\"]}]}");
        ingestErrors(key, 4, "payment 17 declined");
        pause();
        assertEquals(List.of(), bodies("/discord/api/webhooks/1/tok"), "four are not five");
        ingestErrors(key, 1, "payment 18 declined");
        await(() -> bodies("/discord/api/webhooks/1/tok").size() == 1 && bodies("/slack").size() == 1
                && bodies("/hook").size() == 1 && mail.getReceivedMessages().length == 1, "one message on every channel");
        JsonNode embed = new com.fasterxml.jackson.databind.ObjectMapper().readTree(bodies("/discord/api/webhooks/1/tok")
                .getFirst()).get("embeds").get(0);
        assertEquals("checkout errors: 5 events in 1 min", embed.get("title").asText());
        assertTrue(embed.get("url").asText().startsWith("https://logs.example.test/?project="), embed.toString());
        assertTrue(bodies("/hook").getFirst().contains("\"count\":5"), bodies("/hook").getFirst());

        ingestErrors(key, 20, "payment 19 declined");
        pause();
        assertEquals(1, bodies("/slack").size(), "20 more in the quiet time send nothing");
        clock.advance(Duration.ofMinutes(16));
        await(() -> bodies("/slack").size() == 2 && bodies("/discord/api/webhooks/1/tok").size() == 2
                && bodies("/hook").size() == 2 && mail.getReceivedMessages().length == 2, "one summary on every channel");
        assertTrue(bodies("/slack").get(1).contains("checkout errors: and 20 more in the last 15 min"), bodies("/slack").get(1));
        MimeMessage summary = mail.getReceivedMessages()[1];
        assertEquals("checkout errors: and 20 more in the last 15 min", summary.getSubject());

        await(() -> history("shop", rule).size() == 2 && IntStream.range(0, 2).allMatch(i -> {
            JsonNode deliveries = history("shop", rule).get(i).get("deliveries");
            return deliveries.size() == 4 && IntStream.range(0, 4).allMatch(d -> deliveries.get(d).get("status").asText()
                    .equals("delivered"));
        }), "the history shows both alerts, each delivered on its four channels");
        JsonNode newest = history("shop", rule).get(0);
        assertEquals("summary", newest.get("type").asText());
        assertEquals(20, newest.get("count").asLong());
        assertEquals("fired", history("shop", rule).get(1).get("type").asText());
        assertEquals(2.0, metric("larch_alerts_triggered_total{channel=\"discord\",severity=\"error\"}"));
        assertEquals(20.0, metric("larch_alerts_suppressed_total{rule=\"" + rule + "\"}"));
    }

    @Test
    void aRestartMidWindowNeitherForgetsNorRepeats() throws Exception {
        startServer(Map.of());
        String key = server.createProject("Shop");
        createRule(ADMIN, "shop", "{\"name\":\"checkout errors\",\"kind\":\"spike\",\"channels\":["
                + "{\"type\":\"slack\",\"url\":\"" + url("/slack") + "\"}]}");
        ingestErrors(key, 3, "payment declined");
        pause();
        server.restart();
        http = server.http();
        ingestErrors(key, 2, "payment declined");
        await(() -> bodies("/slack").size() == 1, "3 before the restart and 2 after are 5 in the minute");

        ingestErrors(key, 10, "payment declined");
        pause();
        server.restart();
        http = server.http();
        ingestErrors(key, 10, "payment declined");
        pause();
        assertEquals(1, bodies("/slack").size(), "still quiet after the restart");
        clock.advance(Duration.ofMinutes(16));
        await(() -> bodies("/slack").size() == 2, "the summary after the quiet time");
        assertTrue(bodies("/slack").get(1).contains("and 20 more"), bodies("/slack").get(1));
    }

    @Test
    void aChannelThatHangsDelaysNoOther() {
        startServer(Map.of());
        String key = server.createProject("Shop");
        createRule(ADMIN, "shop", "{\"name\":\"checkout errors\",\"kind\":\"spike\",\"threshold\":1,\"channels\":["
                + "{\"type\":\"webhook\",\"url\":\"" + url("/hang") + "\"},"
                + "{\"type\":\"webhook\",\"url\":\"" + url("/fine") + "\"}]}");
        long started = System.nanoTime();
        ingestErrors(key, 1, "payment declined");
        await(() -> bodies("/fine").size() == 1, "the other channel is delivered");
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(8).toNanos(), "while the hanging one is still waiting");
        assertEquals(List.of(), bodies("/hang"));
    }

    @Test
    void rulesAreCheckedAndEachProjectSeesOnlyItsOwn() {
        startServer(Map.of());
        String shopKey = server.createProject("Shop");
        String shopAdmin = http.post("/admin/projects/shop/keys", ADMIN, "{\"scopes\":[\"admin\"]}").json().get("key").asText();
        server.createProject("Other");
        String otherAdmin = http.post("/admin/projects/other/keys", ADMIN, "{\"scopes\":[\"admin\"]}").json().get("key").asText();

        JsonNode defaults = http.get("/admin/alerts", shopAdmin).json().get("rules");
        assertEquals(List.of("error spike", "error rate", "new error"), names(defaults), "a new project has the defaults");
        assertEquals("default", defaults.get(0).get("origin").asText());
        assertEquals(5, defaults.get(0).get("threshold").asLong());
        assertEquals("1m", defaults.get(0).get("window").asText());

        HttpJson.Response badQuery = http.post("/admin/alerts", shopAdmin, "{\"name\":\"p\",\"kind\":\"pattern\",\"query\":\"level:(error\"}");
        assertEquals(400, badQuery.status());
        assertTrue(badQuery.json().get("error").asText().startsWith("query: "), badQuery.body());
        assertTrue(badQuery.json().get("error").asText().matches(".*\\b(position|column|at) \\d+.*"), badQuery.body());
        check(400, "kind: unknown rule kind 'storm'", http.post("/admin/alerts", shopAdmin, "{\"name\":\"p\",\"kind\":\"storm\"}"));
        check(400, "colour: unknown field", http.post("/admin/alerts", shopAdmin, "{\"name\":\"p\",\"kind\":\"spike\",\"colour\":1}"));
        check(400, "channels[0].url: must be an http:// or https:// URL", http.post("/admin/alerts", shopAdmin,
                "{\"name\":\"p\",\"kind\":\"spike\",\"channels\":[{\"type\":\"discord\",\"url\":\"ftp://x/y\"}]}"));
        check(400, "channels[0].to: 'nobody' is not an email address", http.post("/admin/alerts", shopAdmin,
                "{\"name\":\"p\",\"kind\":\"spike\",\"channels\":[{\"type\":\"email\",\"to\":\"nobody\"}]}"));
        check(400, "threshold: the error share in percent", http.post("/admin/alerts", shopAdmin,
                "{\"name\":\"p\",\"kind\":\"error_rate\",\"threshold\":150}"));
        check(400, "project: name the project", http.post("/admin/alerts", ADMIN, "{\"name\":\"p\",\"kind\":\"spike\"}"));
        check(409, "already has a rule named 'error spike'", http.post("/admin/alerts", shopAdmin,
                "{\"name\":\"error spike\",\"kind\":\"spike\"}"));
        check(403, "lacks the 'admin' scope", http.post("/admin/alerts", shopKey, "{\"name\":\"p\",\"kind\":\"spike\"}"));

        long id = createRule(shopAdmin, "shop", "{\"name\":\"hooked\",\"kind\":\"spike\",\"channels\":[{\"type\":\"webhook\","
                + "\"url\":\"https://hooks.example.test/services/T000/B000/XXXXSECRETXXXX\",\"secret\":\"s3cret\"}]}");
        HttpJson.Response shown = http.get("/admin/alerts/" + id, shopAdmin);
        assertEquals(200, shown.status());
        assertFalse(shown.body().contains("XXXXSECRETXXXX"), "the webhook's token is not shown: " + shown.body());
        assertFalse(shown.body().contains("s3cret"), shown.body());
        assertEquals("(set)", shown.json().get("channels").get(0).get("secret").asText());
        check(404, "no alert rule " + id + " in this project", http.get("/admin/alerts/" + id, otherAdmin));
        assertEquals(404, http.send(HttpRequest.newBuilder(http.uri("/admin/alerts/" + id)).DELETE(), otherAdmin).status());
        assertEquals(List.of("error spike", "error rate", "new error"), names(http.get("/admin/alerts", otherAdmin).json().get("rules")));

        HttpJson.Response changed = http.send(HttpRequest.newBuilder(http.uri("/admin/alerts/" + id))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"name\":\"hooked\",\"kind\":\"pattern\",\"query\":\"timeout\","
                        + "\"threshold\":3,\"window\":\"10m\"}")), shopAdmin);
        assertEquals(200, changed.status(), changed.body());
        assertEquals("pattern", changed.json().get("kind").asText());
        assertEquals("10m", changed.json().get("window").asText());
        assertEquals(0, changed.json().get("channels").size());
        assertEquals(204, http.send(HttpRequest.newBuilder(http.uri("/admin/alerts/" + id)).DELETE(), shopAdmin).status());
        assertEquals(404, http.get("/admin/alerts/" + id, shopAdmin).status());
        check(404, "rule ids are numbers", http.get("/admin/alerts/abc", shopAdmin));
        check(400, "has no channels to test", http.post("/admin/alerts/" + defaults.get(0).get("id").asLong() + "/test",
                shopAdmin, ""));

        // The defaults stay deleted: they are made once per project, not at every start.
        long spike = defaults.get(0).get("id").asLong();
        assertEquals(204, http.send(HttpRequest.newBuilder(http.uri("/admin/alerts/" + spike)).DELETE(), shopAdmin).status());
        server.restart();
        http = server.http();
        assertEquals(List.of("error rate", "new error"), names(http.get("/admin/alerts", shopAdmin).json().get("rules")));
    }

    @Test
    void aTestAlertSaysItIsOneAndReportsEachChannel() {
        startServer(Map.of());
        server.createProject("Shop");
        long id = createRule(ADMIN, "shop", "{\"name\":\"checkout errors\",\"kind\":\"spike\",\"channels\":["
                + "{\"type\":\"discord\",\"url\":\"" + url("/discord") + "\"},"
                + "{\"type\":\"webhook\",\"url\":\"http://127.0.0.1:1/refused\"}]}");
        HttpJson.Response tested = http.post("/admin/alerts/" + id + "/test?project=shop", ADMIN, "");
        assertEquals(200, tested.status(), tested.body());
        assertFalse(tested.json().get("delivered").asBoolean(), "one channel refuses connections");
        assertTrue(tested.json().get("deliveries").get(0).get("delivered").asBoolean());
        assertFalse(tested.json().get("deliveries").get(1).get("delivered").asBoolean());
        assertTrue(tested.json().get("deliveries").get(1).get("error").asText().startsWith("no answer"), tested.body());
        assertTrue(bodies("/discord").getFirst().contains("[TEST] checkout errors: a test alert from Larch"),
                bodies("/discord").getFirst());
        JsonNode history = history("shop", id);
        assertEquals("test", history.get(0).get("type").asText());
        assertEquals("failed", history.get(0).get("deliveries").get(1).get("status").asText());
        assertEquals(0.0, metric("larch_alerts_triggered_total{channel=\"discord\",severity=\"error\"}"),
                "a test is not an alert that fired");
    }

    @Test
    void theRulesFileIsAppliedAtStartAndOnReload() throws Exception {
        Path file = dataDir.resolveSibling(dataDir.getFileName() + "-rules.json");
        Files.writeString(file, "{\"rules\":[]}");
        startServer(Map.of("LARCH_ALERT_RULES_FILE", file.toString()));
        server.createProject("Shop");
        Files.writeString(file, "{\"rules\":[{\"project\":\"shop\",\"name\":\"home\",\"kind\":\"pattern\","
                + "\"query\":\"\\\"${HOME}\\\"\",\"threshold\":2}]}");
        HttpJson.Response reloaded = http.post("/admin/alerts/reload", ADMIN, "");
        assertEquals(200, reloaded.status(), reloaded.body());
        assertEquals(1, reloaded.json().get("rules").asInt());
        JsonNode rule = fileRules().getFirst();
        assertEquals("\"" + System.getenv("HOME") + "\"", rule.get("query").asText(), "${NAME} comes from the environment");
        long id = rule.get("id").asLong();
        check(409, "comes from the rules file", http.send(HttpRequest.newBuilder(http.uri("/admin/alerts/" + id + "?project=shop"))
                .DELETE(), ADMIN));

        Files.writeString(file, "{\"rules\":[{\"project\":\"shop\",\"name\":\"home\",\"kind\":\"pattern\",\"query\":\"x\","
                + "\"threshold\":4},{\"project\":\"shop\",\"name\":\"broken\",\"kind\":\"pattern\",\"query\":\"(x\"}]}");
        check(400, "rules[1].query: ", http.post("/admin/alerts/reload", ADMIN, ""));
        assertEquals(2, fileRules().getFirst().get("threshold").asLong(), "a bad file changes nothing");
        Files.writeString(file, "{\"rules\":[{\"project\":\"nowhere\",\"name\":\"n\",\"kind\":\"spike\"}]}");
        check(400, "rules[0].project: there is no project 'nowhere'", http.post("/admin/alerts/reload", ADMIN, ""));
        Files.writeString(file, "{\"rules\":[{\"project\":\"shop\",\"name\":\"home\",\"kind\":\"pattern\",\"query\":\"x\","
                + "\"threshold\":4}]}");
        assertEquals(200, http.post("/admin/alerts/reload", ADMIN, "").status());
        assertEquals(id, fileRules().getFirst().get("id").asLong(), "the same rule, changed in place");
        assertEquals(4, fileRules().getFirst().get("threshold").asLong());
        Files.writeString(file, "{\"rules\":[]}");
        assertEquals(200, http.post("/admin/alerts/reload", ADMIN, "").status());
        assertEquals(List.of(), fileRules(), "a rule taken out of the file is deleted");

        server.stop();
        Files.writeString(file, "{\"rules\":[{\"project\":\"shop\",\"name\":\"bad\",\"kind\":\"spike\",\"window\":\"forever\"}]}");
        ConfigException refused = assertThrows(ConfigException.class, () -> server.start());
        assertTrue(refused.getMessage().contains("LARCH_ALERT_RULES_FILE: rules[0].window: a duration like"), refused.getMessage());
        server = null;
    }

    @Test
    void larchAlertsAboutItselfOnABurstOfRefusedKeys() {
        startServer(Map.of());
        server.createProject("Shop");
        for (int i = 0; i < 25; i++) {
            assertEquals(401, http.get("/api/log?project=shop", "lk_wrong_" + i).status());
        }
        await(() -> {
            HttpJson.Response found = http.get("/api/log?project=larch-system&q=source:larch.auth", ADMIN);
            return found.status() == 200 && found.json().get("events").size() > 0;
        }, "a kind=system event in larch-system");
        JsonNode event = http.get("/api/log?project=larch-system&q=source:larch.auth", ADMIN).json().get("events").get(0);
        assertEquals("system", event.get("kind").asText());
        assertEquals("warn", event.get("level").asText());
        long rule = http.get("/admin/alerts?project=larch-system", ADMIN).json().get("rules").get(0).get("id").asLong();
        await(() -> history("larch-system", rule).size() == 1, "its default rule fired");
        assertTrue(history("larch-system", rule).get(0).get("title").asText().startsWith("larch needs attention: 1 events"));
    }

    /**
     * One meaning: a pattern rule counts exactly the events a search with its query finds. Each
     * query gets a rule at the search's count (it must fire, with that count) and one above it
     * (it must not).
     */
    @Test
    void patternRulesCountWhatSearchFinds() {
        startServer(Map.of());
        String key = server.createProject("Shop");
        List<String> queries = List.of("level>=warn", "payment -declined", "source:checkout", "attrs.region:eu",
                "\\\"card declined\\\"", "user:u3 OR conversation:c1", "pay*");
        java.util.Random random = new java.util.Random(42);
        StringBuilder batch = new StringBuilder();
        String[] levels = {"debug", "info", "warn", "error"};
        String[] words = {"payment declined", "card declined for payment", "payment ok", "shipping label printed", "cart saved"};
        for (int i = 0; i < 200; i++) {
            batch.append("{\"level\":\"").append(levels[random.nextInt(4)]).append("\",\"source\":\"")
                    .append(random.nextBoolean() ? "checkout" : "cart").append("\",\"message\":\"")
                    .append(words[random.nextInt(words.length)]).append(" ").append(i).append("\",\"userId\":\"u")
                    .append(random.nextInt(5)).append("\",\"conversationId\":\"c").append(random.nextInt(3))
                    .append("\",\"attrs\":{\"region\":\"").append(random.nextBoolean() ? "eu" : "us").append("\"}}\n");
        }
        // Counted by search first, on a copy in another project, so the rules see the real batch once.
        String probeKey = server.createProject("Probe");
        assertEquals(202, http.post("/api/log", probeKey, "application/x-ndjson", batch.toString().getBytes(StandardCharsets.UTF_8)).status());
        Map<String, long[]> rules = new java.util.LinkedHashMap<>();
        for (String query : queries) {
            HttpJson.Response found = http.get("/api/log?limit=1000&q=" + java.net.URLEncoder.encode(query.replace("\\\"", "\""),
                    StandardCharsets.UTF_8), probeKey);
            assertEquals(200, found.status(), found.body());
            long count = found.json().get("events").size();
            assertTrue(count > 0 && count < 200, query + " selects a proper subset: " + count);
            long at = createRule(ADMIN, "shop", "{\"name\":\"at " + query.replace("\\\"", "") + "\",\"kind\":\"pattern\","
                    + "\"query\":\"" + query + "\",\"threshold\":" + count + ",\"window\":\"1h\"}");
            long above = createRule(ADMIN, "shop", "{\"name\":\"above " + query.replace("\\\"", "") + "\",\"kind\":\"pattern\","
                    + "\"query\":\"" + query + "\",\"threshold\":" + (count + 1) + ",\"window\":\"1h\"}");
            rules.put(query, new long[] {count, at, above});
        }
        assertEquals(202, http.post("/api/log", key, "application/x-ndjson", batch.toString().getBytes(StandardCharsets.UTF_8)).status());
        for (Map.Entry<String, long[]> rule : rules.entrySet()) {
            long[] r = rule.getValue();
            await(() -> history("shop", r[1]).size() == 1, "the rule at the search's count fires: " + rule.getKey());
            assertEquals(r[0], history("shop", r[1]).get(0).get("count").asLong(), rule.getKey());
        }
        pause();
        for (Map.Entry<String, long[]> rule : rules.entrySet()) {
            assertEquals(0, history("shop", rule.getValue()[2]).size(), "one more than search finds never comes: " + rule.getKey());
        }
    }

    @Test
    void webhooksToPrivateAddressesAreRefusedUnlessTheOperatorAllowsThem() {
        startServer(Map.of("LARCH_ALERT_PRIVATE_TARGETS", "off"));
        server.createProject("Shop");
        for (String target : List.of("http://127.0.0.1:9/x", "http://169.254.169.254/latest/meta-data", "http://10.1.2.3/hook",
                "http://[::1]:8080/x", "http://localhost/x")) {
            check(400, "channels[0].url: leads to a loopback, link-local or private address", http.post("/admin/alerts?project=shop",
                    ADMIN, "{\"name\":\"n\",\"kind\":\"spike\",\"channels\":[{\"type\":\"webhook\",\"url\":\"" + target + "\"}]}"));
        }
        long id = createRule(ADMIN, "shop", "{\"name\":\"public\",\"kind\":\"spike\",\"channels\":[{\"type\":\"discord\","
                + "\"url\":\"https://discord.example.invalid/api/webhooks/1/tok\"}]}");
        JsonNode shown = http.get("/admin/alerts/" + id + "?project=shop", ADMIN).json();
        assertEquals("https://discord.example.invalid/…", shown.get("channels").get(0).get("url").asText());
        check(400, "channels[0].url: this is the shortened URL that GET shows", http.send(HttpRequest.newBuilder(
                http.uri("/admin/alerts/" + id + "?project=shop")).PUT(HttpRequest.BodyPublishers.ofString(
                "{\"name\":\"public\",\"kind\":\"spike\",\"channels\":" + shown.get("channels") + "}")), ADMIN));
    }

    private List<JsonNode> fileRules() {
        List<JsonNode> rules = new java.util.ArrayList<>();
        http.get("/admin/alerts?project=shop", ADMIN).json().get("rules").forEach(r -> {
            if (r.get("origin").asText().equals("file")) {
                rules.add(r);
            }
        });
        return rules;
    }

    private static List<String> names(JsonNode rules) {
        List<String> names = new java.util.ArrayList<>();
        rules.forEach(rule -> names.add(rule.get("name").asText()));
        return names;
    }

    private static void check(int status, String errorStart, HttpJson.Response response) {
        assertEquals(status, response.status(), response.body());
        if (!errorStart.isEmpty()) {
            assertTrue(response.json().get("error").asText().contains(errorStart), response.body());
        }
    }

    /** A value in /metrics by its full name with labels; 0 when it is not there. */
    private double metric(String nameWithLabels) {
        String body = http.get("/metrics", null).body();
        return body.lines().filter(l -> l.startsWith(nameWithLabels + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(nameWithLabels.length() + 1))).orElse(0.0);
    }

    /** Long enough for the evaluator (which ticks every second) to have seen what was sent. */
    private static void pause() {
        sleep(Duration.ofMillis(1500));
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 15 s: " + what);
            }
            sleep(Duration.ofMillis(50));
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted"));
        }
    }
}
