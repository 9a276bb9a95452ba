package io.larch.cluster;

import io.larch.config.LarchConfig;
import io.larch.tail.WatermarkMerge;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live tail's messages between nodes, over PostgreSQL LISTEN/NOTIFY on channel
 * {@value #CHANNEL}. One dedicated connection (its own, not one of the metadata pool's, named
 * {@code larch-tail-<node id>} in pg_stat_activity) both listens and notifies, from one thread:
 * pgjdbc connections are not for two threads at once, and it spares the pool.
 *
 * <p>A notify is {@code <node id>:<release point>:<newest event id>} (under 50 bytes, far below
 * PostgreSQL's 8000): every event of that node below the point is stored, the newest being that
 * id. Never events: the others fetch those over HTTP. Notifies are coalesced: at most one per
 * {@link #TICK} while the node stores events, one per {@link #IDLE_NOTIFY} while it does not (so
 * the others' watermarks move on with time). A node that stops says {@code <node id>:leaving}.
 *
 * <p>When the connection breaks (PostgreSQL restarts, the backend is killed) it is opened again
 * with a growing pause, and {@link Listener#reconnected} tells the fetchers to catch up from the
 * last id they have of every node: notifies sent meanwhile are lost, events are not.
 */
public final class TailBus implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TailBus.class);
    public static final String CHANNEL = "larch_tail";
    static final Duration TICK = Duration.ofMillis(25);
    private static final String LEAVING = "leaving";
    static final Duration IDLE_NOTIFY = Duration.ofMillis(250);
    private static final Duration MAX_RECONNECT_PAUSE = Duration.ofSeconds(5);

    /** What the bus hears. Called on the bus's thread: must not block for long. */
    public interface Listener {
        void announced(int node, long point, long lastId);

        /** {@code node} is stopping (it gave its id up): fetch what it has, then stop waiting for it. */
        void leaving(int node);

        void reconnected();
    }

    private final LarchConfig.Metadata metadata;
    private final int nodeId;
    private final Supplier<WatermarkMerge.Announcement> own;
    private final Listener listener;
    private final Thread thread;
    private final AtomicLong notifiesSent = new AtomicLong();
    private final AtomicLong notifiesReceived = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private volatile boolean connected;
    private volatile boolean closed;
    /** The bus thread only. */
    private Connection connection;

    /**
     * @param own what to announce, read every tick
     */
    public TailBus(LarchConfig.Metadata metadata, int nodeId, Supplier<WatermarkMerge.Announcement> own, Listener listener) {
        this.metadata = metadata;
        this.nodeId = nodeId;
        this.own = own;
        this.listener = listener;
        this.thread = Thread.ofPlatform().name("larch-tail-bus").daemon(true).unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    public String applicationName() {
        return "larch-tail-" + nodeId;
    }

    public boolean connected() {
        return connected;
    }

    public long notifiesSent() {
        return notifiesSent.get();
    }

    public long notifiesReceived() {
        return notifiesReceived.get();
    }

    public long reconnects() {
        return reconnects.get();
    }

    private void run() {
        long pauseMillis = 100;
        boolean first = true;
        while (!closed) {
            try {
                connect();
                if (!first) {
                    reconnects.incrementAndGet();
                    LOG.info("the live tail's PostgreSQL connection is back; fetching what the other nodes stored meanwhile");
                }
                first = false;
                pauseMillis = 100;
                listener.reconnected();
                loop();
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    break;
                }
                LOG.warn("the live tail's PostgreSQL connection failed ({}); other nodes' events come by polling"
                        + " until it is back, retrying in {} ms", e.getMessage(), pauseMillis);
            } finally {
                connected = false;
                closeConnection();
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                break;
            }
            pauseMillis = Math.min(pauseMillis * 2, MAX_RECONNECT_PAUSE.toMillis());
        }
    }

    private void connect() throws SQLException {
        Properties properties = new Properties();
        metadata.user().ifPresent(user -> properties.setProperty("user", user));
        metadata.password().ifPresent(password -> properties.setProperty("password", password));
        properties.setProperty("ApplicationName", applicationName());
        // A dead server must not hold the loop in a read for ever (the pings below fail within this).
        properties.setProperty("socketTimeout", "30");
        properties.setProperty("tcpKeepAlive", "true");
        connection = DriverManager.getConnection(metadata.url(), properties);
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
            statement.execute("LISTEN " + CHANNEL);
        }
        connected = true;
    }

    private void loop() throws SQLException {
        PGConnection pg = connection.unwrap(PGConnection.class);
        long lastSentId = -1;
        long lastSentAt = 0;
        try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            while (true) {
                if (closed) {
                    notify.setString(1, CHANNEL);
                    notify.setString(2, nodeId + ":" + LEAVING);
                    notify.execute();
                    return;
                }
                WatermarkMerge.Announcement announcement = own.get();
                long now = System.nanoTime();
                if (announcement.lastId() != lastSentId || now - lastSentAt >= IDLE_NOTIFY.toNanos()) {
                    notify.setString(1, CHANNEL);
                    notify.setString(2, nodeId + ":" + announcement.point() + ":" + announcement.lastId());
                    notify.execute();
                    notifiesSent.incrementAndGet();
                    lastSentId = announcement.lastId();
                    lastSentAt = now;
                }
                PGNotification[] received = pg.getNotifications((int) TICK.toMillis());
                if (received != null) {
                    for (PGNotification notification : received) {
                        heard(notification.getParameter());
                    }
                }
            }
        }
    }

    private void heard(String payload) {
        String[] fields = payload.split(":");
        if (fields.length == 2 && fields[1].equals(LEAVING)) {
            try {
                int node = Integer.parseInt(fields[0]);
                if (node != nodeId) {
                    listener.leaving(node);
                }
            } catch (NumberFormatException e) {
                LOG.debug("ignoring a malformed notify on {}: {}", CHANNEL, payload);
            }
            return;
        }
        if (fields.length != 3) {
            LOG.debug("ignoring a notify on {} that is not <node>:<point>:<last id>: {}", CHANNEL, payload);
            return;
        }
        try {
            int node = Integer.parseInt(fields[0]);
            if (node == nodeId) {
                return;
            }
            notifiesReceived.incrementAndGet();
            listener.announced(node, Long.parseLong(fields[1]), Long.parseLong(fields[2]));
        } catch (NumberFormatException e) {
            LOG.debug("ignoring a malformed notify on {}: {}", CHANNEL, payload);
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Broken already.
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closed = true;
        if (!connected) {
            thread.interrupt(); // waiting to reconnect: no one to say goodbye to
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
