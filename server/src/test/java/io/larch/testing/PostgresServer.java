package io.larch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server on loopback for tests: one throwaway cluster per test JVM, made with the
 * PostgreSQL binaries on the PATH (initdb, pg_ctl), started on first use and stopped when the JVM
 * exits. Each test takes its own database from {@link #newDatabase()}, so tests never see each
 * other's rows. As root the server runs as the {@code postgres} user (PostgreSQL refuses root).
 */
public final class PostgresServer {
    private static final Object LOCK = new Object();
    private static PostgresServer shared;

    private final Path dir;
    private final int port;
    private final AtomicInteger databases = new AtomicInteger();

    private PostgresServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** The JVM's cluster, started on first call. */
    public static PostgresServer shared() {
        synchronized (LOCK) {
            if (shared == null) {
                shared = start();
                PostgresServer server = shared;
                Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "postgres-test-stop"));
            }
            return shared;
        }
    }

    /** A new empty database; its JDBC URL carries user and password. */
    public String newDatabase() {
        String name = "larch_test_" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
        try (Connection admin = DriverManager.getConnection(url("postgres"));
             Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + ": " + e.getMessage(), e);
        }
        return url(name);
    }

    /** The JDBC URL of {@code database} on this server. */
    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=larch&password=larch";
    }

    public int port() {
        return port;
    }

    /** The server log, for a failing test's message. */
    public Path log() {
        return dir.resolve("postgres.log");
    }

    private static PostgresServer start() {
        try {
            Path dir = Files.createTempDirectory("larch-pg-");
            Path data = dir.resolve("data");
            boolean root = "root".equals(System.getProperty("user.name"));
            if (root) {
                // The server runs as postgres, which must reach its directory through every parent.
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false);
            }
            Path password = dir.resolve("pwfile");
            Files.writeString(password, "larch\n", StandardCharsets.UTF_8);
            if (root) {
                run(List.of("chown", "postgres:postgres", password.toString()), false);
            }
            run(List.of("initdb", "-D", data.toString(), "-U", "larch", "--pwfile=" + password, "--auth=scram-sha-256",
                    "-E", "UTF8", "--no-instructions", "--no-sync"), root);
            int port = freePort();
            // fsync off: a test cluster is thrown away, and fsync would make every test wait on the disk.
            run(List.of("pg_ctl", "-D", data.toString(), "-l", dir.resolve("postgres.log").toString(), "-w", "-t", "60",
                    "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off"
                            + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
                            + " -c shared_buffers=128MB", "start"), root);
            return new PostgresServer(dir, port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the test PostgreSQL: " + e.getMessage(), e);
        }
    }

    private void stop() {
        try {
            run(List.of("pg_ctl", "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop"),
                    "root".equals(System.getProperty("user.name")));
        } catch (RuntimeException | IOException e) {
            // the JVM is exiting: nothing else to do with a server that will not stop
        }
    }

    private static void run(List<String> command, boolean asPostgres) throws IOException {
        List<String> full = new ArrayList<>();
        if (asPostgres) {
            full.addAll(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"));
        }
        full.addAll(command);
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", full) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + full.getFirst(), e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
