package io.larch.ingest.protocol.syslog;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.ingest.protocol.ProjectIngest;
import io.larch.security.SigningMode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives syslog over TCP (octet-counted or newline-framed, see {@link SyslogFrameReader}) and
 * UDP (one message per datagram) on one port, and stores the messages through
 * {@link ProjectIngest} in batches of up to {@link Options#batchEvents} or
 * {@link Options#batchDelay}, whichever comes first.
 *
 * <p>Syslog has no acknowledgement, so a sender cannot retry what Larch did not store: a message
 * is either stored or counted in {@code larch_syslog_dropped_total{reason}} (and the first of a
 * kind logged). A message's project is the one of the key in its
 * {@code [larch@32473 key="..."]} structured data (the key needs the ingest scope), else the
 * per-port project ({@link Projects#fallback}); without either it is dropped
 * ({@code reason="no_project"}). A project whose policy requires signed ingest gets no syslog
 * (syslog cannot be signed; {@code reason="signing_required"}). Text that is not syslog is
 * stored as it came, level info, {@code attrs.syslogFormat=unparsed}: a shipper that
 * misformats loses nothing.
 *
 * <p>Memory is bounded: {@link Options#maxMessageBytes} per connection (a longer message is cut,
 * {@code attrs.truncated=true}), {@link Options#maxConnections} TCP connections (more are closed
 * at once), and a queue of {@link Options#queueMessages}: when it is full a TCP reader waits
 * (the sender's socket buffer fills: backpressure) and a UDP datagram is dropped
 * ({@code reason="queue_full"}).
 *
 * <p>Threads: one acceptor, one virtual thread per TCP connection, one UDP reader, one writer
 * that drains the queue into ingest. {@link #close} stops receiving, then stores what was queued,
 * then returns.
 */
public final class SyslogListener implements AutoCloseable {
    /** A TCP connection that sends nothing for this long is closed. */
    static final java.time.Duration IDLE_CONNECTION = java.time.Duration.ofMinutes(5);
    private static final Logger LOG = LoggerFactory.getLogger(SyslogListener.class);
    /** A message that has no key: its project is the per-port one, looked up when its batch is stored. */
    private static final long FALLBACK_PROJECT = -1;
    /** How long {@link #close} waits for the writer to store what was queued. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(20);

    /**
     * @param port            the TCP and UDP port; 0 picks a free TCP port, and UDP takes the same number
     * @param maxMessageBytes a message longer than this is cut
     * @param maxConnections  TCP connections open at once, at most
     * @param batchEvents     a batch is stored once it holds this many messages ...
     * @param batchDelay      ... or once its first message waited this long
     * @param queueMessages   messages received and not yet stored, at most
     */
    public record Options(String host, int port, int maxMessageBytes, int maxConnections, int batchEvents,
                          Duration batchDelay, int queueMessages) {
        public static Options defaults(String host, int port) {
            return new Options(host, port, 64 * 1024, 1000, 250, Duration.ofMillis(200), 10_000);
        }
    }

    /** Which project a message goes to. Implementations are thread-safe and cache their lookups. */
    public interface Projects {
        /** The project of {@code key} when it is a project key with the ingest scope; otherwise why not. */
        KeyCheck forKey(String key);

        /** The per-port project (LARCH_SYSLOG_PROJECT), or -1 when none is set or it does not exist. */
        long fallback();
    }

    /** A key's project id, or the reason (a metric label) it cannot write. */
    public record KeyCheck(long projectId, String refusal) {
        public static KeyCheck project(long projectId) {
            return new KeyCheck(projectId, null);
        }

        public static KeyCheck refused(String reason) {
            return new KeyCheck(-1, reason);
        }
    }

    private record Pending(long projectId, ObjectNode event) {
    }

    private final Options options;
    private final Projects projects;
    private final ProjectIngest ingest;
    private final MeterRegistry metrics;
    private final Clock clock;
    private final BlockingQueue<Pending> queue;
    private final ServerSocket tcp;
    private final DatagramSocket udp;
    private final Counter tcpMessages;
    private final Counter udpMessages;
    /** Open TCP connections, closed by {@link #close}; the set is concurrent. */
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionCount = new AtomicInteger();
    /** Reasons already logged once (a flood of one kind of drop logs one line; the metric counts them all). */
    private final Set<String> loggedReasons = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new ArrayList<>();
    /** Set by {@link #close}; read by every thread. */
    private volatile boolean closing;

    private SyslogListener(Options options, Projects projects, ProjectIngest ingest, MeterRegistry metrics, Clock clock)
            throws IOException {
        this.options = options;
        this.projects = projects;
        this.ingest = ingest;
        this.metrics = metrics;
        this.clock = clock;
        this.queue = new ArrayBlockingQueue<>(options.queueMessages());
        InetAddress address = InetAddress.getByName(options.host());
        this.tcp = new ServerSocket();
        tcp.setReuseAddress(true);
        tcp.bind(new InetSocketAddress(address, options.port()), 128);
        try {
            this.udp = new DatagramSocket(new InetSocketAddress(address, tcp.getLocalPort()));
        } catch (IOException e) {
            tcp.close();
            throw e;
        }
        this.tcpMessages = messages("tcp");
        this.udpMessages = messages("udp");
        for (String reason : List.of("no_project", "unknown_key", "no_ingest_scope", "signing_required", "queue_full",
                "too_many_connections", "rejected", "not_stored")) {
            dropped(reason, 0);
        }
    }

    /** Binds the port and starts receiving; throws when the port cannot be bound. */
    public static SyslogListener start(Options options, Projects projects, ProjectIngest ingest, MeterRegistry metrics,
                                       Clock clock) throws IOException {
        SyslogListener listener = new SyslogListener(options, projects, ingest, metrics, clock);
        listener.threads.add(Thread.ofPlatform().name("larch-syslog-tcp").daemon().start(listener::acceptLoop));
        listener.threads.add(Thread.ofPlatform().name("larch-syslog-udp").daemon().start(listener::udpLoop));
        listener.threads.add(Thread.ofPlatform().name("larch-syslog-writer").daemon().start(listener::writeLoop));
        LOG.info("syslog: listening on {}:{} (TCP and UDP)", options.host(), listener.port());
        return listener;
    }

    /** The port bound (TCP and UDP). */
    public int port() {
        return tcp.getLocalPort();
    }

    private void acceptLoop() {
        while (!closing) {
            Socket socket;
            try {
                socket = tcp.accept();
            } catch (IOException e) {
                if (!closing) {
                    LOG.warn("syslog: accepting a TCP connection failed: {}", e.getMessage());
                }
                continue;
            }
            if (connectionCount.incrementAndGet() > options.maxConnections()) {
                connectionCount.decrementAndGet();
                dropped("too_many_connections", 1);
                closeQuietly(socket);
                continue;
            }
            connections.add(socket);
            try {
                // A sender silent this long is gone or stalled: its slot goes back (1,000 idle
                // connections would otherwise lock every real sender out).
                socket.setSoTimeout((int) IDLE_CONNECTION.toMillis());
            } catch (SocketException e) {
                LOG.debug("syslog: no read timeout on a connection: {}", e.getMessage());
            }
            Thread.ofVirtual().name("larch-syslog-connection").start(() -> readConnection(socket));
        }
    }

    private void readConnection(Socket socket) {
        try (socket; InputStream in = socket.getInputStream()) {
            SyslogFrameReader frames = new SyslogFrameReader(in, options.maxMessageBytes());
            SyslogFrameReader.Frame frame;
            while ((frame = frames.next()) != null) {
                tcpMessages.increment();
                received(frame.bytes(), frame.bytes().length, frame.truncated(), true);
            }
        } catch (IOException e) {
            if (!closing) {
                LOG.debug("syslog: a TCP connection ended: {}", e.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            connections.remove(socket);
            connectionCount.decrementAndGet();
        }
    }

    private void udpLoop() {
        // One byte more than the limit: a datagram that fills it was longer and is cut.
        byte[] buffer = new byte[Math.min(options.maxMessageBytes(), 65_507) + 1];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        while (!closing) {
            try {
                packet.setLength(buffer.length);
                udp.receive(packet);
                udpMessages.increment();
                boolean truncated = packet.getLength() == buffer.length;
                received(buffer, truncated ? buffer.length - 1 : packet.getLength(), truncated, false);
            } catch (RuntimeException e) {
                // One datagram (e.g. its key check failing on the catalog) must not end UDP intake.
                dropped("failed", 1);
                logOnce("udp_failed", "syslog: a datagram could not be taken: " + e);
            } catch (SocketException e) {
                if (!closing) {
                    LOG.warn("syslog: the UDP socket failed: {}", e.getMessage());
                }
            } catch (IOException e) {
                if (!closing) {
                    LOG.warn("syslog: receiving a datagram failed: {}", e.getMessage());
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Parses, picks the project and queues one message; a TCP reader waits for room, UDP drops. */
    private void received(byte[] bytes, int length, boolean truncated, boolean waitForRoom) throws InterruptedException {
        String text = new String(bytes, 0, length, StandardCharsets.UTF_8);
        SyslogMessage message = SyslogParser.parse(text, clock.instant());
        long projectId = FALLBACK_PROJECT;
        String key = SyslogEvents.projectKey(message);
        if (key == null && text.contains(SyslogEvents.LARCH_SD_ID)) {
            // It meant to name a project (its key is in the text) but the element did not parse:
            // never file it, key and all, under the fallback project.
            dropped("malformed_key", 1);
            return;
        }
        if (key != null) {
            KeyCheck check = projects.forKey(key);
            if (check.refusal() != null) {
                dropped(check.refusal(), 1);
                return;
            }
            projectId = check.projectId();
        }
        Pending pending = new Pending(projectId, SyslogEvents.event(message, truncated, clock.instant()));
        if (waitForRoom) {
            queue.put(pending);
        } else if (!queue.offer(pending)) {
            dropped("queue_full", 1);
        }
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>(options.batchEvents());
        while (true) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    // Done once no connection can still queue a message and nothing is queued.
                    if (closing && connectionCount.get() == 0 && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                long deadline = System.nanoTime() + options.batchDelay().toNanos();
                while (batch.size() < options.batchEvents()) {
                    long left = deadline - System.nanoTime();
                    Pending next = left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                try {
                    store(batch);
                } catch (RuntimeException e) {
                    // The writer must outlive any one batch, or every sender would block behind a full queue.
                    dropped("not_stored", batch.size());
                    logOnce("store_failed", "syslog: a batch could not be stored: " + e);
                }
                batch.clear();
            } catch (InterruptedException e) {
                // close() interrupts only after the timeout: what is still queued is lost, and counted.
                dropped("not_stored", batch.size() + queue.size());
                return;
            }
        }
    }

    /** Stores one batch, project by project; whatever cannot be stored is counted with its reason. */
    private void store(List<Pending> batch) {
        Map<Long, List<ObjectNode>> byProject = new LinkedHashMap<>();
        long fallback = Long.MIN_VALUE;
        for (Pending pending : batch) {
            long projectId = pending.projectId();
            if (projectId == FALLBACK_PROJECT) {
                if (fallback == Long.MIN_VALUE) {
                    fallback = projects.fallback();
                }
                projectId = fallback;
            }
            if (projectId < 0) {
                dropped("no_project", 1);
                continue;
            }
            byProject.computeIfAbsent(projectId, id -> new ArrayList<>()).add(pending.event());
        }
        byProject.forEach((projectId, events) -> {
            try {
                if (ingest.policy(projectId).signing() == SigningMode.REQUIRED) {
                    dropped("signing_required", events.size());
                    return;
                }
                ProjectIngest.Outcome outcome = ingest.store(projectId, events);
                if (!outcome.rejected().isEmpty()) {
                    dropped("rejected", outcome.rejected().size());
                    logOnce("rejected", "syslog: a message was refused by validation: " + outcome.rejected().getFirst().reason());
                }
            } catch (RuntimeException e) {
                // Rate limit, full disk, store not accepting: syslog cannot be told to retry.
                dropped("not_stored", events.size());
                logOnce("not_stored:" + e.getClass().getSimpleName(), "syslog: " + events.size()
                        + " messages could not be stored: " + e.getMessage());
            }
        });
    }

    private Counter messages(String transport) {
        return Counter.builder("larch_syslog_messages").tag("transport", transport)
                .description("syslog messages received, by transport").register(metrics);
    }

    private void dropped(String reason, long count) {
        Counter.builder("larch_syslog_dropped").tag("reason", reason)
                .description("syslog messages received and not stored, by reason").register(metrics).increment(count);
        if (count > 0) {
            logOnce(reason, "syslog: dropping messages (" + reason + "); larch_syslog_dropped_total counts them");
        }
    }

    private void logOnce(String kind, String line) {
        if (loggedReasons.add(kind)) {
            LOG.warn(line);
        }
    }

    /** Stops receiving (sockets closed, connections cut), stores what was queued, then returns. */
    @Override
    public void close() {
        closing = true;
        closeQuietly(tcp);
        udp.close();
        for (Socket socket : connections) {
            closeQuietly(socket);
        }
        for (Thread thread : threads) {
            try {
                if (!thread.join(CLOSE_TIMEOUT)) {
                    thread.interrupt();
                    thread.join(Duration.ofSeconds(1));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException ignored) {
            // Closing on the way out: nothing left to do with it.
        }
    }
}
