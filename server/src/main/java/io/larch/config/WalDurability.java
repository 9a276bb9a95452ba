package io.larch.config;

/** When an ingest request is acknowledged relative to the disk. */
public enum WalDurability {
    /** Acknowledge after fsync; concurrent requests share one fsync (group commit). The default. */
    FSYNC,
    /** Acknowledge after fsync, but fsync at most once per interval, making larger groups. */
    BATCH,
    /** Acknowledge after write() to the page cache: survives a killed process, not a power cut. Tests only. */
    NONE
}
