package io.larch.wal;

import java.io.IOException;

/** The WAL could not make a batch durable; the batch was not acknowledged and may be retried. */
public final class WalException extends RuntimeException {
    public WalException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether the write failed because the file system is full (ENOSPC, or EDQUOT: a quota is a
     * full disk for us). Then nothing is wrong with the WAL: later batches succeed once space
     * returns, so clients are told to retry (507), not that the server broke.
     */
    public boolean diskFull() {
        for (Throwable cause = getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException && isDiskFullMessage(cause.getMessage())) {
                return true;
            }
        }
        return false;
    }

    /** The messages the JDK gives ENOSPC and EDQUOT (strerror), alone or after a file name. */
    static boolean isDiskFullMessage(String message) {
        return message != null && (message.contains("No space left on device") || message.contains("Disk quota exceeded"));
    }
}
