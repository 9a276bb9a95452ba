package io.larch.logback;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Searching a real Larch the way a user does ({@code GET /api/log}), waiting for what the appender sends. */
final class LarchSearch {
    private LarchSearch() {
    }

    /** The events of project {@code slug} matching {@code query}, oldest stored first (by id). */
    static List<JsonNode> events(TestServer server, String slug, String query) {
        HttpJson.Response response = server.http().get("/api/log", TestServer.ADMIN_TOKEN,
                Map.of("project", slug, "q", query, "limit", "1000"));
        if (response.status() != 200) {
            throw new AssertionError("search answered " + response.status() + ": " + response.body());
        }
        List<JsonNode> events = new ArrayList<>();
        response.json().get("events").forEach(events::add);
        events.sort(Comparator.comparing(e -> e.get("id").asText()));
        return events;
    }

    /** Waits (up to 30 s) until {@code query} finds at least {@code count} events, and returns them. */
    static List<JsonNode> awaitEvents(TestServer server, String slug, String query, int count) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        List<JsonNode> events = events(server, slug, query);
        while (events.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(50);
            events = events(server, slug, query);
        }
        return events;
    }

    /** Waits (up to 30 s) until {@code condition} holds; false if it never did. */
    static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    static List<String> messages(List<JsonNode> events) {
        return events.stream().map(e -> e.get("message").asText()).toList();
    }
}
