package io.larch.lifecycle;

import io.larch.storage.Compactor;
import io.larch.storage.Sealer;
import java.io.IOException;
import java.time.Duration;

/**
 * Runs maintenance on demand ({@code POST /admin/maintain}): closes the active WAL segments,
 * waits until everything is sealed into parts, then merges small parts. Useful before a backup,
 * before measuring, and in tests.
 */
public final class Maintenance {
    private final Runnable rotateWal;
    private final Sealer sealer;
    private final Compactor compactor;

    /** @param rotateWal closes every non-empty active WAL segment and hands it to the sealer */
    public Maintenance(Runnable rotateWal, Sealer sealer, Compactor compactor) {
        this.rotateWal = rotateWal;
        this.sealer = sealer;
        this.compactor = compactor;
    }

    /** Seals and compacts everything ingested so far; false when sealing did not finish within {@code timeout}. */
    public boolean sealNow(Duration timeout) throws InterruptedException, IOException {
        rotateWal.run();
        if (!sealer.awaitIdle(timeout)) {
            return false;
        }
        compactor.compactNow();
        return true;
    }
}
