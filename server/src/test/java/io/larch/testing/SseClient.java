package io.larch.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events client for tests: opens a stream, reads it on a virtual thread and hands
 * over each frame (id, event, data) as it arrives; comments (heartbeats) are counted. {@link #close}
 * drops the connection, as a client whose network goes away.
 */
public final class SseClient implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One SSE frame. {@code id} is null when the frame had none. */
    public record Frame(String id, String event, String data) {
    }

    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private final Thread reader;
    private volatile int comments;

    private SseClient(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = Thread.ofVirtual().start(this::read);
    }

    /** Opens {@code url} with a Bearer {@code token} and extra headers (e.g. Last-Event-ID). */
    public static SseClient open(URI url, String token, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).GET().header("Accept", "text/event-stream");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        headers.forEach(request::header);
        try {
            return new SseClient(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int status() {
        return response.statusCode();
    }

    public String header(String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** The whole body of a refused request (status not 200). */
    public String errorBody() throws InterruptedException {
        reader.join(5000);
        StringBuilder body = new StringBuilder();
        frames.forEach(f -> body.append(f.data()));
        return body.toString();
    }

    /** The next frame, or null after {@code timeout}. */
    public Frame next(Duration timeout) throws InterruptedException {
        return frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next frame of event type {@code event} (others skipped), or null after {@code timeout}. */
    public Frame next(String event, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Frame frame = frames.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (frame == null || frame.event().equals(event)) {
                return frame;
            }
        }
    }

    /** Log events until {@code count} arrived or {@code timeout} passed. */
    public List<Frame> logEvents(int count, Duration timeout) throws InterruptedException {
        List<Frame> events = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (events.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            Frame frame = frames.poll(left, TimeUnit.NANOSECONDS);
            if (frame != null && frame.event().equals("log")) {
                events.add(frame);
            }
        }
        return events;
    }

    /** Frames received and not taken yet. */
    public List<Frame> drain() {
        List<Frame> rest = new ArrayList<>();
        frames.drainTo(rest);
        return rest;
    }

    public int comments() {
        return comments;
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            if (response.statusCode() != 200) {
                StringBuilder body = new StringBuilder();
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    body.append(line);
                }
                frames.add(new Frame(null, "error", body.toString()));
                return;
            }
            String id = null;
            String event = "message";
            StringBuilder data = null;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.isEmpty()) {
                    if (data != null) {
                        frames.add(new Frame(id, event, data.toString()));
                    }
                    id = null;
                    event = "message";
                    data = null;
                } else if (line.startsWith(":")) {
                    comments++;
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
                }
            }
        } catch (IOException e) {
            // Closed here or by the server.
        }
    }

    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // Already gone.
        }
        reader.interrupt();
    }
}
