package io.larch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.model.EventId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Posts events at a steady rate to {@code POST /api/log} for a fixed number of events (it stops by
 * itself), event {@code seq} for user {@code users[seq % users.length]}, in batches sent on a
 * schedule (batch k at start + k * batch / rate), at most {@link #MAX_IN_FLIGHT} requests at once:
 * a batch that cannot start on time starts late and the lateness is reported, so the rate is
 * what the server took, not what was hoped. Each event carries its sequence number and the
 * {@link System#nanoTime} at which its request was built ({@code attrs.benchSeq},
 * {@code attrs.sentNanos}); the 202's {@code ids} map each event id back to its sequence number.
 *
 * <p>Threading: {@link #run} on one thread; requests on virtual threads; the arrays are complete
 * when {@link #run} returns.
 */
final class TailIngest {
    static final int MAX_IN_FLIGHT = 64;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String url;
    private final String key;
    private final String[] users;
    private final int batch;
    private final double rate;
    private final int total;
    /** Event templates split around the user id: {before, after-without-the-closing-braces}. */
    private final List<String[]> templates;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** Per sequence number: when its request was built, when its 202 arrived (0: never), its id (0: none). */
    final long[] sendNanos;
    final long[] ackNanos;
    final long[] ids;
    final ConcurrentHashMap<Long, Integer> seqOfId = new ConcurrentHashMap<>();
    final ConcurrentHashMap<Integer, AtomicLong> failedRequestsByStatus = new ConcurrentHashMap<>();
    final AtomicLong requestErrors = new AtomicLong();
    final AtomicLong debounced = new AtomicLong();
    volatile String firstFailure;
    /** Guarded by itself. */
    final Histogram requestLatency = new Histogram(Duration.ofMinutes(10).toNanos(), 3);
    final Histogram lateness = new Histogram(Duration.ofMinutes(10).toNanos(), 3);
    private final AtomicInteger inFlight = new AtomicInteger();
    int maxInFlight;
    long startedNanos;
    long endedNanos;

    /** Events before this sequence number are warm-up: their requests' latency is not recorded. */
    private final int warmupEvents;

    TailIngest(String url, String key, String[] users, int batch, double rate, int total, int warmupEvents, List<String> loghub) {
        this.warmupEvents = warmupEvents;
        this.url = url;
        this.key = key;
        this.users = users;
        this.batch = batch;
        this.rate = rate;
        this.total = total;
        this.sendNanos = new long[total];
        this.ackNanos = new long[total];
        this.ids = new long[total];
        this.templates = templates(loghub, 4096);
    }

    /** Realistic events (the ingest benchmark's generator) without ts (so ts = receive time), kind app, user left open. */
    private static List<String[]> templates(List<String> loghub, int count) {
        EventGenerator generator = new EventGenerator(77, loghub, Instant.now(), 1, 0);
        List<String[]> templates = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String json = generator.next(1);
            json = json.replace(",\"kind\":\"work\"", "");
            json = "{" + json.substring(json.indexOf(',') + 1);
            json = json.replaceFirst("\"userId\":\"u\\d+\"", "\"userId\":\"\u0000\"");
            int user = json.indexOf('\u0000');
            templates.add(new String[] {json.substring(0, user), json.substring(user + 1, json.length() - 2)});
        }
        return templates;
    }

    /** Sends all {@code total} events on the schedule and waits (at most a minute) for the last answers. */
    void run() throws InterruptedException {
        Semaphore slots = new Semaphore(MAX_IN_FLIGHT);
        int batches = (total + batch - 1) / batch;
        double nanosPerBatch = batch * 1e9 / rate;
        startedNanos = System.nanoTime();
        for (int k = 0; k < batches; k++) {
            long due = startedNanos + Math.round(k * nanosPerBatch);
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            slots.acquire();
            lateness.recordValue(Math.min(Math.max(0, System.nanoTime() - due), lateness.getHighestTrackableValue()));
            int first = k * batch;
            int size = Math.min(batch, total - first);
            maxInFlight = Math.max(maxInFlight, inFlight.incrementAndGet());
            Thread.ofVirtual().start(() -> {
                try {
                    send(first, size);
                } finally {
                    inFlight.decrementAndGet();
                    slots.release();
                }
            });
        }
        if (!slots.tryAcquire(MAX_IN_FLIGHT, 60, TimeUnit.SECONDS)) {
            firstFailure = firstFailure != null ? firstFailure : "requests still running a minute after the last was sent";
        }
        endedNanos = System.nanoTime();
    }

    private void send(int first, int size) {
        StringBuilder body = new StringBuilder(size * 480 + 16).append("{\"events\":[");
        long built = System.nanoTime();
        for (int i = 0; i < size; i++) {
            int seq = first + i;
            String[] template = templates.get(seq % templates.size());
            body.append(i == 0 ? "" : ",").append(template[0]).append(users[seq % users.length]).append(template[1])
                    .append(",\"benchSeq\":").append(seq).append(",\"sentNanos\":").append(built).append("}}");
            sendNanos[seq] = built;
        }
        body.append("]}");
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url + "/api/log"))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .timeout(Duration.ofMinutes(1)).POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            long acked = System.nanoTime();
            if (first >= warmupEvents) {
                synchronized (requestLatency) {
                    requestLatency.recordValue(Math.min(acked - built, requestLatency.getHighestTrackableValue()));
                }
            }
            if (response.statusCode() != 202) {
                failedRequestsByStatus.computeIfAbsent(response.statusCode(), s -> new AtomicLong()).incrementAndGet();
                if (firstFailure == null) {
                    firstFailure = response.statusCode() + ": " + response.body();
                }
                return;
            }
            JsonNode answer = JSON.readTree(response.body());
            JsonNode idList = answer.get("ids");
            for (int i = 0; i < size; i++) {
                JsonNode id = idList == null ? null : idList.get(i);
                if (id == null || id.isNull()) {
                    debounced.incrementAndGet();
                    continue;
                }
                long parsed = EventId.parse(id.asText());
                ids[first + i] = parsed;
                ackNanos[first + i] = acked;
                seqOfId.put(parsed, first + i);
            }
        } catch (Exception e) {
            requestErrors.incrementAndGet();
            if (firstFailure == null) {
                firstFailure = e.toString();
            }
        }
    }

    /** How many users the events are spread over: event {@code seq} is for user {@code seq % userCount()}. */
    int userCount() {
        return users.length;
    }

    /** Events whose 202 carried an id: those every matching stream must deliver. */
    long acknowledged() {
        long count = 0;
        for (long id : ids) {
            count += id != 0 ? 1 : 0;
        }
        return count;
    }

    Map<String, Object> report() {
        double seconds = (endedNanos - startedNanos) / 1e9;
        long acked = acknowledged();
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("targetEventsPerSecond", rate);
        map.put("batch", batch);
        map.put("eventsSent", total);
        map.put("eventsAcknowledged", acked);
        map.put("seconds", TailBench.round(seconds));
        map.put("acknowledgedEventsPerSecond", Math.round(acked / seconds));
        map.put("debounced", debounced.get());
        map.put("failedRequestsByStatus", new TreeMap<>(failedRequestsByStatus));
        map.put("requestErrors", requestErrors.get());
        map.put("firstFailure", firstFailure);
        map.put("requestLatencyAfterWarmUpMs", TailBench.percentiles(requestLatency));
        map.put("startLatenessMs", TailBench.percentiles(lateness));
        map.put("maxRequestsInFlight", maxInFlight);
        return map;
    }
}
