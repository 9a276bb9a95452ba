package io.larch.lifecycle;

import io.larch.meta.PartRepository;
import io.larch.objectstore.ObjectDigestException;
import io.larch.objectstore.ObjectNotFoundException;
import io.larch.objectstore.ObjectStore;
import io.larch.objectstore.ObjectStoreException;
import io.larch.part.PartFiles;
import io.larch.part.PartRecord;
import io.larch.storage.ColdParts;
import io.larch.storage.PartIntegrity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local cache of parts that live only in the archive: a query that needs one has it
 * downloaded to {@code cache/}, checked against the part's CRC32C, and read like a local part.
 * Bounded by {@code maxBytes}, least recently used first out; a copy used within
 * {@code minResidency} (longer than a query may run) is never evicted, so a running query never
 * loses its file: the bound may be exceeded while that many parts are in use.
 *
 * <p>Thread-safe: downloads of one part are serialized (two queries download it once); the
 * index ({@code entries}) is a concurrent map and eviction takes {@code this}.
 */
final class ArchiveCache implements ColdParts {
    private static final Logger LOG = LoggerFactory.getLogger(ArchiveCache.class);

    private final PartFiles files;
    private final PartRepository parts;
    private final ObjectStore objects;
    private final long maxBytes;
    private final Duration minResidency;
    private final Clock clock;
    /** Cached copies by part name: size and last use. */
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    /** One lock object per part being fetched. */
    private final Map<String, Object> fetching = new ConcurrentHashMap<>();
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong downloads = new AtomicLong();
    private final AtomicLong downloadedBytes = new AtomicLong();
    private final AtomicLong evictions = new AtomicLong();

    private static final class Entry {
        final Path path;
        final long bytes;
        volatile long lastUsed;

        Entry(Path path, long bytes, long lastUsed) {
            this.path = path;
            this.bytes = bytes;
            this.lastUsed = lastUsed;
        }
    }

    ArchiveCache(PartFiles files, PartRepository parts, ObjectStore objects, long maxBytes, Duration minResidency,
                 Clock clock) {
        this.files = files;
        this.parts = parts;
        this.objects = objects;
        this.maxBytes = maxBytes;
        this.minResidency = minResidency;
        this.clock = clock;
        forgetCopiesOfLastRun();
    }

    @Override
    public PartIntegrity.Check fetch(PartRecord part, boolean again) {
        Entry cached = entries.get(part.name());
        if (!again && cached != null && Files.exists(cached.path)) {
            cached.lastUsed = clock.millis();
            served.incrementAndGet();
            return PartIntegrity.Check.WHOLE;
        }
        Object lock = fetching.computeIfAbsent(part.name(), name -> new Object());
        synchronized (lock) {
            Entry raced = entries.get(part.name());
            if (!again && raced != null && raced != cached && Files.exists(raced.path)) {
                raced.lastUsed = clock.millis();
                served.incrementAndGet();
                return PartIntegrity.Check.WHOLE;
            }
            PartIntegrity.Check check = download(part);
            if (check == PartIntegrity.Check.WHOLE) {
                served.incrementAndGet();
                trim();
            }
            return check;
        }
    }

    private PartIntegrity.Check download(PartRecord part) {
        Path target = files.cachedPath(part);
        String key = parts.archiveKey(part.id()).orElse(null);
        if (key == null) {
            LOG.error("archive-only part {} has no archive key in the catalog", part.name());
            return PartIntegrity.Check.DAMAGED;
        }
        try {
            Files.createDirectories(target.getParent());
            objects.get(key, target);
        } catch (ObjectNotFoundException e) {
            LOG.error("the archive has no object {} for part {}", key, part.name());
            return PartIntegrity.Check.DAMAGED;
        } catch (ObjectDigestException e) {
            LOG.error("the archive's object {} for part {} does not match its MD5: {}", key, part.name(), e.getMessage());
            return PartIntegrity.Check.DAMAGED;
        } catch (ObjectStoreException | IOException e) {
            LOG.warn("cannot fetch part {} from the archive now: {}", part.name(), e.getMessage());
            return PartIntegrity.Check.UNKNOWN;
        }
        if (part.checksum() != PartRecord.NO_CHECKSUM) {
            PartIntegrity.Check check = PartIntegrity.check(target, part.checksum());
            if (check != PartIntegrity.Check.WHOLE) {
                deleteQuietly(target);
                return check;
            }
        }
        try {
            long bytes = Files.size(target);
            entries.put(part.name(), new Entry(target, bytes, clock.millis()));
            downloads.incrementAndGet();
            downloadedBytes.addAndGet(bytes);
        } catch (IOException e) {
            return PartIntegrity.Check.UNKNOWN;
        }
        return PartIntegrity.Check.WHOLE;
    }

    /** Evicts least recently used copies not used within {@code minResidency} until the cache fits. */
    synchronized int trim() {
        long used = usedBytes();
        if (used <= maxBytes) {
            return 0;
        }
        long residentSince = clock.millis() - minResidency.toMillis();
        List<Map.Entry<String, Entry>> byAge = new ArrayList<>(entries.entrySet());
        byAge.sort(Comparator.comparingLong(e -> e.getValue().lastUsed));
        int evicted = 0;
        for (Map.Entry<String, Entry> candidate : byAge) {
            if (used <= maxBytes) {
                break;
            }
            if (candidate.getValue().lastUsed > residentSince) {
                continue;
            }
            if (entries.remove(candidate.getKey(), candidate.getValue())) {
                deleteQuietly(candidate.getValue().path);
                used -= candidate.getValue().bytes;
                evicted++;
            }
        }
        evictions.addAndGet(evicted);
        return evicted;
    }

    long usedBytes() {
        return entries.values().stream().mapToLong(e -> e.bytes).sum();
    }

    int cachedParts() {
        return entries.size();
    }

    long maxBytes() {
        return maxBytes;
    }

    @Override
    public long partsServed() {
        return served.get();
    }

    long downloads() {
        return downloads.get();
    }

    long downloadedBytes() {
        return downloadedBytes.get();
    }

    long evictions() {
        return evictions.get();
    }

    /**
     * Empties the cache directory at start: its copies were checked when fetched by another
     * process, and one may be half-written; fetching again is cheaper than trusting them.
     */
    private void forgetCopiesOfLastRun() {
        Path dir = files.cacheDir();
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(ArchiveCache::deleteQuietly);
        } catch (IOException e) {
            LOG.warn("cannot empty the archive cache {}: {}", dir, e.getMessage());
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", path, e.getMessage());
        }
    }
}
