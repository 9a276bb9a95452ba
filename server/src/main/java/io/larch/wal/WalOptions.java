package io.larch.wal;

import io.larch.config.WalDurability;
import java.nio.file.Path;
import java.time.Duration;

/** How the WAL writes: where, when it acknowledges, when it rotates. */
public record WalOptions(Path dataDir, WalDurability durability, Duration batchInterval, long segmentMaxBytes,
                         Duration segmentMaxAge) {
}
