package io.larch.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A log shipper's daemon (rsyslogd, syslog-ng) run as a child process in the foreground with its
 * own config, pid and state files in a test's directory, listening for syslog on a loopback TCP
 * port: no system service or system file is touched. Its output goes to {@link #output()}, for
 * failure messages.
 */
public final class ShipperDaemon implements AutoCloseable {
    private final Process process;
    private final Path output;
    private final int syslogPort;

    private ShipperDaemon(Process process, Path output, int syslogPort) {
        this.process = process;
        this.output = output;
        this.syslogPort = syslogPort;
    }

    /** A loopback port that was free a moment ago (for the daemon's syslog input). */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts {@code command} (with {@code environment} added) and waits until it listens on {@code syslogPort}. */
    public static ShipperDaemon start(List<String> command, Map<String, String> environment, Path dir, int syslogPort) {
        Path output = dir.resolve("daemon.out");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().putAll(environment);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ShipperDaemon daemon = new ShipperDaemon(process, output, syslogPort);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!daemon.listening()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String said = daemon.output();
                daemon.close();
                throw new IllegalStateException(command.getFirst() + " did not start listening on port " + syslogPort + ": " + said);
            }
            sleep(100);
        }
        return daemon;
    }

    /** Sends {@code lines} to the daemon's syslog input, newline-framed, on one connection. */
    public void sendSyslog(List<String> lines) {
        try (Socket socket = new Socket("127.0.0.1", syslogPort); OutputStream out = socket.getOutputStream()) {
            for (String line : lines) {
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the daemon printed so far. */
    public String output() {
        try {
            return Files.exists(output) ? Files.readString(output) : "";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private boolean listening() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", syslogPort), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the daemon (SIGTERM, then SIGKILL after 10 s). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
