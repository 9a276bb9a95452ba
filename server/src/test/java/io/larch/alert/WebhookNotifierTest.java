package io.larch.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Deliveries against real HTTP receivers on loopback standing in for Discord, Slack and a
 * webhook: the JSON shapes those services document, the HMAC header, 429 {@code retry_after},
 * final 4xx, retried 5xx, and a hanging receiver that delays no other channel.
 */
class WebhookNotifierTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();

    /** One received request. */
    private record Received(String body, Map<String, List<String>> headers, long atNanos) {
    }

    /** A receiver answering each request with the next of {@code answers} (status, extra header, body); the last repeats. */
    private URI receiver(List<Received> received, Object[]... answers) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger calls = new AtomicInteger();
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/hook", exchange -> {
            received.add(new Received(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    exchange.getRequestHeaders(), System.nanoTime()));
            Object[] answer = answers[Math.min(calls.getAndIncrement(), answers.length - 1)];
            respond(exchange, (int) answer[0], (String) answer[1], (String) answer[2]);
        });
        server.start();
        servers.add(server);
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    private static void respond(HttpExchange exchange, int status, String header, String body) throws IOException {
        if (header != null) {
            String[] nameValue = header.split(": ", 2);
            exchange.getResponseHeaders().add(nameValue[0], nameValue[1]);
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    private static Alert alert(Alert.Type type, long count) {
        AlertRule rule = AlertRule.of(7, 3, "checkout errors", AlertRule.Kind.SPIKE, 5, 0, Duration.ofSeconds(60), null, null, null);
        LogEvent sample = new LogEvent(42, 0, 0, 3, Kind.APP, Level.ERROR, "order 17 failed: card declined", "api", null,
                "fp-123", null, null, null, null, null, null, Map.of());
        return new Alert(rule, type, "fp-123", count, sample, 1_764_756_000_000L);
    }

    private static WebhookNotifier notifier(WebhookNotifier.Format format, URI url, String secret, Duration timeout) {
        return new WebhookNotifier(format, url, secret, "http://larch.example", timeout, Duration.ofMillis(50));
    }

    @Test
    void discordGetsOneEmbedAndItsRetryAfterIsHonoured() throws Exception {
        List<Received> received = new CopyOnWriteArrayList<>();
        URI url = receiver(received, new Object[] {429, null, "{\"message\":\"You are being rate limited.\",\"retry_after\":0.3,\"global\":false}"},
                new Object[] {204, null, ""});
        Notifier.Result delivery = notifier(WebhookNotifier.Format.DISCORD, url, null, Duration.ofSeconds(5))
                .send(alert(Alert.Type.FIRED, 5));
        assertTrue(delivery.delivered(), delivery.toString());
        assertEquals(2, delivery.attempts());
        assertTrue(received.get(1).atNanos() - received.get(0).atNanos() >= TimeUnit.MILLISECONDS.toNanos(300),
                "waited retry_after");
        JsonNode embed = JSON.readTree(received.get(1).body()).get("embeds").get(0);
        assertEquals("checkout errors: 5 events in 1 min", embed.get("title").asText());
        assertEquals(0xE74C3C, embed.get("color").asInt(), "error red");
        assertTrue(embed.get("url").asText().matches("http://larch\\.example/\\?project=3&q=fingerprint%3Afp-123&from=\\S+Z&to=\\S+Z"),
                embed.get("url").asText());
        assertTrue(embed.get("description").asText().contains("order 17 failed"));
        assertEquals("5", embed.get("fields").get(0).get("value").asText());
    }

    @Test
    void slackGetsTextAndBlocksAndItsRetryAfterHeaderIsHonoured() throws Exception {
        List<Received> received = new CopyOnWriteArrayList<>();
        URI url = receiver(received, new Object[] {429, "Retry-After: 1", "rate_limited"}, new Object[] {200, null, "ok"});
        Notifier.Result delivery = notifier(WebhookNotifier.Format.SLACK, url, null, Duration.ofSeconds(5))
                .send(alert(Alert.Type.SUMMARY, 37));
        assertTrue(delivery.delivered(), delivery.toString());
        assertTrue(received.get(1).atNanos() - received.get(0).atNanos() >= TimeUnit.MILLISECONDS.toNanos(1000));
        JsonNode body = JSON.readTree(received.get(1).body());
        assertEquals("checkout errors: and 37 more in the last 15 min", body.get("text").asText());
        assertEquals("section", body.get("blocks").get(0).get("type").asText());
        assertEquals("mrkdwn", body.get("blocks").get(0).get("text").get("type").asText());
    }

    @Test
    void aWebhookIsSignedAndOnlyServerErrorsAreRetried() throws Exception {
        List<Received> received = new CopyOnWriteArrayList<>();
        URI url = receiver(received, new Object[] {503, null, "busy"}, new Object[] {200, null, ""});
        Notifier.Result delivered = notifier(WebhookNotifier.Format.WEBHOOK, url, "s3cret", Duration.ofSeconds(5))
                .send(alert(Alert.Type.FIRED, 5));
        assertTrue(delivered.delivered());
        assertEquals(2, delivered.attempts());
        Received last = received.get(1);
        assertEquals("sha256=" + WebhookNotifier.hmac("s3cret", last.body().getBytes(StandardCharsets.UTF_8)),
                last.headers().get("X-larch-signature").getFirst());
        JsonNode body = JSON.readTree(last.body());
        assertEquals("fired", body.get("type").asText());
        assertEquals("fp-123", body.get("group").asText());
        assertEquals(42, body.get("sample").get("id").asLong());

        List<Received> refused = new CopyOnWriteArrayList<>();
        Notifier.Result bad = notifier(WebhookNotifier.Format.WEBHOOK, receiver(refused, new Object[] {400, null, "no"}),
                "s3cret", Duration.ofSeconds(5)).send(alert(Alert.Type.FIRED, 5));
        assertFalse(bad.delivered());
        assertEquals(1, bad.attempts(), "a 400 is not sent again");
        assertEquals(400, bad.lastStatus());
    }

    @Test
    void aHangingReceiverDelaysNoOtherChannel() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer hanging = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hanging.setExecutor(Executors.newCachedThreadPool());
        hanging.createContext("/hook", exchange -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(exchange, 200, null, "");
        });
        hanging.start();
        servers.add(hanging);
        List<Received> received = new CopyOnWriteArrayList<>();
        URI fine = receiver(received, new Object[] {204, null, ""});
        try {
            CompletableFuture<Notifier.Result> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return notifier(WebhookNotifier.Format.DISCORD, URI.create("http://127.0.0.1:"
                            + hanging.getAddress().getPort() + "/hook"), null, Duration.ofMillis(300)).send(alert(Alert.Type.FIRED, 5));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            long started = System.nanoTime();
            assertTrue(notifier(WebhookNotifier.Format.SLACK, fine, null, Duration.ofSeconds(5)).send(alert(Alert.Type.FIRED, 5))
                    .delivered());
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(2), "the other channel is not held up");
            Notifier.Result timedOut = slow.get(30, TimeUnit.SECONDS);
            assertFalse(timedOut.delivered());
            assertEquals(WebhookNotifier.MAX_ATTEMPTS, timedOut.attempts());
            assertTrue(timedOut.error().startsWith("no answer"), timedOut.error());
        } finally {
            release.countDown();
        }
    }
}
