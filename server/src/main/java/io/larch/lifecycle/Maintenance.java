package io.larch.lifecycle;

import io.larch.storage.Compactor;
import io.larch.storage.PartIntegrity;
import io.larch.storage.Sealer;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * Runs maintenance on demand ({@code POST /admin/maintain}): closes the active WAL segments,
 * waits until everything is sealed into parts, merges small parts, then scrubs (checks every
 * part's files against their checksums). Useful before a backup, before measuring, and in tests.
 */
public final class Maintenance {
    private final Runnable rotateWal;
    private final Sealer sealer;
    private final Compactor compactor;
    private final PartIntegrity integrity;

    /** @param rotateWal closes every non-empty active WAL segment and hands it to the sealer */
    public Maintenance(Runnable rotateWal, Sealer sealer, Compactor compactor, PartIntegrity integrity) {
        this.rotateWal = rotateWal;
        this.sealer = sealer;
        this.compactor = compactor;
        this.integrity = integrity;
    }

    /**
     * Seals and compacts everything ingested so far, then checks every part's files from disk
     * (damaged ones are quarantined); empty when sealing did not finish within {@code timeout}.
     */
    public Optional<PartIntegrity.Scrub> sealNow(Duration timeout) throws InterruptedException, IOException {
        rotateWal.run();
        if (!sealer.awaitIdle(timeout)) {
            return Optional.empty();
        }
        compactor.compactNow();
        return Optional.of(integrity.scrub());
    }
}
