package io.larch.storage;

import io.larch.part.FileChecksum;
import io.larch.part.PartFiles;
import io.larch.part.PartRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * <p>The guarantee: the first read of a part in a process checks its whole Parquet file (about
 * 1 ms per 5 MB); a part that fails is quarantined (catalog state, files moved to
 * {@code quarantine/}, counted) and queries that it could have answered say they are partial.
 * Between checks, every data page carries a zstd frame checksum, so a bit that flips later fails
 * the page's decompression; the read error makes the part be checked again at once. Scrubbing
 * ({@link #scrub}, on maintenance) checks every part from disk again. A rollup that fails is moved
 * aside and counts come from the part's rows: answers stay complete. Bloom files carry their own
 * CRC32C ({@code TokenBloom}); one that fails is treated as absent (every row group is read).
 * Parts written before checksums existed ({@link PartRecord#NO_CHECKSUM}) are not checked.
 * Thread-safe.
 */
public final class PartIntegrity {
    private static final Logger LOG = LoggerFactory.getLogger(PartIntegrity.class);

    private final EventStore store;
    private final PartFiles files;
    /** Part ids whose Parquet file matched its checksum in this process. */
    private final Set<Long> verifiedParts = ConcurrentHashMap.newKeySet();
    /** Part ids whose rollup file matched its checksum in this process. */
    private final Set<Long> verifiedRollups = ConcurrentHashMap.newKeySet();
    private final AtomicLong quarantined = new AtomicLong();
    private final AtomicLong rollupsSetAside = new AtomicLong();

    public PartIntegrity(EventStore store, PartFiles files) {
        this.store = store;
        this.files = files;
    }

    /** What a scrub found: parts checked, and how many of them were quarantined. */
    public record Scrub(int checked, int quarantined) {
    }

    /** Whether a query may read {@code part}: checked once per process; one that fails is quarantined. */
    public boolean readable(PartRecord part) {
        if (part.checksum() == PartRecord.NO_CHECKSUM || verifiedParts.contains(part.id())) {
            return true;
        }
        return checkNow(part);
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
     * Checks {@code part} from disk even when it passed before: after a read of it failed, and
     * when scrubbing. Returns false (and quarantines it) when it is damaged.
     */
    public boolean recheck(PartRecord part) {
        verifiedParts.remove(part.id());
        if (part.checksum() == PartRecord.NO_CHECKSUM) {
            return true;
        }
        return checkNow(part);
    }

    /** Whether the part's rollup exists and is whole; a damaged one is moved aside (counts then come from rows). */
    public boolean rollupUsable(PartRecord part) {
        Path rollup = files.rollupPath(part);
        if (verifiedRollups.contains(part.id())) {
            return true;
        }
        if (!Files.exists(rollup)) {
            return false;
        }
        if (part.rollupChecksum() == PartRecord.NO_CHECKSUM) {
            return true;
        }
        Optional<String> problem = problem(rollup, part.rollupChecksum());
        if (problem.isEmpty()) {
            verifiedRollups.add(part.id());
            return true;
        }
        LOG.error("the rollup of part {} is damaged ({}); moved aside, its counts come from the part's rows",
                part.name(), problem.get());
        try {
            files.moveRollupAside(part);
            rollupsSetAside.incrementAndGet();
        } catch (IOException e) {
            LOG.error("could not move the damaged rollup of part {} aside: {}", part.name(), e.getMessage());
        }
        return false;
    }

    /** Checks every published part and rollup from disk; damaged ones are set aside. */
    public Scrub scrub() {
        List<PartRecord> parts = store.snapshot().parts();
        int before = (int) quarantined.get();
        for (PartRecord part : parts) {
            if (recheck(part)) {
                verifiedRollups.remove(part.id());
                rollupUsable(part);
            }
        }
        return new Scrub(parts.size(), (int) quarantined.get() - before);
    }

    /** Parts quarantined by this process. */
    public long quarantinedParts() {
        return quarantined.get();
    }

    /** Rollups moved aside by this process. */
    public long rollupsSetAside() {
        return rollupsSetAside.get();
    }

    /**
     * What is wrong with {@code file} against {@code expected}, in words without paths (they go
     * into the catalog and the admin API); empty when it is whole.
     */
    public static Optional<String> problem(Path file, long expected) {
        try {
            long actual = FileChecksum.of(file);
            return actual == expected ? Optional.empty() : Optional.of(String.format(
                    "checksum mismatch: the file's CRC32C is %08x, it was %08x when written", actual, expected));
        } catch (NoSuchFileException e) {
            return Optional.of("the file is missing");
        } catch (IOException e) {
            return Optional.of("the file cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    private boolean checkNow(PartRecord part) {
        Optional<String> problem = problem(files.path(part), part.checksum());
        if (problem.isEmpty()) {
            verifiedParts.add(part.id());
            return true;
        }
        quarantine(part, problem.get());
        return false;
    }

    private void quarantine(PartRecord part, String reason) {
        if (!store.quarantine(part, reason)) {
            return;
        }
        quarantined.incrementAndGet();
        LOG.error("part {} ({} events of project {}, {}) is damaged: {}; quarantined, queries skip it and say so",
                part.name(), part.rowCount(), part.projectId(), part.kind().wireName(), reason);
        try {
            files.moveAside(part);
        } catch (IOException e) {
            LOG.error("could not move the files of quarantined part {} aside: {}", part.name(), e.getMessage());
        }
    }
}
