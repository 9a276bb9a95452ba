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
        MinFreeDisk minFreeDisk,
        Duration shutdownSealTimeout) {

    /**
     * The free space the data dir's file system must keep for ingest to go on
     * ({@code LARCH_MIN_FREE_DISK}): a fixed size, a share of the file system, or both (the
     * default), when the smaller of the two applies.
     *
     * @param bytes   a fixed floor, or -1 when none is set
     * @param percent a share of the file system's size (0 to 100), or -1 when none is set
     */
    public record MinFreeDisk(long bytes, double percent) {
        /** 1 GB or 5%, whichever is smaller (see the setting's description for why). */
        public static final MinFreeDisk DEFAULT = new MinFreeDisk(1L << 30, 5);

        /** The floor in bytes on a file system of {@code totalBytes}. */
        public long floorBytes(long totalBytes) {
            long ofTotal = percent < 0 ? Long.MAX_VALUE : (long) (totalBytes * (percent / 100));
            return Math.min(bytes < 0 ? Long.MAX_VALUE : bytes, ofTotal);
        }

        @Override
        public String toString() {
            if (bytes >= 0 && percent >= 0) {
                return "min(" + bytes + "B, " + percent + "%)";
            }
            return bytes >= 0 ? bytes + "B" : percent + "%";
        }
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
