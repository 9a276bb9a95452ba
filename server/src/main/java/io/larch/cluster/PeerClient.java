package io.larch.cluster;

import io.larch.model.EventId;
import io.larch.model.LogEvent;
import io.larch.wal.BinaryEventCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Asks another node's {@code GET /internal/head} for its events (see the http package's
 * InternalRoutes for the answer's form), with the cluster secret. Thread-safe.
 */
public final class PeerClient {
    static final String PATH = "/internal/head";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);

    /**
     * One answer.
     *
     * @param point every event of that node below it is stored there
     * @param more  whether more follow the last event
     */
    public record Page(List<LogEvent> events, boolean more, long point) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    private final String secret;

    public PeerClient(String secret) {
        this.secret = secret;
    }

    /**
     * The node at {@code baseUrl}'s own events after {@code afterId}, at most {@code limit}
     * (0: only its point), filtered by {@code params} (none: every project's).
     *
     * @throws UncheckedIOException when it cannot be reached or answers anything but 200
     */
    public Page after(String baseUrl, long afterId, int limit, Map<String, String> params) {
        Map<String, String> query = new TreeMap<>(params);
        query.put("after", EventId.format(Math.max(0, afterId)));
        query.put("limit", Integer.toString(limit));
        StringBuilder uri = new StringBuilder(baseUrl).append(PATH).append('?');
        query.forEach((name, value) -> uri.append(name).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)).append('&'));
        uri.setLength(uri.length() - 1);
        HttpRequest request = HttpRequest.newBuilder(URI.create(uri.toString())).timeout(ANSWER_TIMEOUT)
                .header("Authorization", "Bearer " + secret).GET().build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IOException("GET " + baseUrl + PATH + " answered " + response.statusCode() + ": "
                        + new String(response.body(), StandardCharsets.UTF_8));
            }
            byte[] body = response.body();
            List<LogEvent> events = BinaryEventCodec.decode(body, 0, body.length);
            long point = Long.parseLong(response.headers().firstValue("Larch-Release-Point").orElseThrow(
                    () -> new IOException("no Larch-Release-Point header from " + baseUrl)));
            boolean more = Boolean.parseBoolean(response.headers().firstValue("Larch-More").orElse("false"));
            return new Page(events, more, point);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read node " + baseUrl + "'s events: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading node " + baseUrl + "'s events", e);
        }
    }
}
