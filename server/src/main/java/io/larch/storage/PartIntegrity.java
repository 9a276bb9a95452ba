package io.larch.storage;

import io.larch.part.FileChecksum;
import io.larch.part.PartBlooms;
import io.larch.part.PartFiles;
import io.larch.part.PartRecord;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a part's files against the CRC32C the catalog recorded when they were made, before a
 * query relies on them, and sets aside what fails, so that damaged data is never served as if it
 * were whole and never answers a 500.
 *
 * <p>The guarantee: the first read of a part in a process checks its whole Parquet file (cached
 * per part); a part that fails is quarantined (catalog state, files moved to {@code quarantine/},
 * counted) and queries that it could have answered say they are partial. Between checks, the data
 * pages Larch writes carry a zstd frame checksum, so a bit that flips later fails the page's
 * decompression; the read error makes the part be checked again at once. Scrubbing ({@link
 * #scrub}: maintenance and the background scrubber) checks every part, rollup and bloom filter
 * from disk again, and compaction checks its inputs before it copies them. A rollup that fails is
 * moved aside and counts come from the part's rows; a bloom filter that fails is dropped and
 * searches read the whole part: answers stay complete. Parts written before checksums
 * ({@link PartRecord#NO_CHECKSUM}) are not checked.
 *
 * <p>Only a checksum mismatch or a missing file is damage. A file that cannot be read for another
 * reason (an interrupted thread at shutdown, too many open files) is {@link Check#UNKNOWN}: nothing
 * is quarantined for it. In read-only mode (the CLI on another process's data dir) a damaged part
 * is only left out of this process's snapshot. Thread-safe.
 */
public final class PartIntegrity {
    private static final Logger LOG = LoggerFactory.getLogger(PartIntegrity.class);

    private final EventStore store;
    private final PartFiles files;
    private final PartBlooms blooms;
    private final boolean readOnly;
    /** Part ids whose Parquet file matched its checksum in this process. */
    private final Set<Long> verifiedParts = ConcurrentHashMap.newKeySet();
    /** Part ids whose rollup file matched its checksum in this process. */
    private final Set<Long> verifiedRollups = ConcurrentHashMap.newKeySet();
    private final AtomicLong rollupsSetAside = new AtomicLong();
    /** Fetches archive-only parts into the cache; set once at wiring, before queries run. */
    private volatile ColdParts coldParts = ColdParts.NONE;

    public PartIntegrity(EventStore store, PartFiles files, PartBlooms blooms, boolean readOnly) {
        this.store = store;
        this.files = files;
        this.blooms = blooms;
        this.readOnly = readOnly;
    }

    /** Where archive-only parts are fetched from (the lifecycle's cache); {@link ColdParts#NONE} until set. */
    public void useColdParts(ColdParts coldParts) {
        this.coldParts = coldParts;
    }

    /** What checking a file found. */
    public enum Check {
        /** It matches its checksum (or has none to match: written before checksums). */
        WHOLE,
        /** Its checksum does not match, or it is missing. */
        DAMAGED,
        /** It could not be read for another reason; nothing is concluded. */
        UNKNOWN
    }

    /** What a scrub found: parts checked (those with checksums), and how many were quarantined. */
    public record Scrub(int checked, int quarantined) {
    }

    /** Whether a query may read {@code part}: checked once per process; one that is damaged is quarantined. */
    public boolean readable(PartRecord part) {
        if (part.isArchiveOnly()) {
            return fetchArchived(part, false) == Check.WHOLE;
        }
        if (part.checksum() == PartRecord.NO_CHECKSUM || verifiedParts.contains(part.id())) {
            return true;
        }
        return checkNow(part) != Check.DAMAGED;
    }

    /** The parts of {@code parts} a query may read, in order; see {@link #readable}. */
    public List<PartRecord> readable(List<PartRecord> parts) {
        List<PartRecord> readable = new ArrayList<>(parts.size());
        for (PartRecord part : parts) {
            if (readable(part)) {
                readable.add(part);
            }
        }
        return readable;
    }

    /**
     * Checks {@code part}'s Parquet file from disk even when it passed before (after a read of it
     * failed, before a merge, when scrubbing); quarantines it when damaged.
     */
    public Check recheck(PartRecord part) {
        verifiedParts.remove(part.id());
        if (part.isArchiveOnly()) {
            return fetchArchived(part, true);
        }
        if (part.checksum() == PartRecord.NO_CHECKSUM) {
            return Check.WHOLE;
        }
        return checkNow(part);
    }

    /**
     * Checks the files of {@code parts} again after a read of them failed; returns how many were
     * damaged (and set aside). Zero means the failure was not theirs.
     */
    public int recheckAfterReadError(List<PartRecord> parts) {
        int damaged = 0;
        for (PartRecord part : parts) {
            boolean partDamaged = recheck(part) == Check.DAMAGED;
            verifiedRollups.remove(part.id());
            boolean rollupDamaged = !partDamaged && Files.exists(files.rollupPath(part)) && !rollupUsable(part);
            if (partDamaged || rollupDamaged) {
                damaged++;
            }
        }
        return damaged;
    }

    /** Whether the part's rollup exists and is whole; a damaged one is moved aside (counts then come from rows). */
    public boolean rollupUsable(PartRecord part) {
        if (verifiedRollups.contains(part.id())) {
            return true;
        }
        Path rollup = files.rollupPath(part);
        if (!Files.exists(rollup)) {
            return false;
        }
        if (part.rollupChecksum() == PartRecord.NO_CHECKSUM) {
            return true;
        }
        Check check = check(rollup, part.rollupChecksum());
        if (check == Check.WHOLE) {
            verifiedRollups.add(part.id());
            return true;
        }
        if (check == Check.UNKNOWN || readOnly) {
            return false;
        }
        LOG.error("the rollup of part {} is damaged; moved aside, its counts come from the part's rows", part.name());
        try {
            files.moveRollupAside(part);
            rollupsSetAside.incrementAndGet();
        } catch (IOException e) {
            LOG.error("could not move the damaged rollup of part {} aside: {}", part.name(), e.getMessage());
        }
        return false;
    }

    /**
     * Checks {@code part} from disk before a merge copies it: its Parquet file (damaged: quarantined),
     * its rollup (damaged: moved aside, the merge rebuilds it) and its bloom filter (damaged:
     * dropped, the merge rebuilds it). The merge may go ahead only when this returns true.
     */
    public boolean wholeForMerge(PartRecord part) {
        if (recheck(part) != Check.WHOLE) {
            return false;
        }
        verifiedRollups.remove(part.id());
        rollupUsable(part);
        blooms.recheck(part);
        return true;
    }

    /** Checks every published part, rollup and bloom filter from disk; damaged ones are set aside. */
    public Scrub scrub() {
        int checked = 0;
        int quarantined = 0;
        for (PartRecord part : store.snapshot().parts()) {
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
            if (part.checksum() != PartRecord.NO_CHECKSUM) {
                checked++;
            }
            // An archive-only part's object was verified when it was fetched; its sidecars are local and checked here.
            Check check = part.isArchiveOnly() ? Check.WHOLE : recheck(part);
            if (check == Check.DAMAGED) {
                quarantined++;
            } else if (check == Check.WHOLE) {
                verifiedRollups.remove(part.id());
                rollupUsable(part);
                blooms.recheck(part);
            }
        }
        return new Scrub(checked, quarantined);
    }

    /**
     * Moves aside the files of parts the catalog quarantined that are still among the parts (a
     * crash hit between the catalog update and the move). Run at start-up, read-write only.
     */
    public int finishQuarantines() throws IOException {
        int moved = 0;
        for (PartRecord part : store.snapshot().quarantined()) {
            if (Files.exists(files.path(part)) || Files.exists(files.bloomPath(part)) || Files.exists(files.rollupPath(part))) {
                files.moveAside(part);
                moved++;
            }
        }
        return moved;
    }

    /** Rollups moved aside by this process. */
    public long rollupsSetAside() {
        return rollupsSetAside.get();
    }

    /** What checking {@code file} against {@code expected} finds. */
    public static Check check(Path file, long expected) {
        try {
            return FileChecksum.of(file) == expected ? Check.WHOLE : Check.DAMAGED;
        } catch (NoSuchFileException e) {
            return Check.DAMAGED;
        } catch (ClosedByInterruptException e) {
            Thread.currentThread().interrupt();
            return Check.UNKNOWN;
        } catch (IOException e) {
            LOG.warn("cannot read {} to check it ({}); not concluding anything", file.getFileName(), e.toString());
            return Check.UNKNOWN;
        }
    }

    /** Why {@code file} is damaged, in words without paths (they go into the catalog and the admin API). */
    public static String describeDamage(Path file, long expected) {
        if (!Files.exists(file)) {
            return "the file is missing";
        }
        try {
            return String.format("checksum mismatch: the file's CRC32C is %08x, it was %08x when written",
                    FileChecksum.of(file), expected);
        } catch (IOException e) {
            return "the file cannot be read (" + e.getClass().getSimpleName() + ")";
        }
    }

    /**
     * An archive-only part: its cached copy (fetched now when missing, or {@code again}); an
     * object missing from the archive or not matching the part's checksum quarantines the part.
     */
    private Check fetchArchived(PartRecord part, boolean again) {
        Check check = coldParts.fetch(part, again);
        if (check == Check.DAMAGED) {
            quarantine(part, "its archived object is missing or does not match the part's checksum");
        }
        return check;
    }

    private Check checkNow(PartRecord part) {
        Check check = check(files.path(part), part.checksum());
        switch (check) {
            case WHOLE -> verifiedParts.add(part.id());
            case DAMAGED -> {
                if (!replacedMeanwhile(part)) {
                    quarantine(part, describeDamage(files.path(part), part.checksum()));
                }
            }
            case UNKNOWN -> { }
        }
        return check;
    }

    /**
     * Whether {@code part}'s file is missing because the part was replaced since the caller took
     * its snapshot: erasure deletes a rewritten part's files at once (it cannot wait for
     * compaction's grace period: the user's rows must go), so a query still reading the older
     * snapshot may find them gone. That is not damage: nothing is quarantined or logged as an
     * error, and the caller skips the part as it skips a damaged one (its rows, minus the erased
     * ones, are in the replacement, which the next query's snapshot holds). A part still
     * published whose file is missing is damage.
     */
    private boolean replacedMeanwhile(PartRecord part) {
        if (Files.exists(files.path(part))) {
            return false;
        }
        boolean stillPublished = store.snapshot().parts().stream().anyMatch(p -> p.id() == part.id());
        if (!stillPublished) {
            LOG.debug("part {} was replaced while a query read an older snapshot; skipped", part.name());
        }
        return !stillPublished;
    }

    private void quarantine(PartRecord part, String reason) {
        if (readOnly) {
            LOG.error("part {} is damaged: {}; left out of this read-only view", part.name(), reason);
            store.setAside(part);
            return;
        }
        if (!store.quarantine(part, reason)) {
            return;
        }
        LOG.error("part {} ({} events of project {}, {}) is damaged: {}; quarantined, queries skip it and say so",
                part.name(), part.rowCount(), part.projectId(), part.kind().wireName(), reason);
        try {
            files.moveAside(part);
        } catch (IOException e) {
            LOG.error("could not move the files of quarantined part {} aside ({}); the next start moves them",
                    part.name(), e.getMessage());
        }
    }
}
