package io.larch.lifecycle;

import io.larch.meta.PartRepository;
import io.larch.objectstore.Digests;
import io.larch.objectstore.ObjectStore;
import io.larch.objectstore.ObjectStoreException;
import io.larch.objectstore.StoredObject;
import io.larch.part.ArchiveState;
import io.larch.part.PartFiles;
import io.larch.part.PartRecord;
import io.larch.storage.EventStore;
import io.larch.storage.PartIntegrity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads parts past their project's warm boundary to the object store, and deletes their local
 * files once the upload is verified and the local grace period has passed. Called by
 * {@link Maintenance}, one run at a time.
 *
 * <p>Crash safety, step by step (each catalog step is one conditional update, so two runs, or a
 * run after a crash, never move a part twice):
 * <ol>
 *   <li>{@code local -> archiving}, with the object key. A crash after it: the next run finds
 *       the part {@code archiving} and uploads it again.</li>
 *   <li>the sidecars, then the Parquet file are uploaded, each with its MD5, each checked by the
 *       store (size and digest) after it is stored. A crash during it: the next run repeats it,
 *       and an object already whole is not sent again (puts are idempotent).</li>
 *   <li>{@code archiving -> archived}, with the Parquet object's MD5 and the time. A crash before
 *       it: step 2 again, as no-ops.</li>
 *   <li>once {@code localGrace} has passed since step 3: {@code archived -> local_deleted}
 *       (catalog, then the snapshot): later queries read the part from the cache.</li>
 *   <li>once {@code queryGrace} has passed since step 4 (queries that started before it may still
 *       read the local file): the local Parquet file is deleted, on every run until it is gone,
 *       so a crash between 4 and 5 only delays it. The sidecars stay local: queries prune by them
 *       before anything is downloaded.</li>
 * </ol>
 * A part that fails its checksum before upload is quarantined and never archived: the archive
 * must not launder damage. S3 being down fails step 2; nothing local is deleted and the part is
 * tried again on the next run.
 */
final class Archiver {
    private static final Logger LOG = LoggerFactory.getLogger(Archiver.class);

    /** Test hooks at the crash points; they may throw to stop a run there. */
    interface Hooks {
        Hooks NONE = new Hooks() {
        };

        default void afterMarkedArchiving(PartRecord part) {
        }

        default void afterUploaded(PartRecord part) {
        }

        default void afterMarkedArchived(PartRecord part) {
        }

        default void afterMarkedLocalDeleted(PartRecord part) {
        }
    }

    /** What one run did. */
    record Run(int archived, long bytesUploaded, int failed, int localCopiesDropped, int localFilesDeleted,
               String lastError) {
    }

    private final EventStore store;
    private final PartRepository parts;
    private final PartFiles files;
    private final PartIntegrity integrity;
    private final ObjectStore objects;
    private final RetentionPolicies policies;
    private final int nodeId;
    private final Clock clock;
    private final Duration localGrace;
    private final Duration queryGrace;
    private final Hooks hooks;
    /** [several nodes] Upload every part as soon as it is published: the other nodes read it from the archive. */
    private final boolean uploadAtOnce;

    Archiver(EventStore store, PartRepository parts, PartFiles files, PartIntegrity integrity, ObjectStore objects,
             RetentionPolicies policies, int nodeId, Clock clock, Duration localGrace, Duration queryGrace, Hooks hooks,
             boolean uploadAtOnce) {
        this.uploadAtOnce = uploadAtOnce;
        this.store = store;
        this.parts = parts;
        this.files = files;
        this.integrity = integrity;
        this.objects = objects;
        this.policies = policies;
        this.nodeId = nodeId;
        this.clock = clock;
        this.localGrace = localGrace;
        this.queryGrace = queryGrace;
        this.hooks = hooks;
    }

    /**
     * Steps 1-3 for every part due, then 4-5; see the class comment. Synchronized with
     * {@link #uploadDue}: a shared node's refresh uploads between maintenance runs.
     */
    synchronized Run run() {
        Counts counts = new Counts();
        uploadDue(counts);
        dropLocalCopies(clock.millis(), counts);
        return counts.run();
    }

    /** [several nodes] Steps 1-3 alone, for a shared node's refresh. */
    synchronized Run uploadDue() {
        Counts counts = new Counts();
        uploadDue(counts);
        return counts.run();
    }

