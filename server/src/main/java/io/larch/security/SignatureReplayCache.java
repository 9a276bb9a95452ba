package io.larch.security;

import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The signatures accepted while they are still inside their window, so each is accepted once.
 *
 * <p>An entry is a 64-bit key of one accepted signature (see {@link RequestSignatures}), filed
 * under the minute of its request's timestamp. A timestamp {@code t} is acceptable while
 * {@code |now - t| <= tolerance}, so once {@code now - tolerance} has passed the end of a minute,
 * nothing filed there can come back and the minute's whole set is dropped: sweeping is one
 * {@code TreeMap} head cut on each call, with no per-entry expiry and no removal from the sets.
 * A request's own minute is all it needs to look in, since a replay carries the same timestamp.
 *
 * <p>Memory is bounded by {@code maxEntries}: when the live minutes hold that many keys, a new
 * signature is refused with {@link SignatureCacheFullException} (503) until the oldest minute
 * expires. One project may hold at most {@code maxPerProject} of them, so a project that signs
 * a flood of requests is refused alone and the others keep their room. Forgetting live keys instead would let their replays through. If the clock moves back
 * past a minute already dropped, a timestamp there is refused as {@link Admission#FORGOTTEN}:
 * its replays could no longer be told apart.
 *
 * <p>Memory is per node: a replay sent to another node behind the same load balancer is not seen
 * here (a shared store would be needed for that).
 *
 * <p>Threading: thread-safe. One lock guards all state and is held for a few hash operations,
 * never for I/O, so a virtual thread pinned while holding it costs nothing.
 */
final class SignatureReplayCache {
    /** What became of a signature offered to the cache. */
    enum Admission {
        /** First use: remembered now. */
        FIRST_USE,
        /** Already accepted inside the window. */
        REPLAY,
        /** Its minute was already dropped (the clock moved back): whether it is a replay is unknown. */
        FORGOTTEN
    }

    private static final long SECONDS_PER_MINUTE = 60;

    private final long toleranceSeconds;
    private final int maxEntries;
    private final int maxPerProject;
    /** Keys of accepted signatures by the minute of their timestamp (unix seconds / 60). Guarded by {@code this}. */
    private final NavigableMap<Long, LongHashSet> keysByMinute = new TreeMap<>();
    /** Keys each project added, by minute (what a minute's drop gives back). Guarded by {@code this}. */
    private final NavigableMap<Long, Map<Long, Integer>> projectKeysByMinute = new TreeMap<>();
    /** Keys each project holds in all live minutes. Guarded by {@code this}. */
    private final Map<Long, Integer> keysByProject = new HashMap<>();
    /** Keys in all of {@link #keysByMinute}. Guarded by {@code this}. */
    private int entries;
    /** Minutes before this one were dropped. Guarded by {@code this}. */
    private long firstRememberedMinute = Long.MIN_VALUE;

    SignatureReplayCache(long toleranceSeconds, int maxEntries, int maxPerProject) {
        if (maxPerProject < RequestSignatures.MAX_SECRETS || maxEntries < maxPerProject) {
            throw new IllegalArgumentException("the replay cache needs room for at least "
                    + RequestSignatures.MAX_SECRETS + " keys per project and as many in all, not " + maxPerProject
                    + " of " + maxEntries);
        }
        this.toleranceSeconds = toleranceSeconds;
        this.maxEntries = maxEntries;
        this.maxPerProject = maxPerProject;
    }

    /**
     * Remembers the keys of one accepted signature unless any of them is already there. Several
     * keys name the same request (one per secret it was checked with), so a replay is caught
     * whichever of them it matches. Throws {@link SignatureCacheFullException} when there is no
     * room; a replay is reported as such even then.
     */
    synchronized Admission admit(long projectId, long timestamp, long[] keys, long nowSeconds) {
        sweep(nowSeconds);
        long minute = Math.floorDiv(timestamp, SECONDS_PER_MINUTE);
        if (minute < firstRememberedMinute) {
            return Admission.FORGOTTEN;
        }
        LongHashSet minuteKeys = keysByMinute.get(minute);
        if (minuteKeys != null) {
            for (long key : keys) {
                if (minuteKeys.contains(key)) {
                    return Admission.REPLAY;
                }
            }
        }
        if (entries + keys.length > maxEntries) {
            throw full(nowSeconds, "it holds its maximum of " + maxEntries);
        }
        if (keysByProject.getOrDefault(projectId, 0) + keys.length > maxPerProject) {
            throw full(nowSeconds, "this project holds its share of " + maxPerProject);
        }
        minuteKeys = keysByMinute.computeIfAbsent(minute, m -> new LongHashSet());
        int added = 0;
        for (long key : keys) {
            if (minuteKeys.add(key)) {
                added++;
            }
        }
        entries += added;
        keysByProject.merge(projectId, added, Integer::sum);
        projectKeysByMinute.computeIfAbsent(minute, m -> new HashMap<>()).merge(projectId, added, Integer::sum);
        return Admission.FIRST_USE;
    }

    /** Keys remembered now, across all live minutes. */
    synchronized int size() {
        return entries;
    }

    /** Drops the minutes whose last second is more than the tolerance before {@code nowSeconds}. */
    private void sweep(long nowSeconds) {
        long firstLiveMinute = Math.floorDiv(nowSeconds - toleranceSeconds, SECONDS_PER_MINUTE);
        if (firstLiveMinute <= firstRememberedMinute) {
            return;
        }
        NavigableMap<Long, LongHashSet> expired = keysByMinute.headMap(firstLiveMinute, false);
        for (LongHashSet minuteKeys : expired.values()) {
            entries -= minuteKeys.size();
        }
        expired.clear();
        NavigableMap<Long, Map<Long, Integer>> expiredByProject = projectKeysByMinute.headMap(firstLiveMinute, false);
        for (Map<Long, Integer> perProject : expiredByProject.values()) {
            perProject.forEach((project, count) -> keysByProject.computeIfPresent(project,
                    (p, held) -> held - count == 0 ? null : held - count));
        }
        expiredByProject.clear();
        firstRememberedMinute = firstLiveMinute;
    }

    private SignatureCacheFullException full(long nowSeconds, String why) {
        // Not empty: a request offers at most MAX_SECRETS keys and the cap is at least that many.
        long oldestMinute = keysByMinute.firstKey();
        long oldestExpiresAt = (oldestMinute + 1) * SECONDS_PER_MINUTE + toleranceSeconds;
        long retryAfter = Math.max(1, oldestExpiresAt - nowSeconds);
        return new SignatureCacheFullException("signed requests are refused for now: to stop replays this server"
                + " remembers each signature for " + toleranceSeconds + " s either side of its timestamp, and"
                + " " + why + "; retry in " + retryAfter + " s", retryAfter);
    }
}
