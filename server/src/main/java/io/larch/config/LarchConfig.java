package io.larch.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

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
        long headIndexMaxBytes,
        Security security,
        Tail tail,
        Lifecycle lifecycle) {

    /**
     * Maintenance and the archive's local side.
     *
     * @param maintenanceInterval how often maintenance runs
     * @param archiveLocalGrace   how long an archived part's local file is kept
     * @param archiveCacheBytes   the size of the cache of parts fetched back from the archive
     */
    public record Lifecycle(Duration maintenanceInterval, Duration archiveLocalGrace, long archiveCacheBytes) {
    }

    /**
     * Live streams (SSE tail and work-log feeds).
     *
     * @param maxConnections  streams open at once on this server; beyond it 429
     * @param maxPerUser      work-log streams of one end user; a newer one closes the oldest
     * @param idleTimeout     a stream that has delivered nothing for this long is ended (the client reconnects)
     */
    public record Tail(int maxConnections, int maxPerUser, Duration idleTimeout) {
    }

    /**
     * Access and abuse settings.
     *
     * @param trustedProxies the raw list (IPs and CIDRs), parsed and checked when the server starts
     * @param rateLimitsPerMinute project events, project requests, client-address requests and
     *                            work-log events per user, per minute (0: no limit)
     */
    public record Security(boolean redaction, Set<String> corsOrigins, String trustedProxies, Duration viewerTokenMaxTtl,
                           Duration httpIdleTimeout, long projectEventsPerMinute, long projectRequestsPerMinute,
                           long ipRequestsPerMinute, long workLogPerUserPerMinute) {
    }
}
