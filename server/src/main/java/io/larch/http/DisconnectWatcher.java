package io.larch.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices clients that hang up while their request runs (a query, a live stream), and tells
 * whoever watches (the query is cancelled, the stream ends).
 *
 * <p>Why not Jetty's listeners: while a blocking handler runs, Jetty does not read the connection,
 * so it learns of a closed socket only when the response is written, after the query has spent
 * its time. The kernel knows at once: the server side of the socket goes to CLOSE_WAIT. So a
 * thread checks the kernel's socket table ({@code /proc/net/tcp}, {@code /proc/net/tcp6}) every
 * poll interval while requests are watched. Where there is no such table (not Linux), queries
 * simply run to their time budget and streams end at their next heartbeat.
 */
final class DisconnectWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DisconnectWatcher.class);
    /** How often queries are checked: a hung-up query should stop spending at once. */
    static final long QUERY_POLL_MILLIS = 200;
    /** How often streams are checked: they hold little, and thousands of them make the table long. */
    static final long STREAM_POLL_MILLIS = 1000;
    private static final List<Path> SOCKET_TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    private static final String CLOSE_WAIT = "08";

    /** What to do when a watched connection is closed by its client, by watch. */
    private final Map<Object, Watch> watched = new ConcurrentHashMap<>();
    private final long pollMillis;
    private final boolean available = SOCKET_TABLES.stream().anyMatch(Files::isReadable);
    private final Thread thread;
    private volatile boolean closing;

    DisconnectWatcher(long pollMillis) {
        this.pollMillis = pollMillis;
        thread = Thread.ofPlatform().name("disconnect-watcher").daemon(true).unstarted(this::run);
        if (available) {
            thread.start();
        }
    }

    /**
     * A TCP connection by its full local and remote address: ports alone are not unique (one
     * local port serves every client; clients on other hosts reuse remote ports).
     */
    record Connection(InetAddress localAddress, int localPort, InetAddress remoteAddress, int remotePort) {
    }

    private record Watch(Connection connection, Runnable onHangUp) {
    }

    /** Runs {@code onHangUp} if the client closes the request's connection before the returned action is run. */
    Runnable watch(Context ctx, Runnable onHangUp) {
        if (!available) {
            return () -> { };
        }
        Connection connection;
        try {
            connection = new Connection(InetAddress.getByName(ctx.req().getLocalAddr()), ctx.req().getLocalPort(),
                    InetAddress.getByName(ctx.req().getRemoteAddr()), ctx.req().getRemotePort());
        } catch (UnknownHostException notAnAddress) {
            return () -> { };
        }
        Object key = new Object();
        watched.put(key, new Watch(connection, onHangUp));
        return () -> watched.remove(key);
    }

    private void run() {
        while (!closing) {
            try {
                Thread.sleep(pollMillis);
            } catch (InterruptedException e) {
                return;
            }
            if (watched.isEmpty()) {
                continue;
            }
            Set<Connection> closedByClient = closedByClient();
            if (closedByClient.isEmpty()) {
                continue;
            }
            watched.forEach((key, watch) -> {
                if (closedByClient.contains(watch.connection())) {
                    watch.onHangUp().run();
                }
            });
        }
    }

    /** Connections the remote side has closed (CLOSE_WAIT). */
    private static Set<Connection> closedByClient() {
        Set<Connection> closed = new HashSet<>();
        for (Path table : SOCKET_TABLES) {
            try {
                for (String line : Files.readAllLines(table)) {
                    // Most lines are not in CLOSE_WAIT: skip them before splitting.
                    if (!line.contains(" " + CLOSE_WAIT + " ")) {
                        continue;
                    }
                    String[] fields = line.trim().split("\\s+");
                    if (fields.length > 3 && CLOSE_WAIT.equals(fields[3])) {
                        closed.add(connection(fields[1], fields[2]));
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("cannot read {}: {}", table, e.getMessage());
            }
        }
        return closed;
    }

    /** The connection of a socket table line's {@code ADDRESS:PORT} fields (hex). */
    static Connection connection(String local, String remote) throws UnknownHostException {
        return new Connection(address(local), port(local), address(remote), port(remote));
    }

    /**
     * The address of an {@code ADDRESS:PORT} field: the kernel prints each 32-bit word of the
     * address in host order (little-endian here). An IPv4 address mapped into IPv6 comes back as
     * IPv4, as Jetty reports it.
     */
    private static InetAddress address(String field) throws UnknownHostException {
        String hex = field.substring(0, field.indexOf(':'));
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int at = (word * 4 + 3 - b) * 2;
                bytes[word * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        return InetAddress.getByAddress(bytes);
    }

    /** The port of an {@code ADDRESS:PORT} hex field. */
    private static int port(String field) {
        return Integer.parseInt(field.substring(field.indexOf(':') + 1), 16);
    }

    @Override
    public void close() {
        closing = true;
        thread.interrupt();
    }
}
