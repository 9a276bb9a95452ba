package io.larch.lifecycle;

import io.larch.meta.PartRepository;
import io.larch.objectstore.ObjectStore;
import io.larch.objectstore.ObjectStoreException;
import io.larch.part.PartFiles;
import io.larch.part.PartRecord;
import io.larch.storage.EventStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention: retires whole parts whose newest event is past their project's {@code deleteAfter},
 * and deletes the files and archive objects of retired parts that have objects (compaction's
 * sweep deletes the purely local ones). Quarantined parts past retention lose their files in
 * {@code quarantine/} too: damaged data is not kept longer than whole data.
 *
 * <p>Crash safety: retiring is one catalog transaction, then the snapshot (queries stop seeing
 * the parts at once). After the query grace the objects are deleted, then the local files and the
 * cached copy, then the row becomes a tombstone ({@code deleted}). Every delete is idempotent, so
 * a crash anywhere is finished by the next run.
 */
final class Expiry {
    private static final Logger LOG = LoggerFactory.getLogger(Expiry.class);

    /** What one run did. */
    record Run(int expiredParts, long expiredEvents, int expiredQuarantined, int sweptArchivedParts, int objectsDeleted,
               String lastError) {
    }

    private final EventStore store;
    private final PartRepository parts;
    private final PartFiles files;
    private final Optional<ObjectStore> objects;
    private final RetentionPolicies policies;
    private final int nodeId;
    private final Clock clock;

    Expiry(EventStore store, PartRepository parts, PartFiles files, Optional<ObjectStore> objects,
           RetentionPolicies policies, int nodeId, Clock clock) {
        this.store = store;
        this.parts = parts;
        this.files = files;
        this.objects = objects;
        this.policies = policies;
        this.nodeId = nodeId;
        this.clock = clock;
    }

    /** Retires what is past retention, then sweeps retired archived parts retired at least {@code queryGrace} ago. */
    Run run(Duration queryGrace) {
        long now = clock.millis();
        // Expired: the newest event is at least deleteAfter old (Retention.tierOf), i.e. at or before now - deleteAfter.
        List<PartRecord> due = parts.listPublishedEndedBy(
                projectId -> now - policies.of(projectId).retention().deleteAfter().toMillis());
        List<PartRecord> expired = due.isEmpty() ? List.of() : store.expire(due);
        long events = expired.stream().mapToLong(PartRecord::rowCount).sum();
        if (!expired.isEmpty()) {
            LOG.info("retention retired {} parts ({} events) past their projects' retention", expired.size(), events);
        }
        int swept = 0;
        int objectsDeleted = 0;
        String lastError = null;
        int expiredQuarantined = 0;
        for (PartRecord part : store.snapshot().quarantined()) {
            if (policies.of(part.projectId()).retention().tierOf(part.maxTs(), now) != Tier.EXPIRED) {
                continue;
            }
            // Files first, then the catalog: a crash between leaves a quarantined part with no
            // files, which the next run retires (the deletes are idempotent).
            try {
                files.deleteQuarantined(part);
                if (store.expireQuarantined(part)) {
                    expiredQuarantined++;
                    LOG.info("retention deleted the files of quarantined part {} ({} events of project {})", part.name(),
                            part.rowCount(), part.projectId());
                }
            } catch (IOException e) {
                lastError = "deleting quarantined part " + part.name() + " past retention failed: " + e.getMessage()
                        + "; it is tried again on the next run";
                LOG.warn(lastError);
            }
        }
        for (PartRepository.ArchiveEntry entry : parts.listRetiredArchived(nodeId, now - queryGrace.toMillis())) {
            try {
                objectsDeleted += deleteObjects(entry);
                files.deleteAll(entry.part());
                parts.deleteRetired(entry.part().id());
                swept++;
            } catch (ObjectStoreException | IOException e) {
                lastError = "deleting retired part " + entry.part().name() + " failed: " + e.getMessage()
                        + "; it is tried again on the next run";
                LOG.warn(lastError);
            }
        }
        return new Run(expired.size(), events, expiredQuarantined, swept, objectsDeleted, lastError);
    }

    private int deleteObjects(PartRepository.ArchiveEntry entry) {
        if (entry.key() == null || objects.isEmpty()) {
            return 0;
        }
        int deleted = 0;
        for (String key : ArchiveKeys.allKeys(entry.key())) {
            objects.get().delete(key);
            deleted++;
        }
        return deleted;
    }

}
