package io.larch.bench;

import java.util.concurrent.atomic.AtomicLong;

/** Blocks of one event sequence handed to concurrent loaders in order, so their timestamps move together. */
public final class SharedSequence {
    private final AtomicLong next = new AtomicLong();
    private final long total;

    public SharedSequence(long total) {
        this.total = total;
    }

    /** The first position of the next block of up to {@code size} events, or -1 when all are taken. */
    public long claim(int size) {
        long first = next.getAndAdd(size);
        return first < total ? first : -1;
    }

    /** How many events the block starting at {@code first} holds. */
    public int sizeAt(long first, int size) {
        return (int) Math.min(size, total - first);
    }
}
