package io.larch.bench;

import io.larch.cli.LoghubSample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Deterministic, realistic events: web requests, application errors with stack traces, slow
 * queries, auth events, agent work logs, and (when a Loghub directory is given) real system log
 * lines. The same seed always gives the same events. Not thread-safe: one per thread.
 *
 * <p>Planted words for the query benchmark: {@value #COMMON_WORD} is in about a third of the
 * events, {@value #NEEDLE_WORD} in one event per {@value #NEEDLE_EVERY}.
 */
public final class EventGenerator {
    public static final String COMMON_WORD = "request";
    public static final String NEEDLE_WORD = "quokka";
    public static final int NEEDLE_EVERY = 1_000_000;
    public static final int USERS = 10_000;

    private static final String[] ROUTES = {"/api/orders", "/api/orders/{id}", "/api/users/{id}", "/api/cart",
            "/api/search", "/api/checkout", "/api/login", "/api/products/{id}", "/healthz", "/api/payments"};
    private static final String[] METHODS = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
    private static final String[] SOURCES = {"api", "checkout", "worker", "auth", "search", "billing", "mailer", "agent"};
    private static final String[] ERRORS = {
            "payment declined for order %d: card_declined",
            "timeout after %dms calling inventory-service",
            "database connection pool exhausted (%d waiting)",
            "failed to send email to user %d: 550 mailbox unavailable",
            "NullPointerException in CartService.addItem for cart %d",
            "rate limit exceeded for api key %d",
            "could not acquire lock on order %d after 3 attempts"};
    private static final String[] WORK = {"Searching the web for %s", "Reading %d documents", "Summarizing findings",
            "Calling tool %s", "Drafting the reply", "Waiting for approval from user %d"};

    private final Random random;
    private final List<String> loghubLines;
    private final long startMillis;
    private final long spanMillis;
    private long sequence;

    /**
     * @param seed       same seed, same events
     * @param loghub     lines to mix in (may be empty)
     * @param start      time of the oldest generated event
     * @param spanMillis events are spread evenly over this span
     */
    public EventGenerator(long seed, List<String> loghub, Instant start, long spanMillis, long firstSequence) {
        this.random = new Random(seed);
        this.loghubLines = loghub;
        this.startMillis = start.toEpochMilli();
        this.spanMillis = spanMillis;
        this.sequence = firstSequence;
    }

    /** Reads the {@code Content} column of every {@code *_structured.csv} under {@code dir}. */
    public static List<String> loadLoghub(Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        if (dir == null || !Files.isDirectory(dir)) {
            return lines;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path csv : files.filter(p -> p.toString().endsWith("_structured.csv")).sorted().toList()) {
                List<String> rows = Files.readAllLines(csv);
                List<String> header = LoghubSample.cells(rows.getFirst());
                int content = header.indexOf("Content");
                for (String row : rows.subList(1, rows.size())) {
                    List<String> cells = LoghubSample.cells(row);
                    if (content >= 0 && content < cells.size() && !cells.get(content).isBlank()) {
                        lines.add(cells.get(content));
                    }
                }
            }
        }
        return lines;
    }

    /**
     * Continues at {@code position} of the sequence. Loaders that each take the next block of one
     * shared counter ({@link SharedSequence}) send the events in time order together, as live
     * traffic does; loaders that each take every k-th event drift apart in time by their speed.
     */
    public void seek(long position) {
        this.sequence = position;
    }

    /** The next event as client JSON. {@code totalEvents} spreads timestamps over the span. */
    public String next(long totalEvents) {
        long n = sequence;
        sequence++;
        long ts = startMillis + (totalEvents <= 1 ? 0 : n * spanMillis / totalEvents);
        int user = random.nextInt(USERS);
        StringBuilder json = new StringBuilder(420);
        json.append("{\"ts\":").append(ts);
        int kind = random.nextInt(100);
        String level;
        String message;
        String source = SOURCES[random.nextInt(SOURCES.length)];
        String stack = null;
        String extraAttrs = "";
        if (kind < 45) {
            String method = METHODS[random.nextInt(METHODS.length)];
            String route = ROUTES[random.nextInt(ROUTES.length)].replace("{id}", Integer.toString(random.nextInt(100_000)));
            int status = pickStatus();
            int duration = (int) Math.abs(random.nextGaussian() * 80 + 40);
            level = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
            message = method + " " + route + " " + status + " in " + duration + "ms " + COMMON_WORD + "_id=" + hex(16);
            extraAttrs = ",\"status\":" + status + ",\"duration\":" + duration + ",\"route\":\"" + route + "\"";
            source = "api";
            if (random.nextInt(3) == 0) {
                message = "handled " + COMMON_WORD + " " + message;
            }
        } else if (kind < 55) {
            level = random.nextInt(10) == 0 ? "fatal" : "error";
            message = String.format(ERRORS[random.nextInt(ERRORS.length)], random.nextInt(1_000_000));
            if (random.nextBoolean()) {
                stack = "java.lang.IllegalStateException: " + message + "\n\tat com.shop." + source + ".Service.handle(Service.java:"
                        + (40 + random.nextInt(200)) + ")\n\tat com.shop.http.Router.dispatch(Router.java:88)\n\tat java.base/java.lang.Thread.run(Thread.java:1583)";
            }
        } else if (kind < 65) {
            level = "warn";
            message = "slow query took " + (500 + random.nextInt(5000)) + "ms: SELECT * FROM orders WHERE customer_id = "
                    + random.nextInt(100_000);
            source = "db";
        } else if (kind < 73) {
            level = "info";
            message = WORK[random.nextInt(WORK.length)].replace("%s", "topic-" + random.nextInt(500))
                    .replace("%d", Integer.toString(random.nextInt(50)));
            source = "agent";
            json.append(",\"kind\":\"work\",\"conversationId\":\"conv-").append(random.nextInt(2000)).append('"');
        } else if (kind < 80 || loghubLines.isEmpty()) {
            level = random.nextInt(5) == 0 ? "debug" : "info";
            message = "user " + user + " " + (random.nextBoolean() ? "signed in from " : "refreshed session from ")
                    + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
            source = "auth";
        } else {
            level = random.nextInt(8) == 0 ? "warn" : "info";
            message = loghubLines.get(random.nextInt(loghubLines.size()));
            source = "system";
        }
        if (n % NEEDLE_EVERY == NEEDLE_EVERY / 2) {
            message = message + " " + NEEDLE_WORD;
        }
        json.append(",\"level\":\"").append(level).append("\",\"source\":\"").append(source)
                .append("\",\"userId\":\"u").append(user).append("\",\"message\":");
        quote(json, message);
        if (stack != null) {
            json.append(",\"stack\":");
            quote(json, stack);
        }
        json.append(",\"attrs\":{\"region\":\"").append(random.nextInt(4) == 0 ? "us-east" : "eu-west").append('"')
                .append(extraAttrs).append("}}");
        return json.toString();
    }

    /** A batch body {@code {"events":[...]}}. */
    public String batch(int size, long totalEvents) {
        StringBuilder body = new StringBuilder(size * 420 + 16).append("{\"events\":[");
        for (int i = 0; i < size; i++) {
            body.append(i == 0 ? "" : ",").append(next(totalEvents));
        }
        return body.append("]}").toString();
    }

    private int pickStatus() {
        int r = random.nextInt(100);
        return r < 85 ? 200 : r < 90 ? 201 : r < 94 ? 404 : r < 97 ? 400 : r < 99 ? 500 : 503;
    }

    private String hex(int length) {
        StringBuilder hex = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            hex.append(Character.forDigit(random.nextInt(16), 16));
        }
        return hex.toString();
    }

    private static void quote(StringBuilder json, String text) {
        json.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\t' -> json.append("\\t");
                case '\r' -> json.append("\\r");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }
}
