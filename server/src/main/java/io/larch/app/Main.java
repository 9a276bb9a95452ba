package io.larch.app;

import io.larch.cli.LarchCommand;
import io.larch.config.LarchConfig;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/** Entry point: the CLI, with {@code serve} wired to a real server that stops cleanly on SIGTERM. */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(LarchCommand.create(Main::serve).execute(args));
    }

    /**
     * Runs the server until SIGTERM or SIGINT, then stops it ({@link Larch#close}: streams end,
     * requests in progress finish, the WAL is sealed) and returns, so the process exits 0: a
     * stop that was asked for is a success to systemd and Kubernetes. The signals are taken from
     * the JVM because its own handler exits 143 whatever a shutdown hook does. The shutdown hook
     * stays for every other way the JVM goes down (System.exit elsewhere, SIGHUP, a JVM started
     * with -Xrs); it waits for a stop already in progress, since close is synchronized.
     */
    private static void serve(LarchConfig config) throws InterruptedException {
        Larch larch = Larch.start(config, Clock.systemUTC(), System.out);
        CountDownLatch stopRequested = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(larch::close, "larch-shutdown"));
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    LOG.info("SIG{} received: stopping (requests in progress finish, the WAL is sealed)", name);
                    stopRequested.countDown();
                });
            } catch (IllegalArgumentException | UnsupportedOperationException notHere) {
                // The platform or -Xrs keeps the signal: the shutdown hook stops the server instead.
                LOG.debug("cannot handle SIG{}: {}", name, notHere.getMessage());
            }
        }
        stopRequested.await();
        larch.close();
        LOG.info("larch stopped");
    }
}
