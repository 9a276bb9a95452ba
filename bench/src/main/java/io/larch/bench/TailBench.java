package io.larch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.model.EventId;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench tail} (issue 13): a live Larch server from a jar, three phases, each on a fresh
 * server whose head already holds {@code --head-events} events:
 * <ol>
 * <li>{@code latency}: N clients each tail one user ({@code GET /api/log/stream?q=user:<u>}) and
 * a few tail everything, while events arrive at a steady rate spread over those users; per
 * event, the time from its 202 (and from its request being built) to its arrival at each client,
 * and per client the events expected against those received.</li>
 * <li>{@code idle}: many mostly idle streams held open; the server's heap after a full GC, RSS,
 * threads and file descriptors before, with and after them; which classes grew.</li>
 * <li>{@code poll}: work-log pollers ({@code GET /api/work-log/list?after=}) at the server's
 * hinted rate ({@code pollAfterMs}) while work logs are created for some users; the server's
 * CPU as a share of one core, poll latency, and when each work log was first seen.</li>
 * </ol>
 * The client runs on the same machine as the server: every latency includes the client's own
 * scheduling on the shared cores.
 */
@Command(name = "tail", mixinStandardHelpOptions = true, description = "Live tail: SSE latency under ingest, idle-connection memory, work-log pollers' CPU.")
final class TailBench extends BenchMain.Common implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--phases", split = ",", defaultValue = "latency,idle,poll", description = "any of latency, idle, poll")
    List<String> phases;

    @Option(names = "--head-events", defaultValue = "100000", description = "events loaded into each server's head before a phase")
    int headEvents;

    @Option(names = "--clients", defaultValue = "1000", description = "latency: streams of one user each (0 with --unfiltered-clients 0: ingest alone)")
    int clients;

    @Option(names = "--unfiltered-clients", defaultValue = "5", description = "latency: streams of everything (admin-style)")
    int unfilteredClients;

    @Option(names = "--rate", defaultValue = "10000", description = "latency: events per second, spread over the clients' users")
    int rate;

    @Option(names = "--batch", defaultValue = "100", description = "events per ingest request")
    int batch;

    @Option(names = "--seconds", defaultValue = "30", description = "latency: measured ingest time")
    int seconds;

    @Option(names = "--warmup-seconds", defaultValue = "10", description = "latency: ingest before the measured time (counted for missing events, not for latency)")
    int warmupSeconds;

    @Option(names = "--drain-seconds", defaultValue = "15", description = "latency: the longest wait for events still on their way after the last 202")
    int drainSeconds;

    @Option(names = "--idle-connections", defaultValue = "10000", description = "idle: streams held open")
    int idleConnections;

    @Option(names = "--hold-seconds", defaultValue = "30", description = "idle: how long they are held")
    int holdSeconds;

    @Option(names = "--idle-rate", defaultValue = "100", description = "idle: events per second over the idle streams' users while they are held")
    int idleRate;

    @Option(names = "--pollers", defaultValue = "1000", description = "poll: work-log pollers, one user each, viewer tokens")
    int pollers;

    @Option(names = "--poll-seconds", defaultValue = "60", description = "poll: measured time")
    int pollSeconds;

    @Option(names = "--work-log-rate", defaultValue = "10", description = "poll: work logs created per second")
    int workLogRate;

    @Option(names = "--work-log-users", defaultValue = "100", description = "poll: the first K pollers' users get the work logs")
    int workLogUsers;

    @Option(names = "--reconnect", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "latency: a stream the server ends (too slow, ...) reconnects with lastEventId, as the contract says; --no-reconnect counts what it loses")
    boolean reconnect;

    @Option(names = "--handshakes", defaultValue = "200", description = "streams connecting at once")
    int handshakes;

    @Override
    public Integer call() throws Exception {
        List<String> loghubLines = EventGenerator.loadLoghub(loghub);
        Path dir = dataDirOrTemp();
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("benchmark", "tail");
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("phases", phases);
        options.put("headEvents", headEvents);
        options.put("clients", clients);
        options.put("unfilteredClients", unfilteredClients);
        options.put("rate", rate);
        options.put("batch", batch);
        options.put("seconds", seconds);
        options.put("warmupSeconds", warmupSeconds);
        options.put("reconnect", reconnect);
        options.put("idleConnections", idleConnections);
        options.put("holdSeconds", holdSeconds);
        options.put("idleRate", idleRate);
        options.put("pollers", pollers);
        options.put("pollSeconds", pollSeconds);
        options.put("workLogRate", workLogRate);
        options.put("workLogUsers", workLogUsers);
        results.put("options", options);
        results.put("clientMaxOpenFiles", ServerUsage.maxOpenFiles(ProcessHandle.current().pid()));
        results.put("serverJavaOptions", System.getenv().getOrDefault("LARCH_JAVA_OPTS", ""));
        List<String> summary = new ArrayList<>();
        try {
            for (String phase : phases) {
                System.err.println("bench tail: " + phase + " ...");
                Path phaseDir = dir.resolve(phase);
                int cap = Math.max(clients + unfilteredClients, idleConnections) + 100;
                try (LarchProcess larch = LarchProcess.start(jar, phaseDir, Map.of("LARCH_MAX_SSE_CONNECTIONS", Integer.toString(cap)))) {
                    Server server = setUp(larch, loghubLines, cap);
                    String loadBefore = ServerUsage.loadAverage();
                    Map<String, Object> phaseResult = switch (phase) {
                        case "latency" -> latency(server, loghubLines, summary);
                        case "idle" -> idle(server, loghubLines, summary);
                        case "poll" -> poll(server, summary);
                        default -> throw new IllegalArgumentException("unknown phase '" + phase + "': use latency, idle, poll");
                    };
                    phaseResult.put("serverMaxOpenFiles", ServerUsage.maxOpenFiles(larch.pid()));
                    // The machine is shared: a load well above 2 means others took the cores too.
                    phaseResult.put("machineLoadAverageBefore", loadBefore);
                    phaseResult.put("machineLoadAverageAfter", ServerUsage.loadAverage());
                    summary.add("  machine load average (1, 5, 15 min) before " + loadBefore + ", after " + ServerUsage.loadAverage());
                    phaseResult.put("serverMetrics", BenchMain.metrics(larch.url()));
                    results.put(phase, phaseResult);
                }
                BenchMain.deleteTree(phaseDir);
            }
            write(results);
            System.out.println();
            summary.forEach(System.out::println);
        } finally {
            cleanUp(dir);
        }
        return 0;
    }

    /** A started server with a project, its keys, and a head holding {@code --head-events} events. */
    private record Server(LarchProcess larch, String ingestKey, String readKey, int sseCap) {
        String url() {
            return larch.url();
        }

        long pid() {
            return larch.pid();
        }
    }

    private Server setUp(LarchProcess larch, List<String> loghubLines, int cap) throws Exception {
        String ingestKey = BenchMain.createProject(larch.url());
        String readKey = new BenchHttp(larch.url()).postJson("/admin/projects/bench/keys", LarchProcess.ADMIN_TOKEN,
                "{\"name\":\"tail\",\"scopes\":[\"read\"]}").get("key").asText();
        if (headEvents > 0) {
            // Other users (u0..u9999) than the tails follow, over the last ten minutes: a live server's head.
            QueryBench.load(larch.url(), ingestKey, headEvents, 2, loghubLines, Instant.now(), Duration.ofMinutes(10));
        }
        return new Server(larch, ingestKey, readKey, cap);
    }

    // ---- phase 1: latency ------------------------------------------------------------------

    private Map<String, Object> latency(Server server, List<String> loghubLines, List<String> summary) throws Exception {
        AtomicLong benchEventsReceived = new AtomicLong();
        List<TailClient> tails = new ArrayList<>();
        // With --clients 0 the events still go to one user, whom nobody follows: ingest alone, for comparison.
        String[] users = new String[Math.max(1, clients)];
        for (int i = 0; i < users.length; i++) {
            users[i] = "tail-u" + i;
        }
        CountDownLatch opened = new CountDownLatch(clients + unfilteredClients);
        for (int i = 0; i < clients; i++) {
            tails.add(new TailClient(users[i], i, benchEventsReceived, opened));
        }
        for (int i = 0; i < unfilteredClients; i++) {
            tails.add(new TailClient(null, i, benchEventsReceived, opened));
        }
        long connectStarted = System.nanoTime();
        Semaphore handshakeSlots = new Semaphore(handshakes);
        for (TailClient tail : tails) {
            String q = tail.user == null ? null : "user:" + tail.user;
            // Unfiltered streams carry every event: reading them in big gulps keeps the client ahead.
            tail.start(server.url(), SseConnection.path("/api/log/stream", q), server.readKey(), handshakeSlots,
                    tail.user == null ? 1 << 16 : 1 << 13, reconnect);
        }
        opened.await(120, TimeUnit.SECONDS);
        double connectSeconds = (System.nanoTime() - connectStarted) / 1e9;
        Thread.sleep(1000);
        int total = (int) ((long) rate * (warmupSeconds + seconds));
        int warmupEvents = rate * warmupSeconds;
        TailIngest ingest = new TailIngest(server.url(), server.ingestKey(), users, batch, rate, total, warmupEvents,
                loghubLines);
        double serverCpuStart = ServerUsage.cpuSeconds(server.pid());
        double clientCpuStart = ServerUsage.cpuSeconds(ProcessHandle.current().pid());
        SocketQueueSampler queues = new SocketQueueSampler(URI.create(server.url()).getPort());
        Map<String, Double> threadsBefore = ServerUsage.threadCpuSeconds(server.pid());
        ingest.run();
        Map<String, Double> threadsAfter = ServerUsage.threadCpuSeconds(server.pid());
        queues.stop();
        double serverCpu = ServerUsage.cpuSeconds(server.pid()) - serverCpuStart;
        double clientCpu = ServerUsage.cpuSeconds(ProcessHandle.current().pid()) - clientCpuStart;
        double ingestSeconds = (ingest.endedNanos - ingest.startedNanos) / 1e9;

        // Every acknowledged event is expected once by its user's tail and once by each unfiltered tail.
        long acked = ingest.acknowledged();
        long expectedTotal = 0;
        for (TailClient tail : tails) {
            if (tail.status == 200) {
                expectedTotal += tail.user == null ? acked : expectedFor(ingest, tail.index, clients);
            }
        }
        long drainStarted = System.nanoTime();
        while (benchEventsReceived.get() < expectedTotal && System.nanoTime() - drainStarted < drainSeconds * 1_000_000_000L) {
            Thread.sleep(100);
        }
        double drainedSeconds = (System.nanoTime() - drainStarted) / 1e9;
        long serverRss = ServerUsage.rssBytes(server.pid());
        long serverThreads = ServerUsage.threads(server.pid());
        long endedByServer = tails.stream().filter(t -> t.endedByServer || t.finished && t.status == 200).count();
        for (TailClient tail : tails) {
            tail.stop();
        }

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("connectSeconds", round(connectSeconds));
        result.put("ingest", ingest.report());
        result.put("drainSeconds", round(drainedSeconds));
        result.put("streamsEndedByServerBeforeTheEnd", endedByServer);
        Map<String, Object> filtered = group(tails.stream().filter(t -> t.user != null).toList(), ingest, warmupEvents);
        Map<String, Object> unfiltered = group(tails.stream().filter(t -> t.user == null).toList(), ingest, warmupEvents);
        result.put("perUserClients", filtered);
        result.put("unfilteredClients", unfiltered);
        result.put("serverCpuShareOfOneCore", round(serverCpu / ingestSeconds));
        result.put("benchClientCpuShareOfOneCore", round(clientCpu / ingestSeconds));
        result.put("serverRssBytes", serverRss);
        result.put("serverThreads", serverThreads);
        result.put("socketQueuesWhileIngesting", queues.report());
        Map<String, Double> busiest = ServerUsage.busiestThreads(threadsBefore, threadsAfter, ingestSeconds, 8);
        result.put("serverBusiestThreadsShareOfOneCore", busiest);

        summary.add(String.format("latency: %d per-user streams + %d unfiltered, %s events/s acknowledged (target %d, batches of %d)",
                clients, unfilteredClients, ingest.report().get("acknowledgedEventsPerSecond"), rate, batch));
        summary.add("  per-user streams:   " + line(filtered));
        summary.add("  unfiltered streams: " + line(unfiltered));
        summary.add(String.format("  server CPU %.2f cores, bench client CPU %.2f cores, server RSS %d MB, %d threads",
                serverCpu / ingestSeconds, clientCpu / ingestSeconds, serverRss >> 20, serverThreads));
        summary.add("  socket queues while ingesting (is the client keeping up?): " + queues.report());
        summary.add("  server's busiest threads (share of one core): " + busiest);
        return result;
    }

    /**
     * Samples the kernel's socket queues of the connections to the server every 250 ms: whether
     * the streams' bytes wait in the clients' receive buffers (the bench client is behind) or not
     * (whatever is slow is on the server's side).
     */
    private static final class SocketQueueSampler {
        private final Thread thread;
        private volatile boolean stopping;
        private long samples;
        private long maxClientUnread;
        private long maxTotalClientUnread;
        private long samplesWithClientOver64k;
        private long maxServerUnsent;

        SocketQueueSampler(int port) {
            thread = Thread.ofPlatform().daemon(true).start(() -> {
                while (!stopping) {
                    long[] q = ServerUsage.socketQueues(port);
                    samples++;
                    maxClientUnread = Math.max(maxClientUnread, q[0]);
                    maxTotalClientUnread = Math.max(maxTotalClientUnread, q[1]);
                    samplesWithClientOver64k += q[0] > 65_536 ? 1 : 0;
                    maxServerUnsent = Math.max(maxServerUnsent, q[2]);
                    try {
                        Thread.sleep(250);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        void stop() throws InterruptedException {
            stopping = true;
            thread.join();
        }

        Map<String, Object> report() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("samples", samples);
            map.put("maxBytesUnreadByOneClient", maxClientUnread);
            map.put("maxBytesUnreadByAllClients", maxTotalClientUnread);
            map.put("samplesWithAClientOver64KBUnread", samplesWithClientOver64k);
            map.put("maxBytesUnsentByTheServerOnOneSocket", maxServerUnsent);
            return map;
        }
    }

    private static long expectedFor(TailIngest ingest, int userIndex, int users) {
        long count = 0;
        for (int seq = userIndex; seq < ingest.ids.length; seq += users) {
            count += ingest.ids[seq] != 0 ? 1 : 0;
        }
        return count;
    }

    /** Latency and completeness over a group of tails: each must receive exactly its acknowledged events, in id order. */
    private static Map<String, Object> group(List<TailClient> tails, TailIngest ingest, int warmupEvents) {
        Histogram fromAck = new Histogram(Duration.ofMinutes(10).toNanos(), 3);
        Histogram fromSend = new Histogram(Duration.ofMinutes(10).toNanos(), 3);
        Histogram earlyBy = new Histogram(Duration.ofMinutes(10).toNanos(), 3);
        long arrivedBefore202 = 0;
        long expected = 0;
        long receivedExpected = 0;
        long missing = 0;
        long duplicates = 0;
        long outOfOrder = 0;
        long wrongFilter = 0;
        long unknownIds = 0;
        long sendTimeMismatch = 0;
        long droppedNotices = 0;
        long droppedEvents = 0;
        long otherEvents = 0;
        long reconnects = 0;
        long closedWithoutEnd = 0;
        int connected = 0;
        int clientsWithMissing = 0;
        Map<Integer, Integer> refusedByStatus = new TreeMap<>();
        Map<String, Integer> failures = new TreeMap<>();
        Map<String, Integer> endReasons = new TreeMap<>();
        List<Map<String, Object>> missingExamples = new ArrayList<>();
        int userCount = ingest.userCount();
        for (TailClient tail : tails) {
            if (tail.status != 200) {
                if (tail.status != 0) {
                    refusedByStatus.merge(tail.status, 1, Integer::sum);
                }
                failures.merge(String.valueOf(tail.failure).lines().findFirst().orElse("") , 1, Integer::sum);
                continue;
            }
            connected++;
            for (String reason : tail.endReasons) {
                endReasons.merge(reason, 1, Integer::sum);
            }
            reconnects += tail.reconnects;
            closedWithoutEnd += tail.closedWithoutEnd;
            droppedNotices += tail.droppedNotices;
            droppedEvents += tail.droppedEvents;
            otherEvents += tail.otherEvents;
            BitSet seen = new BitSet(ingest.ids.length);
            long previousId = Long.MIN_VALUE;
            for (int i = 0; i < tail.received; i++) {
                long id = tail.ids[i];
                if (id <= previousId) {
                    outOfOrder++;
                }
                previousId = id;
                Integer seq = ingest.seqOfId.get(id);
                if (seq == null) {
                    unknownIds++;
                    continue;
                }
                if (tail.user != null && seq % userCount != tail.index) {
                    wrongFilter++;
                    continue;
                }
                if (seen.get(seq)) {
                    duplicates++;
                    continue;
                }
                seen.set(seq);
                if (tail.sent[i] != ingest.sendNanos[seq]) {
                    sendTimeMismatch++;
                }
                if (seq < warmupEvents) {
                    continue;
                }
                long sinceAck = tail.arrivals[i] - ingest.ackNanos[seq];
                if (sinceAck < 0) {
                    arrivedBefore202++;
                    earlyBy.recordValue(Math.min(-sinceAck, earlyBy.getHighestTrackableValue()));
                }
                fromAck.recordValue(Math.min(Math.max(0, sinceAck), fromAck.getHighestTrackableValue()));
                fromSend.recordValue(Math.min(Math.max(0, tail.arrivals[i] - tail.sent[i]), fromSend.getHighestTrackableValue()));
            }
            long mine = 0;
            long got = 0;
            int firstMissing = -1;
            int step = tail.user == null ? 1 : userCount;
            for (int seq = tail.user == null ? 0 : tail.index; seq < ingest.ids.length; seq += step) {
                if (ingest.ids[seq] == 0) {
                    continue;
                }
                mine++;
                if (seen.get(seq)) {
                    got++;
                } else if (firstMissing < 0) {
                    firstMissing = seq;
                }
            }
            expected += mine;
            receivedExpected += got;
            missing += mine - got;
            if (mine > got) {
                clientsWithMissing++;
                if (missingExamples.size() < 10) {
                    Map<String, Object> example = new LinkedHashMap<>();
                    example.put("user", tail.user == null ? "(all)" : tail.user);
                    example.put("expected", mine);
                    example.put("received", got);
                    example.put("firstMissingSeq", firstMissing);
                    example.put("firstMissingId", EventId.format(ingest.ids[firstMissing]));
                    example.put("droppedNotices", tail.droppedNotices);
                    example.put("endReasons", tail.endReasons);
                    example.put("reconnects", tail.reconnects);
                    example.put("closedWithoutEnd", tail.closedWithoutEnd);
                    example.put("failure", tail.failure);
                    missingExamples.add(example);
                }
            }
        }
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("clients", tails.size());
        map.put("connected", connected);
        map.put("refusedByStatus", refusedByStatus);
        map.put("connectFailures", failures);
        map.put("eventsExpected", expected);
        map.put("eventsReceived", receivedExpected);
        map.put("eventsMissing", missing);
        map.put("clientsWithMissingEvents", clientsWithMissing);
        map.put("missingExamples", missingExamples);
        map.put("duplicates", duplicates);
        map.put("outOfIdOrder", outOfOrder);
        map.put("otherUsersEvents", wrongFilter);
        map.put("unknownIds", unknownIds);
        map.put("sendTimeMismatch", sendTimeMismatch);
        map.put("notBenchEvents", otherEvents);
        map.put("droppedNotices", droppedNotices);
        map.put("droppedEventsNotified", droppedEvents);
        map.put("endReasons", endReasons);
        map.put("reconnects", reconnects);
        map.put("closedByTheServerWithoutEndEvent", closedWithoutEnd);
        map.put("latencyMeasuredEvents", fromAck.getTotalCount());
        map.put("latencyFrom202Ms", percentiles(fromAck));
        // Stored, released to the tail and acknowledged happen in that order on the server, but
        // the tail's bytes may reach the client before the 202 does: those count as 0 above.
        map.put("arrivedBefore202", arrivedBefore202);
        map.put("arrivedBefore202ByMs", percentiles(earlyBy));
        map.put("latencyFromSendMs", percentiles(fromSend));
        return map;
    }

    private static String line(Map<String, Object> group) {
        @SuppressWarnings("unchecked")
        Map<String, Object> ack = (Map<String, Object>) group.get("latencyFrom202Ms");
        @SuppressWarnings("unchecked")
        Map<String, Object> send = (Map<String, Object>) group.get("latencyFromSendMs");
        return String.format("%s/%s connected (refused: %s); from 202 p50 %s / p99 %s / p999 %s / max %s ms; from send p50 %s / p99 %s / p999 %s ms;"
                        + " %s of %s events missing (%s clients), %s duplicates, %s out of order, %s dropped notices, %s closed without end, %s reconnects",
                group.get("connected"), group.get("clients"), group.get("refusedByStatus"), ack.get("p50"), ack.get("p99"), ack.get("p999"), ack.get("max"),
                send.get("p50"), send.get("p99"), send.get("p999"), group.get("eventsMissing"), group.get("eventsExpected"),
                group.get("clientsWithMissingEvents"), group.get("duplicates"), group.get("outOfIdOrder"), group.get("droppedNotices"), group.get("closedByTheServerWithoutEndEvent"), group.get("reconnects"));
    }

    // ---- phase 2: idle connections ---------------------------------------------------------

    private Map<String, Object> idle(Server server, List<String> loghubLines, List<String> summary) throws Exception {
        long pid = server.pid();
        Thread.sleep(2000);
        Map<String, Object> before = usage(pid);
        Map<String, Long> classesBefore = ServerUsage.classBytes(pid);
        AtomicLong received = new AtomicLong();
        String[] users = new String[idleConnections];
        List<TailClient> tails = new ArrayList<>(idleConnections);
        CountDownLatch opened = new CountDownLatch(idleConnections);
        for (int i = 0; i < idleConnections; i++) {
            users[i] = "idle-u" + i;
            tails.add(new TailClient(users[i], i, received, opened));
        }
        long connectStarted = System.nanoTime();
        Semaphore handshakeSlots = new Semaphore(handshakes);
        for (TailClient tail : tails) {
            tail.start(server.url(), SseConnection.path("/api/log/stream", "user:" + tail.user), server.readKey(), handshakeSlots,
                    2048, false);
        }
        boolean allAnswered = opened.await(300, TimeUnit.SECONDS);
        double connectSeconds = (System.nanoTime() - connectStarted) / 1e9;
        long connected = tails.stream().filter(t -> t.status == 200).count();

        Thread.sleep(5000);
        Map<String, Object> with = usage(pid);
        Map<String, Long> classesWith = ServerUsage.classBytes(pid);

        // Then held: mostly idle, a trickle of events over their users; the CPU is of this window.
        int total = idleRate * holdSeconds;
        TailIngest ingest = new TailIngest(server.url(), server.ingestKey(), users, Math.max(1, Math.min(batch, idleRate)), idleRate,
                total, 0, loghubLines);
        double cpuStart = ServerUsage.cpuSeconds(pid);
        Map<String, Double> threadsBefore = ServerUsage.threadCpuSeconds(pid);
        long cpuStartNanos = System.nanoTime();
        ingest.run();
        double heldSeconds = (System.nanoTime() - cpuStartNanos) / 1e9;
        double holdCpuShare = (ServerUsage.cpuSeconds(pid) - cpuStart) / heldSeconds;
        Map<String, Double> busiest = ServerUsage.busiestThreads(threadsBefore, ServerUsage.threadCpuSeconds(pid), heldSeconds, 8);
        long expected = 0;
        for (TailClient tail : tails) {
            if (tail.status == 200) {
                expected += expectedFor(ingest, tail.index, idleConnections);
            }
        }
        long drainStarted = System.nanoTime();
        while (received.get() < expected && System.nanoTime() - drainStarted < drainSeconds * 1_000_000_000L) {
            Thread.sleep(100);
        }
        long stillOpen = tails.stream().filter(t -> t.status == 200 && !t.finished).count();
        for (TailClient tail : tails) {
            tail.stop();
        }
        // The server notices hang-ups on its own schedule: wait (at most a minute) until its descriptors are back.
        long closedAt = System.nanoTime();
        long baseFiles = (long) before.get("openFiles");
        while (ServerUsage.openFiles(pid) > baseFiles + 50 && System.nanoTime() - closedAt < 60_000_000_000L) {
            Thread.sleep(100);
        }
        double hangUpsNoticedSeconds = (System.nanoTime() - closedAt) / 1e9;
        Map<String, Object> after = usage(pid);

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("connectionsAsked", idleConnections);
        result.put("connected", connected);
        result.put("allAnsweredWithin300s", allAnswered);
        result.put("connectSeconds", round(connectSeconds));
        result.put("stillOpenAtTheEnd", stillOpen);
        result.put("secondsUntilTheServerClosedThemAfterTheClientsDid", round(hangUpsNoticedSeconds));
        result.put("heldSeconds", round(heldSeconds));
        Map<String, Object> streams = group(tails, ingest, 0);
        streams.remove("latencyFromSendMs");
        result.put("streams", streams);
        result.put("trickleIngest", ingest.report());
        result.put("before", before);
        result.put("withConnections", with);
        result.put("afterClosing", after);
        long heapGrowth = (long) with.get("heapUsedBytes") - (long) before.get("heapUsedBytes");
        long rssGrowth = (long) with.get("rssBytes") - (long) before.get("rssBytes");
        result.put("heapBytesPerConnection", connected == 0 ? null : heapGrowth / connected);
        result.put("rssBytesPerConnection", connected == 0 ? null : rssGrowth / connected);
        result.put("serverCpuShareOfOneCoreWhileHeld", round(holdCpuShare));
        result.put("serverBusiestThreadsShareOfOneCoreWhileHeld", busiest);
        result.put("classesGrownMost", ServerUsage.grewMost(classesBefore, classesWith, 15));

        summary.add(String.format("idle: %d of %d streams open in %.1f s, %d still open after %d s",
                connected, idleConnections, connectSeconds, stillOpen, holdSeconds));
        summary.add(String.format("  heap after GC %d MB -> %d MB with them (%s bytes each) -> %d MB after closing (server closed its"
                        + " ends %.1f s after the clients); target < 512 MB",
                (long) before.get("heapUsedBytes") >> 20, (long) with.get("heapUsedBytes") >> 20,
                result.get("heapBytesPerConnection"), (long) after.get("heapUsedBytes") >> 20, hangUpsNoticedSeconds));
        summary.add(String.format("  RSS %d MB -> %d MB (%s bytes each); threads %s -> %s; fds %s -> %s; server CPU %.2f cores while held",
                (long) before.get("rssBytes") >> 20, (long) with.get("rssBytes") >> 20, result.get("rssBytesPerConnection"),
                before.get("threads"), with.get("threads"), before.get("openFiles"), with.get("openFiles"), holdCpuShare));
        summary.add(String.format("  trickle %d events/s: %s of %s events missing, %s dropped notices",
                idleRate, streams.get("eventsMissing"), streams.get("eventsExpected"), streams.get("droppedNotices")));
        return result;
    }

    private static Map<String, Object> usage(long pid) throws Exception {
        ServerUsage.Heap heap = ServerUsage.heapAfterGc(pid);
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("heapUsedBytes", heap.usedBytes());
        map.put("heapCommittedBytes", heap.committedBytes());
        map.put("rssBytes", ServerUsage.rssBytes(pid));
        map.put("threads", ServerUsage.threads(pid));
        map.put("openFiles", ServerUsage.openFiles(pid));
        return map;
    }

    // ---- phase 3: work-log pollers ----------------------------------------------------------

    private Map<String, Object> poll(Server server, List<String> summary) throws Exception {
        String[] users = new String[pollers];
        String[] tokens = new String[pollers];
        BenchHttp admin = new BenchHttp(server.url());
        for (int i = 0; i < pollers; i++) {
            users[i] = "poll-u" + i;
            tokens[i] = admin.postJson("/api/tokens", server.readKey(), "{\"userId\":\"" + users[i] + "\",\"ttl\":\"1h\"}")
                    .get("token").asText();
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        Histogram latency = new Histogram(Duration.ofMinutes(10).toNanos(), 3);
        Histogram visibility = new Histogram(Duration.ofMinutes(10).toNanos(), 3);
        ConcurrentHashMap<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        ConcurrentHashMap<Long, AtomicLong> hints = new ConcurrentHashMap<>();
        AtomicLong hintAbsent = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong polls = new AtomicLong();
        String[] firstError = new String[1];
        /* Created work logs by id: when its 202 arrived; seen: when a poll first returned it. */
        ConcurrentHashMap<Long, Long> createdAt = new ConcurrentHashMap<>();
        ConcurrentHashMap<Long, Long> seenAt = new ConcurrentHashMap<>();
        String start = EventId.format(EventId.pack(System.currentTimeMillis() - 1000, 0, 0));
        int staggerMillis = 3000;
        long measureFrom = System.nanoTime() + staggerMillis * 1_000_000L + 2_000_000_000L;
        long deadline = measureFrom + pollSeconds * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < pollers; i++) {
            String user = users[i];
            String token = tokens[i];
            threads.add(Thread.ofVirtual().start(() -> {
                String after = start;
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextInt(staggerMillis));
                    while (System.nanoTime() < deadline) {
                        long sent = System.nanoTime();
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.url()
                                        + "/api/work-log/list?userId=" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&after=" + after))
                                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).GET().build(),
                                HttpResponse.BodyHandlers.ofString());
                        long answered = System.nanoTime();
                        if (sent >= measureFrom) {
                            polls.incrementAndGet();
                            synchronized (latency) {
                                latency.recordValue(Math.min(answered - sent, latency.getHighestTrackableValue()));
                            }
                        }
                        statuses.computeIfAbsent(response.statusCode(), s -> new AtomicLong()).incrementAndGet();
                        long sleep = 3000;
                        if (response.statusCode() == 200) {
                            JsonNode page = JSON.readTree(response.body());
                            for (JsonNode event : page.path("events")) {
                                seenAt.putIfAbsent(EventId.parse(event.get("id").asText()), answered);
                            }
                            if (page.hasNonNull("last")) {
                                after = page.get("last").asText();
                            }
                            if (page.hasNonNull("pollAfterMs")) {
                                sleep = page.get("pollAfterMs").asLong();
                                hints.computeIfAbsent(sleep, s -> new AtomicLong()).incrementAndGet();
                            } else {
                                hintAbsent.incrementAndGet();
                            }
                            if (page.path("more").asBoolean(false)) {
                                sleep = 0;
                            }
                        } else if (firstError[0] == null) {
                            firstError[0] = response.statusCode() + ": " + response.body();
                        }
                        if (sleep > 0) {
                            Thread.sleep(sleep);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    errors.incrementAndGet();
                    if (firstError[0] == null) {
                        firstError[0] = e.toString();
                    }
                }
            }));
        }
        // Work logs for the first K users at a low steady rate, until the pollers stop.
        WorkLogCreator creator = new WorkLogCreator(server, Math.min(workLogUsers, pollers), users, createdAt);
        Thread creating = Thread.ofVirtual().start(() -> creator.run(workLogRate, deadline - 5_000_000_000L));
        long wait;
        while ((wait = measureFrom - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        double cpuStart = ServerUsage.cpuSeconds(server.pid());
        double clientCpuStart = ServerUsage.cpuSeconds(ProcessHandle.current().pid());
        Map<String, Double> threadsBefore = ServerUsage.threadCpuSeconds(server.pid());
        long windowStart = System.nanoTime();
        while ((wait = deadline - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        double window = (System.nanoTime() - windowStart) / 1e9;
        double cpuShare = (ServerUsage.cpuSeconds(server.pid()) - cpuStart) / window;
        Map<String, Double> busiest = ServerUsage.busiestThreads(threadsBefore, ServerUsage.threadCpuSeconds(server.pid()), window, 8);
        double clientCpuShare = (ServerUsage.cpuSeconds(ProcessHandle.current().pid()) - clientCpuStart) / window;
        long serverThreads = ServerUsage.threads(server.pid());
        long serverRss = ServerUsage.rssBytes(server.pid());
        creating.join();
        for (Thread thread : threads) {
            thread.join(40_000);
        }
        long seen = 0;
        for (Map.Entry<Long, Long> created : createdAt.entrySet()) {
            Long at = seenAt.get(created.getKey());
            if (at != null) {
                seen++;
                visibility.recordValue(Math.min(Math.max(0, at - created.getValue()), visibility.getHighestTrackableValue()));
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("pollers", pollers);
        result.put("credential", "viewer token per user");
        result.put("windowSeconds", round(window));
        result.put("polls", polls.get());
        result.put("pollsPerSecond", round(polls.get() / window));
        result.put("statusesIncludingFirstSeconds", new TreeMap<>(statuses));
        result.put("errors", errors.get());
        result.put("firstError", firstError[0]);
        result.put("pollAfterMsHints", new TreeMap<>(hints));
        result.put("answersWithoutHint", hintAbsent.get());
        result.put("pollLatencyMs", percentiles(latency));
        result.put("serverCpuShareOfOneCore", round(cpuShare));
        result.put("benchClientCpuShareOfOneCore", round(clientCpuShare));
        result.put("serverBusiestThreadsShareOfOneCore", busiest);
        result.put("serverThreads", serverThreads);
        result.put("serverRssBytes", serverRss);
        result.put("workLogs", creator.report());
        result.put("workLogsCreated", createdAt.size());
        result.put("workLogsSeenByPollers", seen);
        result.put("workLogsNotSeen", createdAt.size() - seen);
        result.put("workLogVisibilityMs", percentiles(visibility));

        @SuppressWarnings("unchecked")
        Map<String, Object> lat = (Map<String, Object>) result.get("pollLatencyMs");
        summary.add(String.format("poll: %d pollers, %.0f polls/s, hints %s (%d answers without one), server CPU %.2f of a core"
                        + " (bench client %.2f)", pollers, polls.get() / window, new TreeMap<>(hints), hintAbsent.get(), cpuShare,
                clientCpuShare));
        summary.add(String.format("  poll latency p50 %s / p99 %s / p999 %s / max %s ms; statuses %s; errors %d",
                lat.get("p50"), lat.get("p99"), lat.get("p999"), lat.get("max"), new TreeMap<>(statuses), errors.get()));
        @SuppressWarnings("unchecked")
        Map<String, Object> vis = (Map<String, Object>) result.get("workLogVisibilityMs");
        summary.add(String.format("  work logs: %d created, %d seen by their poller (202 -> seen p50 %s / p99 %s ms)",
                createdAt.size(), seen, vis.get("p50"), vis.get("p99")));
        return result;
    }

    /**
     * Creates work logs at a steady rate, round robin over the first {@code users} users, through
     * {@code POST /api/work-log/create}, or {@code POST /api/log} with kind work where the server
     * has no such route (404).
     */
    private static final class WorkLogCreator {
        private final Server server;
        private final int users;
        private final String[] names;
        private final ConcurrentHashMap<Long, Long> createdAt;
        private final BenchHttp http;
        private final Map<String, Long> byRoute = new HashMap<>();
        private boolean createRoute = true;
        private long failures;
        private String firstFailure;

        WorkLogCreator(Server server, int users, String[] names, ConcurrentHashMap<Long, Long> createdAt) {
            this.server = server;
            this.users = users;
            this.names = names;
            this.createdAt = createdAt;
            this.http = new BenchHttp(server.url());
        }

        void run(int perSecond, long until) {
            long started = System.nanoTime();
            for (long n = 0; ; n++) {
                long due = started + n * 1_000_000_000L / perSecond;
                if (due >= until) {
                    return;
                }
                try {
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    create(names[(int) (n % users)], n);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    failures++;
                    if (firstFailure == null) {
                        firstFailure = e.getMessage();
                    }
                }
            }
        }

        private void create(String user, long n) throws Exception {
            String message = "tail bench work log " + n + " for " + user;
            if (createRoute) {
                try {
                    JsonNode answer = http.postJson("/api/work-log/create", server.ingestKey(), "{\"userId\":\"" + user
                            + "\",\"logType\":\"info\",\"status\":\"info\",\"message\":\"" + message + "\"}");
                    if (answer.hasNonNull("id")) {
                        createdAt.put(EventId.parse(answer.get("id").asText()), System.nanoTime());
                    }
                    byRoute.merge("/api/work-log/create", 1L, Long::sum);
                    return;
                } catch (java.io.IOException e) {
                    if (!e.getMessage().contains(" answered 404")) {
                        throw e;
                    }
                    createRoute = false;
                }
            }
            JsonNode answer = http.postJson("/api/log", server.ingestKey(), "{\"events\":[{\"kind\":\"work\",\"userId\":\"" + user
                    + "\",\"status\":\"info\",\"source\":\"agent\",\"message\":\"" + message + "\"}]}");
            JsonNode id = answer.path("ids").path(0);
            if (!id.isMissingNode() && !id.isNull()) {
                createdAt.put(EventId.parse(id.asText()), System.nanoTime());
            }
            byRoute.merge("/api/log (kind work)", 1L, Long::sum);
        }

        Map<String, Object> report() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("users", users);
            map.put("createdThrough", byRoute);
            map.put("failures", failures);
            map.put("firstFailure", firstFailure);
            return map;
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    static Map<String, Object> percentiles(Histogram nanos) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("count", nanos.getTotalCount());
        map.put("p50", millis(nanos.getValueAtPercentile(50)));
        map.put("p99", millis(nanos.getValueAtPercentile(99)));
        map.put("p999", millis(nanos.getValueAtPercentile(99.9)));
        map.put("max", millis(nanos.getMaxValue()));
        return map;
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }

    static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
