package io.larch.app;

import static io.larch.app.LiveTailApiTest.key;
import static io.larch.app.LiveTailApiTest.project;
import static io.larch.app.LiveTailApiTest.read;
import static io.larch.app.LiveTailApiTest.stream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.MutableClock;
import io.larch.testing.SseClient;
import io.larch.testing.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /api/work-log/stream}: one end user's feed, for viewer tokens and keys. */
class WorkLogStreamApiTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static String token(HttpJson http, String readKey, String body) {
        HttpJson.Response minted = http.post("/api/tokens", readKey, body);
        assertEquals(201, minted.status(), minted.body());
        return minted.json().get("token").asText();
    }

    private static String create(HttpJson http, String ingestKey, String userId, String conversationId, String message) {
        HttpJson.Response created = http.post("/api/work-log/create", ingestKey, "{\"userId\":\"" + userId + "\""
                + (conversationId == null ? "" : ",\"conversationId\":\"" + conversationId + "\"")
                + ",\"logType\":\"tool_call\",\"status\":\"working\",\"message\":\"" + message + "\"}");
        assertEquals(202, created.status(), created.body());
        return created.json().get("entryId").asText();
    }

    @Test
    void aViewerTokenForOneUserNeverReceivesAnotherUsersWorkLogs(@TempDir Path dataDir) throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String ingestKey = project(http, "shop");
            String readKey = key(http, "shop", "\"read\"");
            String alice = token(http, readKey, "{\"userId\":\"alice\"}");
            String aliceChat = token(http, readKey, "{\"userId\":\"alice\",\"conversationId\":\"c1\"}");
            try (SseClient all = stream(http, "/api/work-log/stream", alice, null);
                 SseClient chat = stream(http, "/api/work-log/stream", aliceChat, null);
                 SseClient bobsAsked = stream(http, "/api/work-log/stream?userId=bob", alice, null)) {
                assertEquals(200, all.status());
                assertEquals(200, chat.status());
                assertEquals(403, bobsAsked.status(), "asking for another user is refused, not narrowed");
                List<String> alicesMessages = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    String user = i % 2 == 0 ? "alice" : "bob";
                    String conversation = i % 4 < 2 ? "c1" : "c2";
                    create(http, ingestKey, user, conversation, user + " step " + i);
                    if (user.equals("alice")) {
                        alicesMessages.add(user + " step " + i);
                    }
                }
                // Other kinds of events of alice are not work logs: not on her feed.
                LiveTailApiTest.ingest(http, ingestKey, "{\"message\":\"an app line\",\"userId\":\"alice\"}");
                List<String> received = all.logEvents(alicesMessages.size(), WAIT).stream()
                        .map(f -> read(f.data()).get("message").asText()).toList();
                assertEquals(alicesMessages, received);
                List<String> inChat = chat.logEvents(5, WAIT).stream().map(f -> read(f.data()))
                        .peek(e -> assertEquals("c1", e.get("conversationId").asText()))
                        .map(e -> e.get("message").asText()).toList();
                assertEquals(5, inChat.size(), "alice's steps in conversation c1: " + inChat);
                assertNull(all.next("log", Duration.ofMillis(300)), "nothing else: " + all.drain());
            }
        }
    }

    @Test
    void aBrowserSendsItsViewerTokenInTheUrlButNeverAKey(@TempDir Path dataDir) throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String ingestKey = project(http, "shop");
            String readKey = key(http, "shop", "\"read\"");
            String token = token(http, readKey, "{\"userId\":\"alice\"}");
            try (SseClient feed = stream(http, "/api/work-log/stream?viewerToken=" + token, null, null);
                 SseClient keyInUrl = stream(http, "/api/work-log/stream?userId=alice&viewerToken=" + readKey, null, null)) {
                assertEquals(200, feed.status(), "EventSource cannot send headers: the token rides in the URL");
                assertEquals(401, keyInUrl.status());
                assertTrue(keyInUrl.errorBody().contains("only a viewer token may be sent in a URL"), keyInUrl.errorBody());
                create(http, ingestKey, "alice", null, "hello");
                assertEquals(1, feed.logEvents(1, WAIT).size());
            }
            assertEquals(200, http.get("/api/work-log/list?viewerToken=" + token, null).status());
            assertEquals(401, http.get("/api/log?viewerToken=" + token, null).status(), "only work-log reads take it");
        }
    }

    @Test
    void anUpdateArrivesAsTheSameEntryWithItsNewStatus(@TempDir Path dataDir) throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String ingestKey = project(http, "shop");
            String readKey = key(http, "shop", "\"read\"");
            try (SseClient feed = stream(http, "/api/work-log/stream?userId=u1", readKey, null)) {
                String entry = create(http, ingestKey, "u1", null, "running the tests");
                HttpJson.Response updated = http.post("/api/work-log/update", ingestKey,
                        "{\"entryId\":\"" + entry + "\",\"status\":\"success\"}");
                assertEquals(202, updated.status(), updated.body());
                List<JsonNode> events = feed.logEvents(2, WAIT).stream().map(f -> read(f.data())).toList();
                assertEquals(2, events.size());
                assertEquals(entry, events.get(0).get("entryId").asText());
                assertEquals(entry, events.get(1).get("entryId").asText(), "the update names the entry it changes");
                assertEquals("working", events.get(0).get("status").asText());
                assertEquals("success", events.get(1).get("status").asText());
            }
        }
    }

    @Test
    void aUsersFourthStreamClosesTheFirstAndAKeyMustNameTheUser(@TempDir Path dataDir) throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            project(http, "shop");
            String readKey = key(http, "shop", "\"read\"");
            String token = token(http, readKey, "{\"userId\":\"u1\"}");
            List<SseClient> streams = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                SseClient client = stream(http, "/api/work-log/stream", token, null);
                assertEquals(200, client.status());
                streams.add(client);
            }
            SseClient.Frame end = streams.getFirst().next("end", WAIT);
            assertNotNull(end, "the oldest stream is closed");
            assertEquals("replaced", read(end.data()).get("reason").asText());
            assertNull(streams.get(1).next("end", Duration.ofMillis(300)), "the second goes on");
            try (SseClient other = stream(http, "/api/work-log/stream?userId=u2", readKey, null)) {
                assertEquals(200, other.status(), "another user's streams are counted apart");
            }
            streams.forEach(SseClient::close);
            try (SseClient noUser = stream(http, "/api/work-log/stream", readKey, null)) {
                assertEquals(400, noUser.status());
                assertTrue(noUser.errorBody().contains("userId: required"), noUser.errorBody());
            }
        }
    }

    @Test
    void anExpiredViewerTokenEndsItsStream(@TempDir Path dataDir) throws Exception {
        MutableClock clock = MutableClock.at("2026-12-03T10:00:00Z");
        try (TestServer server = TestServer.start(dataDir, Map.of(), clock)) {
            HttpJson http = server.http();
            String ingestKey = project(http, "shop");
            String readKey = key(http, "shop", "\"read\"");
            String token = token(http, readKey, "{\"userId\":\"u1\",\"ttl\":\"1m\"}");
            try (SseClient feed = stream(http, "/api/work-log/stream", token, null)) {
                assertEquals(200, feed.status());
                create(http, ingestKey, "u1", null, "before expiry");
                assertEquals(1, feed.logEvents(1, WAIT).size());
                clock.advance(Duration.ofMinutes(2));
                create(http, ingestKey, "u1", null, "after expiry");
                SseClient.Frame next = feed.next(WAIT);
                assertNotNull(next);
                assertEquals("end", next.event(), "nothing more is sent once the token has expired: " + next);
                assertEquals("credential", read(next.data()).get("reason").asText());
            }
        }
    }
}
