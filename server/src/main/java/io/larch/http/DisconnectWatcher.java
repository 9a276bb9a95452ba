package io.larch.http;

import io.javalin.http.Context;
import io.larch.search.QueryBudget;
import java.io.IOException;
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
 * Notices clients that hang up while their query runs, and cancels the query.
 *
 * <p>Why not Jetty's listeners: while a blocking handler runs, Jetty does not read the connection,
 * so it learns of a closed socket only when the response is written, after the query has spent
 * its time. The kernel knows at once: the server side of the socket goes to CLOSE_WAIT. So a
 * thread checks the kernel's socket table ({@code /proc/net/tcp}, {@code /proc/net/tcp6}) every
 * {@link #POLL_MILLIS} ms while queries run. Where there is no such table (not Linux), queries
 * simply run to their time budget.
 */
final class DisconnectWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DisconnectWatcher.class);
    static final long POLL_MILLIS = 200;
    private static final List<Path> SOCKET_TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    private static final String CLOSE_WAIT = "08";

    /** Running queries by their connection's (local port, remote port). */
    private final Map<QueryBudget, Long> watched = new ConcurrentHashMap<>();
    private final boolean available = SOCKET_TABLES.stream().anyMatch(Files::isReadable);
    private final Thread thread;
    private volatile boolean closing;

    DisconnectWatcher() {
        thread = Thread.ofPlatform().name("disconnect-watcher").daemon(true).unstarted(this::run);
        if (available) {
            thread.start();
        }
    }

    /** Watches the request's connection until the returned action is run. */
    Runnable watch(Context ctx, QueryBudget budget) {
        if (!available) {
            return () -> { };
        }
        watched.put(budget, portPair(ctx.req().getLocalPort(), ctx.req().getRemotePort()));
        return () -> watched.remove(budget);
    }

    private static long portPair(int local, int remote) {
        return ((long) local << 16) | remote;
    }

    private void run() {
        while (!closing) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            if (watched.isEmpty()) {
                continue;
            }
            Set<Long> closedByClient = closedByClient();
            watched.forEach((budget, ports) -> {
                if (closedByClient.contains(ports)) {
                    budget.cancel();
                }
            });
        }
    }

    /** Port pairs of sockets the remote side has closed (CLOSE_WAIT). */
    private static Set<Long> closedByClient() {
        Set<Long> closed = new HashSet<>();
        for (Path table : SOCKET_TABLES) {
            try {
                for (String line : Files.readAllLines(table)) {
                    String[] fields = line.trim().split("\\s+");
                    if (fields.length > 3 && CLOSE_WAIT.equals(fields[3])) {
                        closed.add(portPair(port(fields[1]), port(fields[2])));
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("cannot read {}: {}", table, e.getMessage());
            }
        }
        return closed;
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
