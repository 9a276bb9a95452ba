package io.larch.lifecycle;

import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.annotation.JsonValue;
import io.larch.meta.MaintenanceRunRepository;
import io.larch.meta.PartRepository;
import io.larch.part.ArchiveState;
import io.larch.part.PartRecord;
import io.larch.part.PartState;
import io.larch.storage.StoreSnapshot;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/stats/system}: events and bytes per tier, parts per state, the archive's
 * backlog and cache, and the last maintenance run with its outcome.
 */
final class SystemStats {
    private SystemStats() {
    }

    /** Everything, as the API shows it. */
    static Map<String, Object> of(StoreSnapshot snapshot, long headEvents, RetentionPolicies policies,
                                         PartRepository parts, Maintenance maintenance, String archiveDescription,
                                         long now) {
        Map<Tier, long[]> tiers = new LinkedHashMap<>();
        for (Tier tier : new Tier[] {Tier.HOT, Tier.WARM, Tier.COLD}) {
            tiers.put(tier, new long[3]);
        }
        tiers.get(Tier.HOT)[1] += headEvents;
        long backlogParts = 0;
        long backlogBytes = 0;
        for (PartRecord part : snapshot.parts()) {
            Retention retention = policies.of(part.projectId()).retention();
            Tier byAge = retention.tierOf(part.maxTs(), now);
            boolean inArchive = part.archive() == ArchiveState.ARCHIVED || part.isArchiveOnly();
            Tier tier = inArchive ? Tier.COLD : byAge == Tier.HOT ? Tier.HOT : Tier.WARM;
            long[] totals = tiers.get(tier);
            totals[0]++;
            totals[1] += part.rowCount();
            totals[2] += part.sizeBytes();
            boolean due = retention.archives() && byAge == Tier.COLD && !inArchive;
            if (due) {
                backlogParts++;
                backlogBytes += part.sizeBytes();
            }
        }
        Map<String, Object> stats = new LinkedHashMap<>();
        Map<String, Object> byTier = new LinkedHashMap<>();
        tiers.forEach((tier, totals) -> byTier.put(tier.wireName(),
                Map.of("parts", totals[0], "events", totals[1], "bytes", totals[2])));
        stats.put("tiers", byTier);
        stats.put("parts", partsByState(parts));
        Map<String, Object> archive = new LinkedHashMap<>();
        archive.put("store", archiveDescription);
        archive.put("backlogParts", backlogParts);
        archive.put("backlogBytes", backlogBytes);
        maintenance.cacheStats().ifPresent(cache -> archive.put("cache", cache));
        stats.put("archive", archive);
        maintenance.sharedCatalog().ifPresent(catalog -> {
            Map<String, Object> shared = new LinkedHashMap<>();
            shared.put("otherNodesParts", catalog.adoptedParts());
            shared.put("pendingParts", catalog.pendingParts());
            shared.put("lastRefreshAt", catalog.lastRefreshAt() == 0 ? null : java.time.Instant.ofEpochMilli(
                    catalog.lastRefreshAt()).toString());
            shared.put("refreshFailures", catalog.failures());
            stats.put("sharedCatalog", shared);
        });
        stats.put("lastMaintenance", maintenance.lastRecordedRun().map(SystemStats::run).orElse(null));
        return stats;
    }

    private static Map<String, Long> partsByState(PartRepository parts) {
        Map<String, Long> byState = new LinkedHashMap<>();
        for (ArchiveState state : ArchiveState.values()) {
            byState.put(state.wireName(), 0L);
        }
        byState.put("quarantined", 0L);
        byState.put("retired", 0L);
        for (PartRepository.StateCount count : parts.stateCounts()) {
            String name = count.state() == PartState.QUARANTINED ? "quarantined"
                    : count.state() == PartState.RETIRED && count.archive() != ArchiveState.DELETED ? "retired"
                    : count.archive().wireName();
            byState.merge(name, count.parts(), Long::sum);
        }
        return byState;
    }

    private static Map<String, Object> run(MaintenanceRunRepository.MaintenanceRun run) {
        Map<String, Object> shown = new LinkedHashMap<>();
        shown.put("trigger", run.trigger());
        shown.put("startedAt", Instant.ofEpochMilli(run.startedAt()).toString());
        shown.put("finishedAt", run.finishedAt() == 0 ? null : Instant.ofEpochMilli(run.finishedAt()).toString());
        shown.put("outcome", run.outcome() == null ? "running or interrupted" : run.outcome());
        shown.put("summary", run.summaryJson() == null ? null : new RawJson(run.summaryJson()));
        return shown;
    }

    /** JSON text to embed as it is (the run's stored summary). */
    record RawJson(String json) {
        @JsonValue
        @JsonRawValue
        public String json() {
            return json;
        }
    }
}
