package io.larch.ingest.protocol.vercel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.ingest.protocol.ProjectIngest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vercel pull mode: follows deployments' events ({@code GET /v3/deployments/{id}/events?follow=1}
 * with the deployment's Vercel token) and stores them through {@link ProjectIngest}, one virtual
 * thread per followed deployment.
 *
 * <p>Resuming: where each deployment got to is the newest event time stored and the ids stored at
 * exactly that time ({@link Cursors#advance}, written after the events are durable). A (re)connect
 * asks {@code since=<that time>} and skips the events it already stored, so a stop and start
 * stores no event twice and loses none. A crash between storing a batch and recording it would
 * store that batch again at the next start (at least once, never lost).
 *
 * <p>A stream that ends is opened again after {@link #reconnectDelay}; the API refusing the
 * token (401, 403) or not knowing the deployment (404) stops following it with that status; any
 * other failure is retried with a doubling wait (up to a minute). {@link #close} cuts the
 * streams, stores what was read, records it, and returns.
 */
public final class VercelFollower implements AutoCloseable {
    /** How long Vercel may take to start answering a request for events. */
    static final java.time.Duration RESPONSE_TIMEOUT = java.time.Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(VercelFollower.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Events stored at once, at most (one native batch). */
    private static final int BATCH_EVENTS = 250;
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
    public static final String FOLLOWING = "following";
    public static final String RETRYING = "retrying";
    public static final String UNAUTHORIZED = "unauthorized";
    public static final String NOT_FOUND = "not_found";

    /** A followed deployment and where it got to. */
    public record Follow(long projectId, String deploymentId, String token, long lastTs, List<String> lastIds) {
    }

    /** Where each deployment got to, kept across restarts (the metadata database). Thread-safe. */
    public interface Cursors {
        /** Every deployment to follow at start. */
        List<Follow> following();

        /** Events up to {@code lastTs} are stored ({@code lastIds}: those at exactly that time); {@code added} more. */
        void advance(long projectId, String deploymentId, long lastTs, List<String> lastIds, int added);

        /** The deployment's status and the last error (null when none). */
        void status(long projectId, String deploymentId, String status, String error);
    }

    private final URI apiUrl;
    private final ProjectIngest ingest;
    private final Cursors cursors;
    private final Duration reconnectDelay;
    private final HttpClient client;
    /** Running followers by project and deployment; entries are added and removed by any thread. */
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private volatile boolean closing;
    /** [several nodes] False while another node follows the recorded deployments (see {@link #standBy}). */
    private volatile boolean active = true;

    /** @param apiUrl Vercel's API ({@code https://api.vercel.com}), or a local server in tests */
    public VercelFollower(URI apiUrl, ProjectIngest ingest, Cursors cursors, Duration reconnectDelay) {
        this.apiUrl = apiUrl;
        this.ingest = ingest;
        this.cursors = cursors;
        this.reconnectDelay = reconnectDelay;
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Follows every deployment recorded as followed. */
    public void start() {
        for (Follow follow : cursors.following()) {
            follow(follow);
        }
    }

    /**
     * [several nodes] Follows exactly the deployments recorded as followed, and makes this node
     * the one that follows: starts those not followed here (recorded through another node, or
     * left by a node that stopped following), restarts those recorded with another token, stops
     * those no longer recorded. A follower that ended by itself is not started again. Called
     * every few seconds on the node that holds the follow lock.
     */
    public synchronized void sync() {
        active = true;
        Map<String, Follow> wanted = new HashMap<>();
        for (Follow follow : cursors.following()) {
            wanted.put(name(follow.projectId(), follow.deploymentId()), follow);
        }
        for (Map.Entry<String, Running> entry : List.copyOf(running.entrySet())) {
            Follow recorded = wanted.get(entry.getKey());
            if (recorded == null || !recorded.token().equals(entry.getValue().follow.token())) {
                stop(entry.getValue().follow.projectId(), entry.getValue().follow.deploymentId());
            }
        }
        wanted.forEach((name, follow) -> {
            if (!running.containsKey(name)) {
                follow(follow);
            }
        });
    }

    /**
     * [several nodes] Another node follows the recorded deployments now: stops every follower here
     * (what was read is stored and recorded first), and {@link #follow} starts none until the next {@link #sync}.
     */
    public synchronized void standBy() {
        active = false;
        for (Running follower : List.copyOf(running.values())) {
            stop(follower.follow.projectId(), follower.follow.deploymentId());
        }
    }

    /**
     * Starts following {@code follow} (after a running follower of the same deployment stopped);
     * on a node that stands by, the node that follows starts it at its next sync.
     */
    public void follow(Follow follow) {
        if (closing || !active) {
            return;
        }
        stop(follow.projectId(), follow.deploymentId());
        Running follower = new Running(follow);
        follower.thread = Thread.ofVirtual().name("larch-vercel-" + follow.deploymentId()).unstarted(follower::run);
        running.put(name(follow.projectId(), follow.deploymentId()), follower);
        follower.thread.start();
    }

    /** Stops following a deployment: what was read is stored and recorded first. */
    public void stop(long projectId, String deploymentId) {
        Running follower = running.remove(name(projectId, deploymentId));
        if (follower != null) {
            follower.stop();
        }
    }

    @Override
    public void close() {
        closing = true;
        for (String name : List.copyOf(running.keySet())) {
            Running follower = running.remove(name);
            if (follower != null) {
                follower.stop();
            }
        }
    }

    private static String name(long projectId, String deploymentId) {
        return projectId + "/" + deploymentId;
    }

    /** One deployment's follower; its cursor fields are touched by its own thread only. */
    private final class Running {
        private final Follow follow;
        private long lastTs;
        private List<String> lastIds;
        private volatile boolean stopped;
        /** The open stream, closed by {@link #stop} to end a blocked read. */
        private volatile InputStream stream;
        private Thread thread;

        Running(Follow follow) {
            this.follow = follow;
            this.lastTs = follow.lastTs();
            this.lastIds = new ArrayList<>(follow.lastIds());
        }

        void stop() {
            stopped = true;
            InputStream open = stream;
            if (open != null) {
                try {
                    open.close();
                } catch (IOException ignored) {
                    // Closing to end the read; the thread notices.
                }
            }
            // No interrupt: the thread may be inside ingest; it sees the flag within 100 ms of any wait.
            try {
                thread.join(Duration.ofSeconds(20));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void run() {
            try {
                follow();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void follow() throws InterruptedException {
            Duration backoff = Duration.ofSeconds(1);
            while (!stopped) {
                try {
                    int status = readOnce();
                    if (stopped) {
                        return;
                    }
                    if (status == 401 || status == 403 || status == 404) {
                        String state = status == 404 ? NOT_FOUND : UNAUTHORIZED;
                        cursors.status(follow.projectId(), follow.deploymentId(), state, "Vercel answered " + status
                                + (status == 404 ? ": no such deployment for this token" : ": the token was refused"));
                        return;
                    }
                    if (status != 200) {
                        throw new IOException("Vercel answered " + status);
                    }
                    backoff = Duration.ofSeconds(1);
                    pause(reconnectDelay);
                } catch (IOException | RuntimeException e) {
                    if (stopped) {
                        return;
                    }
                    LOG.warn("vercel: following {} failed, retrying in {}s: {}", follow.deploymentId(), backoff.toSeconds(),
                            e.getMessage());
                    cursors.status(follow.projectId(), follow.deploymentId(), RETRYING, e.getMessage());
                    pause(backoff);
                    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                }
            }
        }

        /** Waits {@code duration}, or less once stopped. */
        private void pause(Duration duration) throws InterruptedException {
            long until = System.nanoTime() + duration.toNanos();
            while (!stopped && System.nanoTime() < until) {
                Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            }
        }

        /** One request: reads the events as they come and stores them; returns the HTTP status. */
        private int readOnce() throws IOException, InterruptedException {
            String query = "follow=1&direction=forward&limit=-1" + (lastTs > 0 ? "&since=" + lastTs : "");
            URI uri = apiUrl.resolve("/v3/deployments/" + URLEncoder.encode(follow.deploymentId(), StandardCharsets.UTF_8)
                    + "/events?" + query);
            HttpRequest request = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + follow.token())
                    .header("Accept", "application/stream+json, application/json")
                    // Until the answer's headers: a server that never answers does not stall the follow.
                    .timeout(RESPONSE_TIMEOUT).GET().build();
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    return response.statusCode();
                }
                stream = body;
                if (stopped) {
                    return 200;
                }
                cursors.status(follow.projectId(), follow.deploymentId(), FOLLOWING, null);
                List<ObjectNode> batch = new ArrayList<>();
                Cursor pending = new Cursor(lastTs, new ArrayList<>(lastIds));
                BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
                try {
                    String line;
                    while ((line = lines.readLine()) != null) {
                        for (JsonNode item : items(line)) {
                            take(item, pending, batch);
                        }
                        // Stored once the stream pauses (a live deployment) or a native batch is full.
                        if (batch.size() >= BATCH_EVENTS || !lines.ready()) {
                            store(batch, pending);
                        }
                    }
                } catch (IOException e) {
                    if (!stopped) {
                        store(batch, pending);
                        throw e;
                    }
                }
                store(batch, pending);
                return 200;
            } finally {
                stream = null;
            }
        }

        /** One NDJSON line: an event, or a JSON array of them (the non-streaming answer). */
        private List<JsonNode> items(String line) throws IOException {
            String trimmed = line.trim();
            if (trimmed.isEmpty()) {
                return List.of();
            }
            JsonNode node = JSON.readTree(trimmed);
            List<JsonNode> items = new ArrayList<>();
            if (node.isArray()) {
                node.forEach(items::add);
            } else if (node.isObject()) {
                items.add(node);
            }
            return items;
        }

        /** Adds {@code item} to the batch unless it was stored before (by its time and id). */
        private void take(JsonNode item, Cursor pending, List<ObjectNode> batch) {
            long ts = VercelEvents.eventTime(item);
            String id = VercelEvents.eventId(item);
            if (ts < pending.lastTs || ts == pending.lastTs && pending.lastIds.contains(id)) {
                return;
            }
            if (ts > pending.lastTs) {
                pending.lastTs = ts;
                pending.lastIds.clear();
            }
            pending.lastIds.add(id);
            pending.added++;
            ObjectNode event = VercelEvents.deploymentEvent(item, follow.deploymentId());
            if (event != null) {
                batch.add(event);
            }
        }

        /** Stores the batch, then records the cursor: a failure leaves the cursor where it was, to read again. */
        private void store(List<ObjectNode> batch, Cursor pending) {
            if (pending.added == 0) {
                return;
            }
            if (!batch.isEmpty()) {
                ProjectIngest.Outcome outcome = ingest.store(follow.projectId(), batch);
                if (!outcome.rejected().isEmpty()) {
                    LOG.warn("vercel: {} events of deployment {} were refused: {}", outcome.rejected().size(),
                            follow.deploymentId(), outcome.rejected().getFirst().reason());
                }
            }
            cursors.advance(follow.projectId(), follow.deploymentId(), pending.lastTs, List.copyOf(pending.lastIds),
                    batch.size());
            lastTs = pending.lastTs;
            lastIds = new ArrayList<>(pending.lastIds);
            pending.added = 0;
            batch.clear();
        }
    }

    /** A cursor being moved by events read but not yet stored. */
    private static final class Cursor {
        long lastTs;
        final List<String> lastIds;
        int added;

        Cursor(long lastTs, List<String> lastIds) {
            this.lastTs = lastTs;
            this.lastIds = lastIds;
        }
    }
}
