package io.larch.ingest;

/**
 * The store's disk is below the free space it must keep ({@code LARCH_MIN_FREE_DISK}), or a
 * write found it full: nothing of the batch was stored or acknowledged (HTTP 507 with
 * Retry-After). It passes once space returns; nothing needs restarting.
 *
 * @see EventSink#checkAccepting()
 */
public final class InsufficientStorageException extends RuntimeException {
    /** How long a client should wait before it retries: an operator or sealing has to free space first. */
    public static final int RETRY_AFTER_SECONDS = 30;

    private final long freeBytes;
    private final long floorBytes;

    /** @param freeBytes free bytes on the data dir's file system, or -1 when unknown */
    public InsufficientStorageException(String message, long freeBytes, long floorBytes) {
        super(message);
        this.freeBytes = freeBytes;
        this.floorBytes = floorBytes;
    }

    public long freeBytes() {
        return freeBytes;
    }

    public long floorBytes() {
        return floorBytes;
    }
}
