package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.testing.ChildLarch;
import io.larch.testing.HttpJson;
import io.larch.testing.SseClient;
import io.larch.testing.TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a real {@code larch serve} (a child JVM): the request in progress gets its 202, an
 * open live stream is told {@code server_stopping}, the WAL is sealed, the process exits 0, and
 * after a restart every acknowledged event is there once with nothing left to replay.
 */
class GracefulShutdownTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ENV = Map.of("LARCH_WAL_DURABILITY", "fsync");

    @TempDir
    Path tmp;

    @Test
    void sigtermFinishesRequestsInProgressEndsStreamsSealsTheWalAndExitsZero() throws Exception {
        Path dataDir = tmp.resolve("data");
        List<String> acknowledged = new ArrayList<>();
        String key;
        try (ChildLarch larch = ChildLarch.start(dataDir, ENV)) {
            HttpJson http = larch.http();
            key = http.post("/admin/projects", TestServer.ADMIN_TOKEN, "{\"name\":\"stop\"}").json().get("key").asText();
            for (int batch = 0; batch < 20; batch++) {
                assertEquals(202, http.post("/api/log", key, batch("b" + batch, acknowledged)).status());
            }
            try (SseClient stream = SseClient.open(http.uri("/api/log/stream?q=nothing-matches-this"), key, Map.of())) {
                assertEquals(200, stream.status());
                URI base = URI.create(http.base());
                List<String> inFlightMarkers = new ArrayList<>();
                byte[] body = batch("inflight", inFlightMarkers).getBytes(StandardCharsets.UTF_8);
                try (Socket socket = new Socket(base.getHost(), base.getPort())) {
                    socket.setSoTimeout(60_000);
                    OutputStream out = socket.getOutputStream();
                    // Headers and all but the last bytes of the body: the request is in the server, waiting.
                    out.write(("POST /api/log HTTP/1.1\r\nHost: " + base.getHost() + "\r\nAuthorization: Bearer " + key
                            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(body, 0, body.length - 10);
                    out.flush();
                    Thread.sleep(300);
                    larch.sendSigterm();

                    SseClient.Frame end = stream.next("end", Duration.ofSeconds(20));
                    assertNotNull(end, "the live stream was told before the server went");
                    assertEquals("server_stopping", JSON.readTree(end.data()).get("reason").asText(), end.data());
                    assertTrue(larch.awaitExit(Duration.ofMillis(500)).isEmpty(), "the server waits for the request in progress");

                    out.write(body, body.length - 10, 10);
                    out.flush();
                    String answer = readAnswer(socket.getInputStream());
                    assertTrue(answer.startsWith("HTTP/1.1 202"), answer);
                    acknowledged.addAll(inFlightMarkers);
                }
            }
            long started = System.nanoTime();
            OptionalInt exit = larch.awaitExit(Duration.ofSeconds(60));
            assertEquals(OptionalInt.of(0), exit, "a stop that was asked for exits 0");
            System.out.printf("graceful stop after the last request: %d ms%n", (System.nanoTime() - started) / 1_000_000);
        }
        String firstRun = Files.readString(ChildLarch.logFile(dataDir));
        assertTrue(firstRun.contains("sealed the WAL before stopping"), firstRun);

        try (ChildLarch larch = ChildLarch.start(dataDir, ENV)) {
            assertEquals(0.0, larch.http().metric("larch_head_events"), "sealed at the stop: nothing to replay");
            Map<String, Integer> seen = new HashMap<>();
            HttpJson.Response page = larch.http().get("/api/log", key, Map.of("q", "stop marker", "limit", "1000"));
            assertEquals(200, page.status(), page.body());
            for (JsonNode event : page.json().get("events")) {
                seen.merge(event.get("message").asText().split(" ")[2], 1, Integer::sum);
            }
            for (String marker : acknowledged) {
                assertEquals(1, seen.getOrDefault(marker, 0), "acknowledged " + marker);
            }
            assertEquals(acknowledged.size(), seen.size());
            assertEquals(0, larch.stop(), "stops cleanly again");
        }
        String log = Files.readString(ChildLarch.logFile(dataDir));
        assertFalse(log.contains("replayed"), "the restart replayed WAL segments: " + log);
        System.out.println(log.lines().filter(line -> line.contains("SIG") || line.contains("sealed the WAL")
                || line.contains("stopped")).collect(java.util.stream.Collectors.joining("\n")));
    }

    /** A batch of 10 events of about 2 KB each (a body large enough that its last bytes do not trip the data-rate limit). */
    private static String batch(String name, List<String> markers) {
        StringBuilder body = new StringBuilder("[");
        for (int e = 0; e < 10; e++) {
            String marker = name + "e" + e;
            markers.add(marker);
            body.append(e == 0 ? "" : ",").append("{\"message\":\"stop marker ").append(marker).append(' ')
                    .append("y".repeat(2000)).append("\"}");
        }
        return body.append(']').toString();
    }

    /** The status line and headers of one HTTP answer (enough to see its status). */
    private static String readAnswer(InputStream in) throws java.io.IOException {
        StringBuilder answer = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            answer.append((char) b);
            if (answer.toString().endsWith("\r\n\r\n")) {
                break;
            }
        }
        return answer.toString();
    }
}
