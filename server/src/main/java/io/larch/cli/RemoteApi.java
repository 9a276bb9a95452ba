package io.larch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/** A minimal client of the Larch HTTP API for CLI commands. */
final class RemoteApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Target.Remote target;

    RemoteApi(Target.Remote target) {
        this.target = target;
    }

    /** The server's address, for messages. */
    String url() {
        return target.url();
    }

    JsonNode get(String path, Map<String, String> params) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path, params)).GET());
    }

    JsonNode post(String path, Object body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(target.url() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))));
    }

    /**
     * Opens a long-lived GET (a stream) over HTTP/1.1: returns once the status and headers are in,
     * with the body still arriving. The caller checks the status and closes the body.
     */
    HttpResponse<InputStream> openStream(String path, Map<String, String> params, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path, params)).GET().version(HttpClient.Version.HTTP_1_1)
                .header("Authorization", "Bearer " + target.token()).timeout(Duration.ofSeconds(30));
        headers.forEach(request::header);
        return client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Posts {@code body} as it is and returns the answer whatever its status (the caller decides what to retry). */
    HttpResponse<byte[]> postRaw(String path, Map<String, String> params, String contentType, byte[] body)
            throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path, params)).header("Authorization", "Bearer " + target.token())
                .header("Content-Type", contentType).timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** What an error answer says: its JSON {@code error}, else its body as text. */
    static String errorOf(byte[] body) {
        try {
            JsonNode json = JSON.readTree(body);
            if (json != null && json.hasNonNull("error")) {
                return json.get("error").asText();
            }
        } catch (IOException notJson) {
            // the body itself is the message
        }
        return new String(body, StandardCharsets.UTF_8);
    }

    private URI uri(String path, Map<String, String> params) {
        String query = params.entrySet().stream().filter(e -> e.getValue() != null)
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return URI.create(target.url() + path + (query.isEmpty() ? "" : "?" + query));
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = client.send(request.header("Authorization", "Bearer " + target.token())
                .timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException("server answered " + response.statusCode() + ": " + errorOf(response.body()));
        }
        return response.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(response.body());
    }
}
