package io.larch.storage;

import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.part.BloomBits;
import io.larch.part.LongIntHashMap;
import io.larch.part.LongHashSet;
import io.larch.part.RowTokens;
import io.larch.part.TokenFilter;
import java.util.Arrays;
import java.util.Set;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory events of one unsealed WAL segment, in WAL order, and their index, so that a
 * query costs what it matches and not what the head holds:
 * <ul>
 * <li>blocks of {@link #BLOCK_EVENTS} events, each with its time span, levels and, once the block
 * is full, the token filter the parts use, built by the first query that could use it
 * ({@link #indexFullBlocks}): a server nobody searches pays nothing for it, and each block is
 * tokenized once however many queries follow;
 * <li>postings: for every value of an indexed field ({@code user}, {@code conversation},
 * {@code trace}, ...: {@link io.larch.part.TokenBloom#POSTED_FIELDS}), the positions of the
 * events that have it, kept while the {@link HeadIndexMemory} budget allows.
 * </ul>
 * Appended to by the WAL writer thread only (events and postings: a few hash lookups per event);
 * the token filters are built by queries, off that thread. Read by any thread through
 * {@link #view()}, a stable prefix.
 */
public final class HeadSegment {
    /** Events per block: small enough that the newest block, which has no filter yet, is cheap to scan. */
    public static final int BLOCK_EVENTS = 256;
    /** What a posting costs beyond its positions: map slots (at most half full), list object and array header. */
    private static final long BYTES_PER_KEY = 80;

    private final long segmentId;
    private final Kind kind;
    /** One bit per {@link Kind} ordinal of the events appended; written under {@code this}. */
    private volatile int kindsHeld;
    private final HeadIndexMemory memory;
    /** All guarded by {@code this}; slots below {@link #size} (and of blocks below size / BLOCK_EVENTS) never change once written. */
    private LogEvent[] events = new LogEvent[BLOCK_EVENTS];
    private int size;
    private long[] blockMinTs = new long[4];
    private long[] blockMaxTs = new long[4];
    /** The largest event id of each block: a read of "what came after id X" skips the blocks below X. */
    private long[] blockMaxId = new long[4];
    private int[] blockLevels = new int[4];
    private long[][] blockFilters = new long[4][];
    /** Full blocks below this have their filter. */
    private int filteredBlocks;
    /**
     * Each distinct field-value hash's number: its positions are {@code positionLists[number]}.
     * Null once dropped to stay within the memory budget (then queries use the blocks).
     */
    private LongIntHashMap postings = new LongIntHashMap();
    private Positions[] positionLists = new Positions[64];
    private int keyCount;
    private long postingBytes;
    private long filterBytes;
    /** Held while filters are built, so two queries do not build the same block. */
    private final ReentrantLock indexing = new ReentrantLock();
    /** Set once the segment is sealed: its index gives its memory back and is not built further. */
    private boolean released;
    /** Scratch for one event's field-value hashes (WAL thread only, under the lock). */
    private final long[] eventKeys = new long[RowTokens.MAX_FIELD_VALUES];

    public HeadSegment(long segmentId, Kind kind, HeadIndexMemory memory) {
        this.segmentId = segmentId;
        this.kind = kind;
        this.memory = memory;
    }

    public long segmentId() {
        return segmentId;
    }

    public Kind kind() {
        return kind;
    }

    /**
     * Whether any event here is of one of {@code kinds}. A segment is filed under its first
     * batch's kind, but a batch that mixes kinds is written whole to one segment, so the kinds
     * actually held are kept apart from {@link #kind()}.
     */
    public boolean holdsAnyOf(Set<Kind> kinds) {
        int held = kindsHeld;
        for (Kind wanted : kinds) {
            if ((held & (1 << wanted.ordinal())) != 0) {
                return true;
            }
        }
        return false;
    }

    /** Appends durable events. */
    public void append(List<LogEvent> batch) {
        long postingDelta;
        synchronized (this) {
            if (size + batch.size() > events.length) {
                events = Arrays.copyOf(events, Math.max(events.length * 2, size + batch.size()));
            }
            long postingsBefore = postingBytes;
            int kinds = kindsHeld;
            for (LogEvent event : batch) {
                int block = size / BLOCK_EVENTS;
                if (size % BLOCK_EVENTS == 0) {
                    startBlock(block);
                }
                blockMinTs[block] = Math.min(blockMinTs[block], event.ts());
                blockMaxTs[block] = Math.max(blockMaxTs[block], event.ts());
                blockMaxId[block] = Math.max(blockMaxId[block], event.id());
                blockLevels[block] |= 1 << event.level().severity();
                kinds |= 1 << event.kind().ordinal();
                if (postings != null) {
                    addPostings(event, size);
                }
                events[size++] = event;
            }
            postingDelta = postingBytes - postingsBefore;
            kindsHeld = kinds;
        }
        if (postingDelta != 0 && !memory.reserve(postingDelta)) {
            dropPostings(postingDelta);
        }
    }

    private void startBlock(int block) {
        if (block == blockMinTs.length) {
            int grown = block * 2;
            blockMinTs = Arrays.copyOf(blockMinTs, grown);
            blockMaxTs = Arrays.copyOf(blockMaxTs, grown);
            blockMaxId = Arrays.copyOf(blockMaxId, grown);
            blockLevels = Arrays.copyOf(blockLevels, grown);
            blockFilters = Arrays.copyOf(blockFilters, grown);
        }
        blockMinTs[block] = Long.MAX_VALUE;
        blockMaxTs[block] = Long.MIN_VALUE;
        blockMaxId[block] = Long.MIN_VALUE;
    }

    private void addPostings(LogEvent event, int position) {
        int keys = RowTokens.fieldValueHashes(event, eventKeys);
        for (int i = 0; i < keys; i++) {
            int number = postings.get(eventKeys[i]);
            if (number < 0) {
                number = keyCount++;
                if (number == positionLists.length) {
                    positionLists = Arrays.copyOf(positionLists, number * 2);
                }
                positionLists[number] = new Positions();
                postings.put(eventKeys[i], number);
                postingBytes += BYTES_PER_KEY;
            }
            postingBytes += positionLists[number].add(position);
        }
    }

    /**
     * Gives the postings up (queries fall back to the blocks' filters): the memory budget is
     * full. {@code unreserved} of their bytes were never taken from the budget.
     */
    private void dropPostings(long unreserved) {
        long released;
        synchronized (this) {
            if (postings == null) {
                return;
            }
            postings = null;
            positionLists = null;
            released = postingBytes - unreserved;
            postingBytes = 0;
        }
        memory.release(released);
    }

    /**
     * Builds the token filters of the full blocks that have none yet, reading their events
     * outside the segment's lock (full blocks do not change, and appends go on meanwhile); one
     * query at a time builds, others wait for it. {@code beforeEachBlock} may throw to stop (the
     * query's budget): the blocks built so far stay built.
     */
    public void indexFullBlocks(Runnable beforeEachBlock) {
        if (filteredBlocksNow() >= fullBlocksNow()) {
            return;
        }
        indexing.lock();
        try {
            buildFilters(beforeEachBlock);
        } finally {
            indexing.unlock();
        }
    }

    private synchronized int filteredBlocksNow() {
        return filteredBlocks;
    }

    private synchronized int fullBlocksNow() {
        return released ? 0 : size / BLOCK_EVENTS;
    }

    private void buildFilters(Runnable beforeEachBlock) {
        LongHashSet tokens = new LongHashSet();
        while (true) {
            int block;
            LogEvent[] snapshot;
            synchronized (this) {
                if (released || filteredBlocks >= size / BLOCK_EVENTS) {
                    return;
                }
                block = filteredBlocks;
                snapshot = events;
            }
            beforeEachBlock.run();
            tokens.clear();
            for (int i = block * BLOCK_EVENTS; i < (block + 1) * BLOCK_EVENTS; i++) {
                RowTokens.addTo(snapshot[i], tokens);
            }
            long[] filter = BloomBits.of(tokens);
            memory.reserveAlways(filter.length * 8L);
            synchronized (this) {
                if (released) {
                    memory.release(filter.length * 8L);
                    return;
                }
                blockFilters[block] = filter;
                filteredBlocks = block + 1;
                filterBytes += filter.length * 8L;
            }
        }
    }

    /** Gives back what this segment's index holds to the memory budget; called once it is sealed. */
    public void release() {
        long freed;
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
            freed = postingBytes + filterBytes;
            postings = null;
            positionLists = null;
            postingBytes = 0;
            filterBytes = 0;
        }
        memory.release(freed);
    }

    /** The events appended so far; later appends do not change the returned list. */
    public synchronized List<LogEvent> events() {
        return Arrays.asList(events).subList(0, size);
    }

    public synchronized int size() {
        return size;
    }

    /** The events and index as they are now; later appends do not change it. */
    public synchronized View view() {
        return new View(this, events, size, blockMinTs, blockMaxTs, blockMaxId, blockLevels,
                Arrays.copyOf(blockFilters, (size + BLOCK_EVENTS - 1) / BLOCK_EVENTS));
    }

    /** The postings of a field-value hash below position {@code limit}; null when they were dropped. */
    synchronized Postings postings(long fieldHash, int limit) {
        if (postings == null) {
            return null;
        }
        int number = postings.get(fieldHash);
        if (number < 0) {
            return Postings.NONE;
        }
        Positions positions = positionLists[number];
        int count = positions.count;
        while (count > 0 && positions.values[count - 1] >= limit) {
            count--;
        }
        // The array is shared, not copied: its slots below count never change.
        return new Postings(positions.values, count);
    }

    /** Positions {@code positions[0, count)}, ascending. */
    public record Postings(int[] positions, int count) {
        static final Postings NONE = new Postings(new int[0], 0);
    }

    /**
     * A stable prefix of the segment: {@code size} events in blocks of {@link #BLOCK_EVENTS}.
     * As a {@link TokenFilter}, a block without a filter (the newest, or one not yet indexed)
     * might contain anything.
     */
    public static final class View implements TokenFilter {
        private final HeadSegment segment;
        private final LogEvent[] events;
        private final int size;
        private final long[] minTs;
        private final long[] maxTs;
        private final long[] maxId;
        private final int[] levels;
        private final long[][] filters;

        View(HeadSegment segment, LogEvent[] events, int size, long[] minTs, long[] maxTs, long[] maxId, int[] levels,
             long[][] filters) {
            this.segment = segment;
            this.maxId = maxId;
            this.events = events;
            this.size = size;
            this.minTs = minTs;
            this.maxTs = maxTs;
            this.levels = levels;
            this.filters = filters;
        }

        public Kind kind() {
            return segment.kind;
        }

        public int size() {
            return size;
        }

        public LogEvent event(int position) {
            return events[position];
        }

        public int blocks() {
            return filters.length;
        }

        public int blockStart(int block) {
            return block * BLOCK_EVENTS;
        }

        /** One past the block's last event in this view. */
        public int blockEnd(int block) {
            return Math.min(size, (block + 1) * BLOCK_EVENTS);
        }

        /**
         * Whether the block holds all its events; the newest block may still be filling, and its
         * time span and levels below then describe at least this view's events of it.
         */
        public boolean isFull(int block) {
            return blockEnd(block) - blockStart(block) == BLOCK_EVENTS;
        }

        public long blockMinTs(int block) {
            return minTs[block];
        }

        public long blockMaxTs(int block) {
            return maxTs[block];
        }

        /** The largest event id in the block. */
        public long blockMaxId(int block) {
            return maxId[block];
        }

        /** Bit {@code 1 << severity} for each level the block holds. */
        public int blockLevels(int block) {
            return levels[block];
        }

        /**
         * Positions, ascending, of the events whose indexed field has the value of this
         * {@link io.larch.part.TokenBloom#fieldHash} (or an equal hash); null when this segment
         * keeps no postings (then use the blocks).
         */
        public Postings postings(long fieldHash) {
            return segment.postings(fieldHash, size);
        }

        @Override
        public boolean mightContain(int block, long hash) {
            long[] filter = filters[block];
            return filter == null || BloomBits.mightContain(filter, hash);
        }

        @Override
        public boolean foldsPerCodePoint() {
            return true;
        }
    }

    /** A growing list of ascending positions; slots below {@code count} never change. */
    private static final class Positions {
        int[] values = new int[2];
        int count;

        /** Appends; returns the bytes the list grew by. */
        long add(int position) {
            long grownBy = 0;
            if (count == values.length) {
                grownBy = values.length * 4L;
                values = Arrays.copyOf(values, values.length * 2);
            }
            values[count++] = position;
            return grownBy;
        }
    }
}
