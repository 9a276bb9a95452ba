package io.larch.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Validated configuration; build it with {@link ConfigLoader}. */
public record LarchConfig(
        String host,
        int port,
        Path dataDir,
        String metadataUrl,
        Optional<String> adminToken,
        int nodeId,
        WalDurability walDurability,
        Duration walBatchInterval,
        long walSegmentMaxBytes,
        Duration walSegmentMaxAge,
        long headMaxEvents,
        long duckdbMemoryLimitBytes,
        int duckdbThreads,
        Duration queryTimeout,
        int queryConcurrencyPerKey,
        Duration scrubInterval,
        long headIndexMaxBytes) {

    public LarchConfig withPort(int newPort) {
        return new LarchConfig(host, newPort, dataDir, metadataUrl, adminToken, nodeId, walDurability,
                walBatchInterval, walSegmentMaxBytes, walSegmentMaxAge, headMaxEvents, duckdbMemoryLimitBytes,
                duckdbThreads, queryTimeout, queryConcurrencyPerKey, scrubInterval, headIndexMaxBytes);
    }
}
