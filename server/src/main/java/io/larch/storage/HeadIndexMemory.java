package io.larch.storage;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory the head's indexes may take ({@code LARCH_HEAD_INDEX_MAX_BYTES}), shared by every
 * head segment. Token filters are always kept (about 2-4 bytes per event); postings grow with the
 * number of distinct values, so a segment whose postings would pass the limit drops them and is
 * answered from its blocks instead. Thread-safe.
 */
public final class HeadIndexMemory {
    private final long limitBytes;
    private final AtomicLong used = new AtomicLong();

    public HeadIndexMemory(long limitBytes) {
        this.limitBytes = limitBytes;
    }

    public static HeadIndexMemory unbounded() {
        return new HeadIndexMemory(Long.MAX_VALUE);
    }

    /** Takes {@code bytes} if they fit under the limit; false (taking nothing) if not. */
    boolean reserve(long bytes) {
        while (true) {
            long now = used.get();
            if (now + bytes > limitBytes) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /** Takes {@code bytes} whatever the limit (the small token filters). */
    void reserveAlways(long bytes) {
        used.addAndGet(bytes);
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    /** Bytes the head's indexes hold now. */
    public long usedBytes() {
        return used.get();
    }

    public long limitBytes() {
        return limitBytes;
    }
}
