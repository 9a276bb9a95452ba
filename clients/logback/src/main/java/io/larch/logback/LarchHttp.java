package io.larch.logback;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * Larch's HTTP API as the appender uses it: {@code POST /api/log} with a batch of NDJSON lines,
 * and {@code GET /api/client-config}. Never throws: every outcome, a network failure included,
 * is a {@link SendResult}.
 */
final class LarchHttp {
    /** Bodies above this are gzipped: log lines compress several times over. */
    static final int GZIP_ABOVE_BYTES = 4096;
    private static final Pattern SAMPLING = Pattern.compile("\"sampling\"\\s*:\\s*\\{([^}]*)}");
    private static final Pattern RATE = Pattern.compile("\"(\\w+)\"\\s*:\\s*([0-9.eE+-]+)");
    private static final Pattern MAX_BATCH = Pattern.compile("\"maxBatch\"\\s*:\\s*(\\d+)");
    private static final Pattern ERROR = Pattern.compile("\"error\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** What became of one batch. */
    sealed interface SendResult {
    }

    /** 2xx: stored (and durable) on the server. */
    record Accepted(int status) implements SendResult {
    }

    /**
     * Not stored, try again later: no connection, a timeout, 429, 5xx, or a credential the server
     * refused (401/403: a key being rotated should not lose the events in between).
     *
     * @param retryAfterMillis the server's {@code Retry-After}, or -1
     */
    record Retry(int status, long retryAfterMillis, String why) implements SendResult {
    }

    /** Refused for good (400, 413, 415): sending the same batch again would be refused again. */
    record Refused(int status, String why) implements SendResult {
    }

    /** What {@code GET /api/client-config} said; @param sampling per level (0..1) */
    record ClientConfig(Map<String, Double> sampling, int maxBatch) {
    }

    private final HttpClient client;
    private final URI ingestUri;
    private final URI configUri;
    private final String key;
    private final Duration requestTimeout;

    /** @param baseUrl the server, e.g. {@code https://logs.example.com} (a trailing {@code /api/log} is accepted) */
    LarchHttp(String baseUrl, String key, Duration connectTimeout, Duration requestTimeout) {
        String base = baseUrl.trim().replaceAll("/+$", "").replaceAll("/api/log$", "");
        this.ingestUri = URI.create(base + "/api/log");
        this.configUri = URI.create(base + "/api/client-config");
        this.key = key;
        this.requestTimeout = requestTimeout;
        this.client = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
    }

    SendResult send(List<String> lines) {
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(line).append('\n');
        }
        byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(ingestUri).timeout(requestTimeout)
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/x-ndjson");
        if (body.length > GZIP_ABOVE_BYTES) {
            body = gzip(body);
            request.header("Content-Encoding", "gzip");
        }
        HttpResponse<String> response;
        try {
            response = client.send(request.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Retry(0, -1, "larch unreachable at " + ingestUri + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Retry(0, -1, "interrupted");
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return new Accepted(status);
        }
        String why = "larch answered " + status + ": " + errorOf(response.body());
        if (status == 400 || status == 413 || status == 415 || status == 422) {
            return new Refused(status, why);
        }
        return new Retry(status, retryAfterMillis(response.headers().firstValue("Retry-After")), why);
    }

    /** The project's client configuration, or empty if it could not be read (an older server, no network). */
    Optional<ClientConfig> fetchConfig() {
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(configUri).timeout(requestTimeout)
                    .header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return Optional.empty();
            }
            return Optional.of(parseConfig(response.body()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Reads the two fields the appender uses out of the server's fixed-shape answer. */
    static ClientConfig parseConfig(String json) {
        Map<String, Double> sampling = new LinkedHashMap<>();
        Matcher samplingObject = SAMPLING.matcher(json);
        if (samplingObject.find()) {
            Matcher rate = RATE.matcher(samplingObject.group(1));
            while (rate.find()) {
                sampling.put(rate.group(1), Double.parseDouble(rate.group(2)));
            }
        }
        Matcher maxBatch = MAX_BATCH.matcher(json);
        return new ClientConfig(sampling, maxBatch.find() ? Integer.parseInt(maxBatch.group(1)) : 250);
    }

    /** {@code Retry-After} in seconds (the form Larch sends), as milliseconds; -1 when absent or a date. */
    static long retryAfterMillis(Optional<String> header) {
        if (header.isEmpty()) {
            return -1;
        }
        try {
            return Math.max(0, Long.parseLong(header.get().trim())) * 1000;
        } catch (NumberFormatException httpDate) {
            return -1;
        }
    }

    private static String errorOf(String body) {
        Matcher error = ERROR.matcher(body == null ? "" : body);
        String text = error.find() ? error.group(1).replace("\\\"", "\"").replace("\\\\", "\\") : body;
        return text == null ? "" : text.length() > 500 ? text.substring(0, 500) + "..." : text;
    }

    private static byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 4 + 64);
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(body);
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        return out.toByteArray();
    }
}
