package io.larch.lifecycle;

import io.larch.storage.Sealer;
import java.time.Duration;

/**
 * Runs maintenance on demand ({@code POST /admin/maintain}): closes the active WAL segments and
 * waits until everything is sealed into parts. Useful before a backup and in tests.
 */
public final class Maintenance {
    private final Runnable rotateWal;
    private final Sealer sealer;

    /** @param rotateWal closes every non-empty active WAL segment and hands it to the sealer */
    public Maintenance(Runnable rotateWal, Sealer sealer) {
        this.rotateWal = rotateWal;
        this.sealer = sealer;
    }

    /** Seals everything ingested so far; returns false when sealing did not finish within {@code timeout}. */
    public boolean sealNow(Duration timeout) throws InterruptedException {
        rotateWal.run();
        return sealer.awaitIdle(timeout);
    }
}
