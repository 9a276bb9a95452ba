package io.larch.bench.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PostgreSQL cluster on loopback from the binaries on the PATH (initdb, pg_ctl), with
 * trust authentication for the user {@code bench}; as root it runs as the postgres user, which
 * PostgreSQL requires. Used by the "logs table" peer and as the shared metadata of several Larch nodes.
 */
public final class PostgresCluster implements AutoCloseable {
    private final Path dataDir;
    private final int port;

    /** Starts a new cluster in {@code dir} on {@code port}; {@code settings} are extra {@code -c} options. */
    public PostgresCluster(Path dir, int port, String settings) throws IOException {
        this.dataDir = dir.resolve("pgdata");
        this.port = port;
        Files.createDirectories(dir);
        if (isRoot()) {
            // The server runs as postgres, which must reach its directory through every parent.
            for (Path parent = dir.toAbsolutePath().getParent(); parent != null; parent = parent.getParent()) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(parent);
                if (permissions.add(PosixFilePermission.OTHERS_EXECUTE)) {
                    Files.setPosixFilePermissions(parent, permissions);
                }
            }
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()));
        }
        run(asPostgres(List.of("initdb", "-D", dataDir.toString(), "-U", "bench", "--auth=trust", "-E", "UTF8", "--no-instructions")));
        run(asPostgres(List.of("pg_ctl", "-D", dataDir.toString(), "-l", dir.resolve("postgres.log").toString(), "-w", "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 " + settings, "start")));
    }

    /** The JDBC URL of {@code database} (the cluster starts with {@code postgres}). */
    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=bench";
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static List<String> asPostgres(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static void run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        try {
            if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.getFirst(), e);
        }
    }

    @Override
    public void close() throws IOException {
        run(asPostgres(List.of("pg_ctl", "-D", dataDir.toString(), "-m", "fast", "-w", "stop")));
    }
}
