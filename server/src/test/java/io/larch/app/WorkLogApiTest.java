package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.model.WorkLogFields;
import io.larch.security.RequestSignatures;
import io.larch.testing.HttpJson;
import io.larch.testing.MutableClock;
import io.larch.testing.TestServer;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The work-log API through a real server: create, update, list (collapsed entries, the polling
 * hint), stats (the same before and after sealing), viewer tokens, bad input, signing. Each test
 * has its own project and moves the shared clock only forward, to a fresh day.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkLogApiTest {
    private static final String ADMIN = TestServer.ADMIN_TOKEN;
    private final MutableClock clock = MutableClock.at("2026-12-03T10:00:00Z");
    private TestServer server;
    private HttpJson http;
    private int projects;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        server = TestServer.start(dataDir, Map.of(), clock);
        http = server.http();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    /** A new project and its first key (ingest and read); the clock moves to 10:00 of a day no test used. */
    private String freshProject() {
        clock.set(clock.instant().truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(3)).plus(Duration.ofHours(10)));
        return http.post("/admin/projects", ADMIN, "{\"name\":\"Work " + (++projects) + "\",\"slug\":\"work-" + projects
                + "\"}").json().get("key").asText();
    }

    private HttpJson.Response create(String key, String body) {
        return http.post("/api/work-log/create", key, body);
    }

    private String created(String key, String body) {
        HttpJson.Response response = create(key, body);
        assertEquals(202, response.status(), response.body());
        JsonNode json = response.json();
        assertFalse(json.get("debounced").asBoolean(), response.body());
        assertEquals(json.get("id").asText(), json.get("entryId").asText(), "a new entry's id is its entry id");
        return json.get("entryId").asText();
    }

    private JsonNode updated(String key, String body) {
        HttpJson.Response response = http.post("/api/work-log/update", key, body);
        assertEquals(202, response.status(), response.body());
        return response.json();
    }

    private JsonNode list(String credential, String query) {
        HttpJson.Response response = http.get("/api/work-log/list?" + query, credential);
        assertEquals(200, response.status(), response.body());
        return response.json();
    }

    private static List<String> lines(JsonNode page) {
        List<String> lines = new ArrayList<>();
        page.get("events").forEach(e -> lines.add(e.get("message").asText() + " " + e.get("status").asText()));
        return lines;
    }

    private JsonNode stats(String credential, String query) {
        HttpJson.Response response = http.get("/api/work-log/stats?" + query, credential);
        assertEquals(200, response.status(), response.body());
        return response.json();
    }

    /** The counts as one line per day and cell: "2026-12-06 tool_call success 1". */
    private static List<String> cells(JsonNode stats) {
        List<String> cells = new ArrayList<>();
        stats.get("days").forEach(day -> day.get("counts").forEach(c -> cells.add(day.get("day").asText() + " "
                + c.get("logType").asText() + " " + c.get("status").asText() + " " + c.get("count").asLong())));
        return cells;
    }

    private static void check(HttpJson.Response response, int status, String errorPart) {
        assertEquals(status, response.status(), response.body());
        assertTrue(response.json().get("error").asText().contains(errorPart), "expected '" + errorPart + "' in " + response.body());
    }

    @Test
    void aCreatedEntryIsListedAndAnUpdateChangesItInPlace() {
        String key = freshProject();
        String entry = created(key, "{\"userId\":\"u1\",\"conversationId\":\"c1\",\"logType\":\"tool_call\","
                + "\"status\":\"working\",\"message\":\"Searching the docs\",\"metadata\":{\"tool\":\"search\",\"ms\":12,\"cached\":false}}");
        JsonNode first = list(key, "userId=u1").get("events");
        assertEquals(1, first.size(), first.toString());
        JsonNode event = first.get(0);
        assertEquals(entry, event.get("entryId").asText());
        assertEquals("work", event.get("kind").asText());
        assertEquals("info", event.get("level").asText());
        assertEquals("c1", event.get("conversationId").asText());
        JsonNode attrs = event.get("attrs");
        assertEquals(List.of("search", "12", "false", "tool_call"), List.of(attrs.get("tool").asText(), attrs.get("ms").asText(),
                attrs.get("cached").asText(), attrs.get("logType").asText()), attrs.toString());
        assertEquals(4, attrs.size(), attrs.toString());

        clock.advance(Duration.ofSeconds(2));
        JsonNode update = updated(key, "{\"entryId\":\"" + entry + "\",\"status\":\"success\",\"metadata\":{\"ms\":340}}");
        assertEquals(entry, update.get("entryId").asText());
        assertNotEquals(entry, update.get("id").asText());
        assertFalse(update.get("debounced").asBoolean());
        JsonNode page = list(key, "userId=u1");
        assertEquals(List.of("Searching the docs success"), lines(page), "one line whose status changed, not two");
        JsonNode latest = page.get("events").get(0);
        assertEquals(update.get("id").asText(), latest.get("id").asText());
        assertEquals(entry, latest.get("entryId").asText());
        assertEquals("u1", latest.get("userId").asText());
        assertEquals("c1", latest.get("conversationId").asText());
        assertEquals("340", latest.get("attrs").get("ms").asText(), "metadata merged over the original's");
        assertEquals("search", latest.get("attrs").get("tool").asText());
        assertEquals("tool_call", latest.get("attrs").get("logType").asText());

        clock.advance(Duration.ofSeconds(2));
        updated(key, "{\"entryId\":\"" + entry + "\",\"status\":\"error\",\"message\":\"Search failed\"}");
        JsonNode failed = list(key, "userId=u1").get("events");
        assertEquals(List.of("Search failed error"), lines(list(key, "userId=u1")));
        assertEquals("error", failed.get(0).get("level").asText(), "an error status is an error level");
        assertEquals(List.of("Searching the docs working", "Searching the docs success", "Search failed error"),
                lines(list(key, "userId=u1&after=0000000000000")), "after= returns every version, in the order stored");
        assertEquals(List.of("Search failed error"), lines(list(key, "userId=u1&conversationId=c1")));
        assertEquals(List.of(), lines(list(key, "userId=u1&conversationId=c2")));
    }

    @Test
    void anUpdateFindsOnlyAnEntryOfItsOwnProject() {
        String key = freshProject();
        String otherKey = freshProject();
        String entry = created(key, "{\"userId\":\"u1\",\"message\":\"mine\"}");
        check(http.post("/api/work-log/update", otherKey, "{\"entryId\":\"" + entry + "\",\"status\":\"success\"}"), 404,
                "no work-log entry '" + entry + "' in this project");
        assertEquals(List.of("mine info"), lines(list(key, "userId=u1")), "the other project's update stored nothing here");
        assertEquals(0, list(otherKey, "").get("events").size());
        check(http.post("/api/work-log/update", key, "{\"entryId\":\"0000000000000\"}"), 404, "no work-log entry");
        assertEquals(202, http.post("/api/log", key, "{\"message\":\"an app log\",\"userId\":\"u1\"}").status());
        String appLog = http.get("/api/log?q=app", key).json().get("events").get(0).get("id").asText();
        check(http.post("/api/work-log/update", key, "{\"entryId\":\"" + appLog + "\"}"), 404, "no work-log entry");
        clock.advance(Duration.ofSeconds(2));
        String update = updated(key, "{\"entryId\":\"" + entry + "\",\"status\":\"success\"}").get("id").asText();
        check(http.post("/api/work-log/update", key, "{\"entryId\":\"" + update + "\"}"), 404,
                "is an update, not an entry; send the entry's own id, '" + entry + "'");
    }

    @Test
    void badInputIsRefusedWithAMessageThatSaysWhatToDo() {
        String key = freshProject();
        String entry = created(key, "{\"userId\":\"u1\",\"message\":\"ok\"}");
        check(create(key, "{}"), 400, "userId: required");
        check(create(key, "{\"userId\":\"u1\"}"), 400, "message: required");
        check(create(key, "{\"userId\":\"u1\",\"message\":\"  \"}"), 400, "message: required");
        check(create(key, "{\"userId\":true,\"message\":\"m\"}"), 400, "userId: must be a string or an integer; send");
        check(create(key, "{\"userId\":\"u1\",\"message\":7}"), 400, "message: must be a string; send");
        check(create(key, "{\"userId\":\"u1\",\"message\":\"m\",\"logType\":1}"), 400, "logType: must be a string; send one of");
        check(create(key, "{\"userId\":\"u1\",\"message\":\"m\",\"logType\":\"nope\"}"), 400,
                "logType: 'nope' is not one of ai_response, tool_call, file_operation, deployment, error, info");
        check(create(key, "{\"userId\":\"u1\",\"message\":\"m\",\"status\":\"done\"}"), 400,
                "status: 'done' is not one of working, success, warning, error, info");
        check(create(key, "{\"userId\":\"u1\",\"message\":\"m\",\"colour\":\"red\"}"), 400, "colour: unknown field; use any of");
        check(create(key, "{\"userId\":\"u1\",\"message\":\"m\",\"metadata\":\"x\"}"), 400, "metadata: must be an object");
        check(create(key, "{\"userId\":\"u1\",\"message\":\"m\",\"metadata\":{\"a\":{\"b\":1}}}"), 400,
                "metadata.a: must be a string, number or boolean");
        check(create(key, "{\"userId\":\"u1\",\"message\":\"m\",\"metadata\":{\"a\":null}}"), 400, "metadata.a: must be");
        check(create(key, "{\"userId\":\"u1\",\"message\":\"m\",\"metadata\":{\"logType\":\"x\"}}"), 400,
                "metadata.logType: reserved");
        check(create(key, "{\"userId\":\"u1\",\"message\":\"m\",\"metadata\":{\"entryId\":\"x\"}}"), 400,
                "metadata.entryId: reserved");
        check(create(key, "{\"userId\":\"" + "u".repeat(300) + "\",\"message\":\"m\"}"), 400, "userId");
        check(create(key, "{\"userId\":\"u1\",\"message\":\"" + "m".repeat(33 * 1024) + "\"}"), 400, "message: is longer than 32 KB");
        check(create(key, "{\"userId\":\"u1\",\"message\":\"m\",\"metadata\":{\"" + "k".repeat(200) + "\":1}}"), 400,
                "metadata: attr name");
        check(create(key, "[1]"), 400, "body must be a JSON object");
        check(create(key, "{\"userId\":"), 400, "body is not valid JSON");
        check(http.post("/api/work-log/update", key, "{}"), 400, "entryId: required; send the entryId that /api/work-log/create returned");
        check(http.post("/api/work-log/update", key, "{\"entryId\":\"zz\"}"), 400, "entryId: 'zz' is not an entry id");
        check(http.post("/api/work-log/update", key, "{\"entryId\":\"" + entry + "\",\"status\":\"finished\"}"), 400, "status:");
        check(http.post("/api/work-log/update", key, "{\"entryId\":\"" + entry + "\",\"userId\":\"u2\"}"), 400,
                "userId: unknown field");
        check(http.get("/api/work-log/stats?from=soonish", key), 400, "from");
        check(http.get("/api/work-log/stats?from=-1h&to=-2h", key), 400, "from must be before to");
        assertEquals(List.of("ok info"), lines(list(key, "userId=u1")), "nothing refused was stored");
        created(key, "{\"userId\":42,\"message\":\"numeric user ids are common\"}");
        assertEquals(List.of("numeric user ids are common info"), lines(list(key, "userId=42")));
    }

    @Test
    void aViewerTokenSeesOnlyItsOwnUserInListAndStats() {
        String key = freshProject();
        created(key, "{\"userId\":\"alice\",\"logType\":\"ai_response\",\"status\":\"success\",\"message\":\"hello alice\"}");
        created(key, "{\"userId\":\"bob\",\"logType\":\"tool_call\",\"status\":\"error\",\"message\":\"hello bob\"}");
        created(key, "{\"userId\":\"bob\",\"logType\":\"tool_call\",\"status\":\"success\",\"message\":\"bye bob\"}");
        String token = http.post("/api/tokens", key, "{\"userId\":\"alice\"}").json().get("token").asText();
        assertEquals(List.of("hello alice success"), lines(list(token, "")));
        assertEquals(403, http.get("/api/work-log/list?userId=bob", token).status());
        String today = clock.instant().toString().substring(0, 10);
        assertEquals(List.of(today + " ai_response success 1"), cells(stats(token, "")));
        assertEquals(1, stats(token, "userId=alice").get("total").asLong());
        check(http.get("/api/work-log/stats?userId=bob", token), 403, "this viewer token reads only its own userId");
        assertEquals(List.of(today + " tool_call error 1", today + " tool_call success 1"), cells(stats(key, "userId=bob")));
        assertEquals(3, stats(key, "").get("total").asLong(), "a key without userId counts the whole project");
    }

    @Test
    void thePollingHintFollowsRecentActivity() {
        String key = freshProject();
        assertEquals(10_000, list(key, "userId=u1&conversationId=c1").get("pollAfterMs").asInt(), "idle");
        created(key, "{\"userId\":\"u1\",\"conversationId\":\"c1\",\"message\":\"thinking\"}");
        assertEquals(1_000, list(key, "userId=u1&conversationId=c1").get("pollAfterMs").asInt(), "the conversation is active");
        assertEquals(3_000, list(key, "userId=u1&conversationId=c2").get("pollAfterMs").asInt(), "only the user is");
        assertEquals(3_000, list(key, "userId=u1").get("pollAfterMs").asInt());
        assertEquals(10_000, list(key, "userId=u2").get("pollAfterMs").asInt(), "another user is idle");
        assertEquals(1_000, list(key, "userId=u1&conversationId=c1&after=0000000000000").get("pollAfterMs").asInt(),
                "after= pages carry the hint too");
        String token = http.post("/api/tokens", key, "{\"userId\":\"u1\",\"conversationId\":\"c1\"}").json().get("token").asText();
        assertEquals(1_000, list(token, "").get("pollAfterMs").asInt());
        clock.advance(Duration.ofSeconds(59));
        assertEquals(1_000, list(key, "userId=u1&conversationId=c1").get("pollAfterMs").asInt());
        clock.advance(Duration.ofSeconds(2));
        assertEquals(10_000, list(key, "userId=u1&conversationId=c1").get("pollAfterMs").asInt(), "a minute later it backs off");
        server.sealNow();
        created(key, "{\"userId\":\"u1\",\"conversationId\":\"c3\",\"message\":\"again\"}");
        assertEquals(3_000, list(key, "userId=u1&conversationId=c1").get("pollAfterMs").asInt());
    }

    @Test
    void statsCountEachEntryOnceByItsLatestStatusTheSameBeforeAndAfterSealing() {
        String key = freshProject();
        String day1 = clock.instant().toString().substring(0, 10);
        String a = created(key, "{\"userId\":\"u1\",\"logType\":\"tool_call\",\"status\":\"working\",\"message\":\"a\"}");
        String b = created(key, "{\"userId\":\"u1\",\"logType\":\"ai_response\",\"status\":\"success\",\"message\":\"b\"}");
        created(key, "{\"userId\":\"u2\",\"logType\":\"error\",\"status\":\"error\",\"message\":\"c\"}");
        clock.advance(Duration.ofSeconds(2));
        updated(key, "{\"entryId\":\"" + a + "\",\"status\":\"success\"}");
        clock.advance(Duration.ofDays(1));
        String day2 = clock.instant().toString().substring(0, 10);
        String d = created(key, "{\"userId\":\"u1\",\"logType\":\"tool_call\",\"status\":\"working\",\"message\":\"d\"}");
        List<String> expected = List.of(day1 + " ai_response success 1", day1 + " error error 1", day1 + " tool_call success 1",
                day2 + " tool_call working 1");
        assertEquals(expected, cells(stats(key, "")), "all in the head");
        assertEquals(4, stats(key, "").get("total").asLong());
        server.sealNow();
        assertEquals(expected, cells(stats(key, "")), "all in parts");

        clock.advance(Duration.ofSeconds(2));
        updated(key, "{\"entryId\":\"" + d + "\",\"status\":\"success\"}");
        updated(key, "{\"entryId\":\"" + b + "\",\"status\":\"warning\"}");
        updated(key, "{\"entryId\":\"" + a + "\",\"status\":\"error\"}");
        List<String> afterUpdates = List.of(day1 + " ai_response warning 1", day1 + " error error 1",
                day1 + " tool_call error 1", day2 + " tool_call success 1");
        assertEquals(afterUpdates, cells(stats(key, "")), "entries in parts, their latest updates in the head");
        server.sealNow();
        assertEquals(afterUpdates, cells(stats(key, "")), "entries and updates in parts");
        assertEquals(List.of(day1 + " ai_response warning 1", day1 + " tool_call error 1", day2 + " tool_call success 1"),
                cells(stats(key, "userId=u1")));
        assertEquals(List.of(day2 + " tool_call success 1"), cells(stats(key, "userId=u1&from=" + day2 + "T00:00:00Z")),
                "days before from are not counted");
        assertEquals(List.of(day1 + " ai_response warning 1", day1 + " error error 1", day1 + " tool_call error 1"),
                cells(stats(key, "to=" + day2 + "T00:00:00Z")), "an entry counts its latest status, even one after to");
        assertEquals(List.of(day2 + " tool_call success 1"), cells(stats(key, "from=-1m")), "only d was created in the last minute");
        String twice = created(key, "{\"userId\":\"u1\",\"logType\":\"file_operation\",\"status\":\"working\",\"message\":\"e\"}");
        clock.advance(Duration.ofSeconds(2));
        updated(key, "{\"entryId\":\"" + twice + "\",\"status\":\"warning\"}");
        server.sealNow();
        clock.advance(Duration.ofSeconds(2));
        updated(key, "{\"entryId\":\"" + twice + "\",\"status\":\"success\"}");
        assertTrue(cells(stats(key, "")).contains(day2 + " file_operation success 1"), cells(stats(key, "")).toString());
        server.sealNow();
        assertTrue(cells(stats(key, "")).contains(day2 + " file_operation success 1"), cells(stats(key, "")).toString());
        assertEquals(5, stats(key, "").get("total").asLong());
    }

    @Test
    void randomCreatesUpdatesAndSealsAlwaysCountAsAModelOfTheEntriesSays() {
        String key = freshProject();
        Random random = new Random(20261203);
        Map<String, String[]> model = new LinkedHashMap<>();
        List<String> entries = new ArrayList<>();
        int seals = 0;
        for (int op = 0; op < 90; op++) {
            clock.advance(random.nextInt(4) == 0 ? Duration.ofHours(9) : Duration.ofMinutes(1));
            int choice = random.nextInt(10);
            if (choice < 4 || entries.isEmpty()) {
                String logType = WorkLogFields.LOG_TYPES.get(random.nextInt(WorkLogFields.LOG_TYPES.size()));
                String status = WorkLogFields.STATUSES.get(random.nextInt(WorkLogFields.STATUSES.size()));
                String entry = created(key, "{\"userId\":\"u" + random.nextInt(2) + "\",\"logType\":\"" + logType
                        + "\",\"status\":\"" + status + "\",\"message\":\"op " + op + "\"}");
                model.put(entry, new String[] {clock.instant().toString().substring(0, 10), logType, status});
                entries.add(entry);
            } else if (choice < 9) {
                String entry = entries.get(random.nextInt(entries.size()));
                String status = WorkLogFields.STATUSES.get(random.nextInt(WorkLogFields.STATUSES.size()));
                updated(key, "{\"entryId\":\"" + entry + "\",\"status\":\"" + status + "\",\"message\":\"op " + op + "\"}");
                model.get(entry)[2] = status;
            } else {
                server.sealNow();
                seals++;
            }
            if (op % 6 == 5 || choice == 9) {
                Map<String, Long> expected = new TreeMap<>();
                model.values().forEach(cell -> expected.merge(String.join(" ", cell), 1L, Long::sum));
                List<String> expectedCells = new ArrayList<>();
                expected.forEach((cell, count) -> expectedCells.add(cell + " " + count));
                assertEquals(expectedCells, cells(stats(key, "from=-60d")), "after op " + op + " and " + seals + " seals");
            }
        }
        assertTrue(seals >= 3, "the seed seals a few times: " + seals);
    }

    @Test
    void debounceDropsARepeatButNotTwoEntriesThatEndAlike() {
        String key = freshProject();
        String first = created(key, "{\"userId\":\"u1\",\"logType\":\"tool_call\",\"status\":\"working\",\"message\":\"step 1\"}");
        String second = created(key, "{\"userId\":\"u1\",\"logType\":\"tool_call\",\"status\":\"working\",\"message\":\"step 2\"}");
        JsonNode repeat = create(key, "{\"userId\":\"u1\",\"logType\":\"tool_call\",\"status\":\"working\",\"message\":\"step 2\"}").json();
        assertTrue(repeat.get("debounced").asBoolean(), repeat.toString());
        assertTrue(repeat.get("id").isNull() && repeat.get("entryId").isNull(), repeat.toString());
        JsonNode done1 = updated(key, "{\"entryId\":\"" + first + "\",\"status\":\"success\",\"message\":\"done\"}");
        JsonNode done2 = updated(key, "{\"entryId\":\"" + second + "\",\"status\":\"success\",\"message\":\"done\"}");
        assertFalse(done1.get("debounced").asBoolean() || done2.get("debounced").asBoolean(), done1 + " " + done2);
        JsonNode again = updated(key, "{\"entryId\":\"" + second + "\",\"status\":\"success\",\"message\":\"done\"}");
        assertTrue(again.get("debounced").asBoolean(), again.toString());
        assertTrue(again.get("id").isNull(), again.toString());
        assertEquals(second, again.get("entryId").asText(), "a repeated update still names its entry");
        assertEquals(List.of("done success", "done success"), lines(list(key, "userId=u1")));
        assertEquals(4, list(key, "userId=u1&after=0000000000000").get("events").size());
    }

    @Test
    void writesAreRedactedAndHeldToThePerUserWorkLogLimit() {
        String key = freshProject();
        String slug = "work-" + projects;
        HttpJson.Response limited = http.send(HttpRequest.newBuilder(http.uri("/admin/projects/" + slug + "/settings"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"limits\":{\"workLogPerUserPerMinute\":2}}")), ADMIN);
        assertEquals(200, limited.status(), limited.body());
        String entry = created(key, "{\"userId\":\"u1\",\"message\":\"login with password=hunter2\",\"metadata\":{\"apiKey\":\"abc123\"}}");
        JsonNode stored = list(key, "userId=u1").get("events").get(0);
        assertEquals("login with password=[REDACTED:secret_pair]", stored.get("message").asText());
        assertEquals("[REDACTED:secret_pair]", stored.get("attrs").get("apiKey").asText());
        updated(key, "{\"entryId\":\"" + entry + "\",\"status\":\"success\"}");
        HttpJson.Response refused = create(key, "{\"userId\":\"u1\",\"message\":\"third in a minute\"}");
        check(refused, 429, "work-log events of user 'u1'");
        assertTrue(refused.header("Retry-After") != null, "says when to retry");
        check(http.post("/api/work-log/update", key, "{\"entryId\":\"" + entry + "\",\"status\":\"error\"}"), 429,
                "work_log_per_user_per_minute");
        created(key, "{\"userId\":\"u2\",\"message\":\"another user has a bucket of their own\"}");
    }

    @Test
    void aProjectThatRequiresSignedIngestRequiresItOnWorkLogWritesToo() {
        String key = freshProject();
        String slug = "work-" + projects;
        String secret = http.post("/admin/projects/" + slug + "/signing-secret", ADMIN, "").json().get("signingSecret").asText();
        HttpJson.Response required = http.send(HttpRequest.newBuilder(http.uri("/admin/projects/" + slug + "/settings"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"signing\":\"required\"}")), ADMIN);
        assertEquals(200, required.status(), required.body());
        check(create(key, "{\"userId\":\"u1\",\"message\":\"unsigned\"}"), 401, "X-Larch-Timestamp");
        byte[] body = "{\"userId\":\"u1\",\"message\":\"signed\"}".getBytes(StandardCharsets.UTF_8);
        long now = clock.millis() / 1000;
        HttpJson.Response signed = http.send(HttpRequest.newBuilder(http.uri("/api/work-log/create"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header(RequestSignatures.TIMESTAMP_HEADER, Long.toString(now))
                .header(RequestSignatures.SIGNATURE_HEADER, RequestSignatures.sign(RequestSignatures.signingKey(secret), now, body)),
                key);
        assertEquals(202, signed.status(), signed.body());
        String entry = signed.json().get("entryId").asText();
        check(http.post("/api/work-log/update", key, "{\"entryId\":\"" + entry + "\",\"status\":\"success\"}"), 401,
                "X-Larch-Timestamp");
        assertEquals(List.of("signed info"), lines(list(key, "userId=u1")));
        assertTrue(Instant.parse(list(key, "userId=u1").get("events").get(0).get("ts").asText()).equals(clock.instant()));
    }
}
