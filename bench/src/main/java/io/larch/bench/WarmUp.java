package io.larch.bench;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Runs a query before it is timed: up to a number of runs, but for at most {@link #LIMIT}, so a
 * slow query (a peer's 1.3 s histogram) is not warmed for minutes. Measured: a fresh Larch server
 * answered the filtered 1 h count in 4-5 ms after 10 runs and in under 1 ms after a few hundred,
 * once the JIT had compiled that path; every system gets the same warm-up.
 */
public final class WarmUp {
    public static final Duration LIMIT = Duration.ofSeconds(15);

    private WarmUp() {
    }

    /** The last answer; {@code runs} may be 0 (no warm-up, null). */
    public static <T> T repeat(int runs, Callable<T> query) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        T answer = null;
        for (int i = 0; i < runs && System.nanoTime() < deadline; i++) {
            answer = query.call();
        }
        return answer;
    }
}