    private void uploadDue(Counts counts) {
        long now = clock.millis();
        // Leftovers of an interrupted run first, then newly due parts, oldest data first.
        for (PartRepository.ArchiveEntry entry : parts.listArchive(nodeId, ArchiveState.ARCHIVING)) {
            upload(entry.part(), entry.key(), counts);
        }
        for (PartRepository.ArchiveEntry entry : parts.listArchive(nodeId, ArchiveState.LOCAL)) {
            PartRecord part = entry.part();
            if (!uploadAtOnce && policies.of(part.projectId()).retention().tierOf(part.maxTs(), now) != Tier.COLD) {
                continue;
            }
            String key = ArchiveKeys.partKey(policies.archivePrefix(part.projectId()), part);
            if (integrity.recheck(part) != PartIntegrity.Check.WHOLE) {
                counts.failed("part " + part.name() + " did not pass its checksum; it is not archived");
                continue;
            }
            if (!store.moveArchive(part, ArchiveState.LOCAL, ArchiveState.ARCHIVING, key, null)) {
                continue;
            }
            hooks.afterMarkedArchiving(part);
            upload(part.withArchive(ArchiveState.ARCHIVING), key, counts);
        }
    }

    /** Steps 2 and 3 for one part marked archiving. */
    private void upload(PartRecord part, String key, Counts counts) {
        try {
            long bytes = 0;
            String partMd5 = null;
            List<String> keys = ArchiveKeys.allKeys(key);
            List<Path> sources = List.of(files.bloomPath(part), files.postingsPath(part), files.rollupPath(part),
                    files.localPath(part));
            for (int i = 0; i < keys.size(); i++) {
                Path source = sources.get(i);
                boolean isParquet = i == keys.size() - 1;
                if (!isParquet && !Files.exists(source)) {
                    continue;
                }
                StoredObject stored = objects.put(keys.get(i), source, Digests.md5(source));
                bytes += stored.sizeBytes();
                if (isParquet) {
                    partMd5 = stored.md5Hex();
                }
            }
            hooks.afterUploaded(part);
            if (store.moveArchive(part, ArchiveState.ARCHIVING, ArchiveState.ARCHIVED, null, partMd5)) {
                counts.archived++;
                counts.bytesUploaded += bytes;
                hooks.afterMarkedArchived(part);
                LOG.debug("archived part {} ({} events) as {}", part.name(), part.rowCount(), key);
            }
        } catch (ObjectStoreException | UncheckedIOException e) {
            counts.failed("archiving part " + part.name() + " to " + objects.describe() + " failed: " + e.getMessage()
                    + "; its local copy stays and it is tried again on the next run");
        }
    }

    /** Steps 4 and 5. */
    private void dropLocalCopies(long now, Counts counts) {
        for (PartRepository.ArchiveEntry entry : parts.listArchive(nodeId, ArchiveState.ARCHIVED)) {
            if (entry.archivedAt() + localGrace.toMillis() > now) {
                continue;
            }
            if (store.moveArchive(entry.part(), ArchiveState.ARCHIVED, ArchiveState.LOCAL_DELETED, null, null)) {
                counts.localCopiesDropped++;
                hooks.afterMarkedLocalDeleted(entry.part());
            }
        }
        for (PartRepository.ArchiveEntry entry : parts.listArchive(nodeId, ArchiveState.LOCAL_DELETED)) {
            Path local = files.localPath(entry.part());
            if (entry.localDeletedAt() + queryGrace.toMillis() > now || !Files.exists(local)) {
                continue;
            }
            try {
                Files.deleteIfExists(local);
                counts.localFilesDeleted++;
            } catch (IOException e) {
                counts.failed("cannot delete the local copy of archived part " + entry.part().name() + ": " + e.getMessage());
            }
        }
    }

    /** A run's tallies. */
    private static final class Counts {
        int archived;
        long bytesUploaded;
        int failed;
        int localCopiesDropped;
        int localFilesDeleted;
        String lastError;

        void failed(String error) {
            failed++;
            lastError = error;
            LOG.warn(error);
        }

        Run run() {
            return new Run(archived, bytesUploaded, failed, localCopiesDropped, localFilesDeleted, lastError);
        }
    }
}
