package io.larch.app;

import io.larch.cli.LarchCommand;
import io.larch.config.LarchConfig;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/** Entry point: the CLI, with {@code serve} wired to a real server that stops cleanly on SIGTERM. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(LarchCommand.create(Main::serve).execute(args));
    }

    private static void serve(LarchConfig config) throws InterruptedException {
        Larch larch = Larch.start(config, Clock.systemUTC(), System.out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            larch.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
    }
}
