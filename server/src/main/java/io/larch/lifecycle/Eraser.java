package io.larch.lifecycle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.datadir.FileNames;
import io.larch.meta.AuditRepository;
import io.larch.meta.Database;
import io.larch.meta.EraseRepository;
import io.larch.meta.EraseRequest;
import io.larch.meta.ErasedBuild;
import io.larch.meta.MetadataException;
import io.larch.meta.PartRepository;
import io.larch.model.InvalidInputException;
import io.larch.model.LogEvent;
import io.larch.part.DuckDbEngine;
import io.larch.part.PartBlooms;
import io.larch.part.PartColumns;
import io.larch.part.PartFiles;
import io.larch.part.PartPostings;
import io.larch.part.PartRecord;
import io.larch.part.PartWriter;
import io.larch.part.TokenBloom;
import io.larch.storage.Engine;
import io.larch.storage.EventStore;
import io.larch.storage.PartIntegrity;
import io.larch.storage.Sealer;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Erases one end user's events ({@code userId}) from one project or from every project, on
 * request ({@code POST /admin/erase}): requests are kept in the catalog ({@link EraseRepository})
 * and carried out one at a time, oldest first, on this class's own thread.
 *
 * <p>What one request does ({@link #process}):
 * <ol>
 *   <li>closes the active WAL segments and waits until they are sealed, so the user's events
 *       that were in the head are in parts; the sealer deletes a segment's file once its parts
 *       are published, so they leave the WAL too;</li>
 *   <li>for every published part of the project(s) that may hold the user (its postings say so,
 *       or, without postings, a DuckDB count), checks it from disk (a rewrite must not launder
 *       damage), writes a new part of the other rows (blooms, postings and rollup rebuilt from
 *       them) and publishes it in place of the old one; a part that held only the user's rows is
 *       retired with no replacement. The old part's files are deleted at once (see
 *       {@link #rewrite} for why that is safe for queries still reading the old snapshot);</li>
 *   <li>repeats that pass when compaction replaced a part meanwhile, until a pass finds nothing;
 *       then deletes the files of parts compaction retired and still keeps for its grace period
 *       (they may hold the user's rows too);</li>
 *   <li>tells the listener ({@link ErasedUser}) with the builds whose lines included the
 *       user's (recorded in each swap's transaction, so a resumed request still knows them), so
 *       their build-log objects are written again; then records the request done.</li>
 * </ol>
 * Events of the user that arrive after step 1 are not erased: the application must stop sending
 * them first. Parts already quarantined (damaged) are not rewritten: their files are in
 * {@code quarantine/}; a request that meets one ends failed and says so.
 *
 * <p>Crash safety: the request's state and counts are in the catalog, and every step can be
 * redone. A request running when the server stopped is resumed at the next start from step 1;
 * see {@link #rewrite} for each crash point of one part. Threading: {@link #submit} and the
 * readers may be called from any thread; the work runs on the eraser thread (or on the caller of
 * {@link #runPending}), one request at a time.
 */
public final class Eraser implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Eraser.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Passes over the parts before giving up when compaction keeps replacing parts under us. */
    private static final int MAX_PASSES = 5;
    private static final int MAX_USER_ID_LENGTH = 1024;

    /**
     * Where the file of a part to erase from comes from: the local part file, or (for a part
     * whose only copy is in the archive) a local copy fetched for the rewrite. Implementations
     * must return a readable Parquet file holding exactly the part's rows, or throw.
     */
    public interface EraseSources {
        Path localCopy(PartRecord part) throws IOException;
    }

    /**
     * Told once a request's parts are rewritten, before it is recorded done, on the eraser
     * thread: for data kept outside parts (e.g. build-log objects) that must be rebuilt without
     * the user. It may block; throwing fails the request (with the exception's message).
     *
     * @param projectId the project erased in, or null for every project
     * @param builds    the builds whose lines included the user's (found by this request or an
     *                  earlier one for the same user that failed before their objects were rewritten)
     */
    public record ErasedUser(long requestId, String userId, Long projectId, List<ErasedBuild> builds) {
    }

    /** Test hooks at the crash points of one part's rewrite; they may throw to stop it there. */
    public interface Hooks {
        Hooks NONE = new Hooks() {
        };

        /** The replacement's files are installed; the old part is still published. */
        default void afterFilesInstalled(PartRecord old, List<PartRecord> replacements) {
        }

        /** The replacement is published and the old part retired; the old files still exist. */
        default void afterPublished(PartRecord old, List<PartRecord> replacements) {
        }
    }

    /** Everything an eraser works with; {@code rotateWal} closes the active WAL segments and hands them to {@code sealer}. */
    public record Dependencies(Database database, EraseRepository requests, AuditRepository audit, PartRepository parts,
                               EventStore store, PartWriter writer, PartFiles partFiles, PartBlooms blooms,
                               PartIntegrity integrity, DuckDbEngine duckDb, Runnable rotateWal, Sealer sealer,
                               EraseSources sources, Consumer<ErasedUser> onErased, int nodeId, Clock clock,
                               Duration sealTimeout, Hooks hooks) {
        /** The dependencies an engine provides, with the rest given. */
        public static Dependencies of(Engine engine, Database database, PartRepository parts, AuditRepository audit,
                                      Runnable rotateWal, EraseSources sources, Consumer<ErasedUser> onErased, int nodeId,
                                      Clock clock, Hooks hooks) {
            return new Dependencies(database, new EraseRepository(database), audit, parts, engine.store(),
                    engine.partWriter(), engine.partFiles(), engine.blooms(), engine.integrity(), engine.queryDuckDb(),
                    rotateWal, engine.sealer(), sources, onErased, nodeId, clock, Duration.ofMinutes(5), hooks);
        }
    }

    private final Dependencies deps;
    private final EraseRepository requests;
    private final Thread thread;
    /** Held while a request is worked on: one at a time, from the thread or {@link #runPending}. */
    private final ReentrantLock working = new ReentrantLock();
    /** Guards {@link #wakeUps}: the thread waits on it for new requests. */
    private final Object signal = new Object();
    /** Submissions not yet looked at by the thread; guarded by {@link #signal}. */
    private long wakeUps;
    private volatile boolean closing;

    public Eraser(Dependencies deps) {
        this.deps = deps;
        this.requests = deps.requests();
        this.thread = Thread.ofPlatform().name("eraser").daemon(true).unstarted(this::run);
    }

    /** Starts the eraser thread, which first resumes requests left pending or running by the last stop. */
    public void start() {
        thread.start();
    }

    /**
     * Records a request to erase {@code userId}'s events from {@code projectId} (null: every
     * project), with its audit entry in the same transaction, and wakes the eraser thread.
     *
     * @throws InvalidInputException when userId is missing, blank or too long
     */
    public EraseRequest submit(String actor, String clientIp, String userId, Long projectId) {
        if (userId == null || userId.isEmpty()) {
            throw new InvalidInputException("userId: give the id of the end user to erase (the userId their events carry)");
        }
        if (userId.length() > MAX_USER_ID_LENGTH) {
            throw new InvalidInputException("userId: at most " + MAX_USER_ID_LENGTH + " characters");
        }
        long now = deps.clock().millis();
        EraseRequest created = deps.database().transaction(c -> {
            EraseRequest request = requests.insert(c, userId, projectId, now, actor);
            deps.audit().append(c, now, actor, clientIp, "erase.request", projectId, userId,
                    detail("request", Long.toString(request.id()), "scope", projectId == null ? "every project" : "project"));
            return request;
        });
        synchronized (signal) {
            wakeUps++;
            signal.notifyAll();
        }
        return created;
    }

    public Optional<EraseRequest> find(long id) {
        return requests.find(id);
    }

    /** The newest requests, only {@code projectId}'s when not null. */
    public List<EraseRequest> recent(Long projectId, int limit) {
        return requests.listRecent(projectId, limit);
    }

    /** Carries out every unfinished request on the calling thread, oldest first (tests, the thread's loop). */
    public void runPending() throws InterruptedException {
        working.lock();
        try {
            for (EraseRequest request : requests.listUnfinished()) {
                if (closing) {
                    return;
                }
                runOne(request);
            }
        } finally {
            working.unlock();
        }
    }

    private void run() {
        while (!closing) {
            long seen;
            synchronized (signal) {
                seen = wakeUps;
            }
            try {
                runPending();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("erase requests could not be read; tried again on the next request", e);
            }
            synchronized (signal) {
                while (wakeUps == seen && !closing) {
                    try {
                        signal.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    /** Runs one request to done or failed; a stop (interrupt) leaves it running for the next start. */
    private void runOne(EraseRequest request) throws InterruptedException {
        LOG.info("erase request {} ({}) is running", request.id(), scope(request));
        try {
            Outcome outcome = process(request);
            finish(request, outcome.error() == null ? EraseRequest.Status.DONE : EraseRequest.Status.FAILED,
                    outcome.error());
        } catch (InterruptedException | ClosedByInterruptException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedException("stopped during erase request " + request.id());
        } catch (Exception e) {
            if (closing) {
                LOG.info("erase request {} stopped by shutdown; it resumes at the next start", request.id());
                throw new InterruptedException("stopped during erase request " + request.id());
            }
            LOG.error("erase request {} failed", request.id(), e);
            finish(request, EraseRequest.Status.FAILED, "erasing failed: " + e.getMessage()
                    + "; the parts rewritten so far stay rewritten: submit the request again to finish");
        }
    }

    /** How a request ended: error null when everything of the user was erased. */
    private record Outcome(String error) {
    }

    /** Steps 1-4 of the class comment; returns the error that makes it failed, or null. */
    private Outcome process(EraseRequest request) throws IOException, InterruptedException {
        requests.markRunning(request.id(), deps.clock().millis(), projectBytes(request));
        deps.rotateWal().run();
        if (!deps.sealer().awaitIdle(deps.sealTimeout())) {
            return new Outcome("sealing the newest events did not finish within " + deps.sealTimeout().toMinutes()
                    + " minutes, so the user's newest events may still be in the WAL; the server log says why; "
                    + "submit the request again once sealing keeps up");
        }
        List<String> skippedDamaged = new ArrayList<>();
        for (int pass = 1; ; pass++) {
            int conflicts = 0;
            List<PartRecord> candidates = deps.store().snapshot().parts().stream()
                    .filter(part -> inScope(request, part.projectId())).toList();
            for (PartRecord part : candidates) {
                if (closing || Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException();
                }
                if (!mayHoldUser(part, request.userId())) {
                    continue;
                }
                if (!deps.integrity().wholeForMerge(part)) {
                    skippedDamaged.add(part.name());
                    continue;
                }
                if (!rewrite(request, part)) {
                    conflicts++;
                }
            }
            requests.setPartsChecked(request.id(), candidates.size());
            if (conflicts == 0) {
                break;
            }
            if (pass == MAX_PASSES) {
                return new Outcome("compaction replaced parts under the erasure " + MAX_PASSES
                        + " times in a row; submit the request again");
            }
        }
        deleteRetired(request);
        deps.onErased().accept(new ErasedUser(request.id(), request.userId(), request.projectId(),
                requests.builds(request.userId(), request.projectId())));
        if (!skippedDamaged.isEmpty()) {
            return new Outcome("parts " + String.join(", ", skippedDamaged) + " may hold the user but failed their "
                    + "check and were quarantined: their files in quarantine/ were not rewritten; delete them by hand");
        }
        return new Outcome(null);
    }

    /**
     * Writes {@code part} again without the user's rows and swaps it in; false when the part was
     * no longer published at the swap (compaction replaced it: the next pass looks again).
     *
     * <p>Crash safety, step by step:
     * <ol>
     *   <li>the new part's files are written under temporary names, fsynced and renamed into place
     *       (name {@link FileNames#erasedPartName}); a crash here leaves files the catalog does not
     *       know, which start-up deletes, and the old part stays published: the resumed request
     *       writes it again;</li>
     *   <li>one catalog transaction retires the old part, publishes the new one (none when only the
     *       user's rows were in it) and adds to the request's counts; a crash before it changes
     *       nothing, after it the new part is the data of record and the counts match;</li>
     *   <li>the old part's files are deleted at once, then its catalog row; a crash before that
     *       leaves a retired part, whose files start-up deletes (compaction's sweep at open), and
     *       the resumed request finds no part holding the user. Not waiting for compaction's grace
     *       period means a query still holding the older snapshot may find the files gone:
     *       {@link PartIntegrity} treats a missing file of a part no longer published as replaced,
     *       not damaged (nothing is quarantined), and such a query reads the parts it can.</li>
     * </ol>
     */
    private boolean rewrite(EraseRequest request, PartRecord part) throws IOException {
        String userId = request.userId();
        Path source = deps.sources().localCopy(part);
        String name = FileNames.erasedPartName(deps.nodeId(), part.id(), request.id());
        Set<ErasedBuild> builds = new HashSet<>();
        PartWriter.Filtered filtered = deps.writer().writeFiltered(part, source, name, event -> {
            if (!userId.equals(event.userId())) {
                return true;
            }
            if (event.buildId() != null) {
                builds.add(new ErasedBuild(event.projectId(), event.buildId()));
            }
            return false;
        });
        if (filtered.rowsRemoved() == 0) {
            // The postings share one list between values of the same 64-bit hash: another user's rows.
            return true;
        }
        List<PartRecord> replacements = filtered.part().map(List::of).orElse(List.of());
        deps.hooks().afterFilesInstalled(part, replacements);
        List<PartRecord> published;
        try {
            published = deps.store().replaceParts(List.of(part), replacements, c -> {
                requests.countRewrite(c, request.id(), filtered.rowsRemoved());
                requests.addBuilds(c, request.id(), builds);
                return null;
            });
        } catch (MetadataException e) {
            if (deps.store().snapshot().parts().stream().anyMatch(p -> p.id() == part.id())) {
                throw e;
            }
            for (PartRecord unpublished : replacements) {
                deleteFiles(unpublished);
            }
            return false;
        }
        deps.hooks().afterPublished(part, published);
        deleteFiles(part);
        if (!part.archive().mayHaveObjects()) {
            deps.parts().deleteRetired(part.id());
        }
        // else the row stays retired: the next maintenance run after the query grace deletes the
        // part's archive objects, then its row (POST /admin/purge does it at once).
        LOG.info("erase request {}: removed {} events from part {} ({})", request.id(), filtered.rowsRemoved(),
                part.name(), published.isEmpty() ? "retired, nothing else was in it" : "replaced by " + name);
        return true;
    }

    /**
     * Deletes the files of parts of the request's project(s) that compaction retired and keeps
     * for its grace period: they may hold the user's rows too. As with {@link #rewrite}'s own old
     * parts, a query still reading one skips it (it is no longer published). Idempotent, and
     * safe beside compaction's own sweep (both delete if present).
     */
    private void deleteRetired(EraseRequest request) throws IOException {
        for (PartRecord retired : deps.parts().listRetired(deps.nodeId(), Long.MAX_VALUE)) {
            if (inScope(request, retired.projectId())) {
                deleteFiles(retired);
                deps.parts().deleteRetired(retired.id());
            }
        }
    }

    /**
     * Whether {@code part} may hold the user's rows: its postings answer exactly (up to a shared
     * hash); without them (a part of an older version, or a damaged sidecar), DuckDB counts.
     */
    private boolean mayHoldUser(PartRecord part, String userId) throws IOException {
        PartPostings postings = TokenBloom.POSTED_FIELDS.contains(PartColumns.USER_ID) ? deps.blooms().postings(part) : null;
        if (postings != null) {
            return postings.count(TokenBloom.fieldHash(PartColumns.USER_ID, userId)) > 0;
        }
        Path file = deps.sources().localCopy(part);
        try (Connection connection = deps.duckDb().connect(); PreparedStatement count = connection.prepareStatement(
                "SELECT count(*) FROM read_parquet(" + DuckDbEngine.quotePath(file) + ") WHERE " + PartColumns.USER_ID + " = ?")) {
            count.setString(1, userId);
            try (ResultSet rows = count.executeQuery()) {
                rows.next();
                return rows.getLong(1) > 0;
            }
        } catch (SQLException e) {
            throw new IOException("counting the user's rows in part " + part.name() + " failed: " + e.getMessage(), e);
        }
    }

    private void deleteFiles(PartRecord part) throws IOException {
        deps.blooms().forget(part.name());
        deps.partFiles().deleteAll(part);
    }

    /** Records the end of a request with its audit entry, in one transaction. */
    private void finish(EraseRequest request, EraseRequest.Status status, String error) {
        long now = deps.clock().millis();
        long bytesAfter = projectBytes(request);
        // Read before the transaction, not in it: on PostgreSQL a read inside would take a second pooled connection.
        EraseRequest counted = requests.find(request.id()).orElseThrow();
        deps.database().transaction(c -> {
            requests.finish(c, request.id(), status, now, bytesAfter, error);
            deps.audit().append(c, now, "system", null, "erase." + status.wireName(), request.projectId(),
                    request.userId(), detail("request", Long.toString(request.id()),
                            "partsRewritten", Long.toString(counted.partsRewritten()),
                            "eventsRemoved", Long.toString(counted.eventsRemoved())));
            return null;
        });
        LOG.info("erase request {} ({}) is {}{}", request.id(), scope(request), status.wireName(),
                error == null ? "" : ": " + error);
    }

    private long projectBytes(EraseRequest request) {
        return deps.store().snapshot().parts().stream().filter(p -> inScope(request, p.projectId()))
                .mapToLong(PartRecord::sizeBytes).sum();
    }

    private static boolean inScope(EraseRequest request, long projectId) {
        return request.projectId() == null || request.projectId() == projectId;
    }

    private static String scope(EraseRequest request) {
        return request.projectId() == null ? "every project" : "project " + request.projectId();
    }

    /** {@code {"k1":"v1",...}}: an audit entry's detail (as security's AuditDetail writes them). */
    private static String detail(String... namesAndValues) {
        ObjectNode detail = JSON.createObjectNode();
        for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
            detail.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return detail.toString();
    }

    /** Stops the thread; a request it was running stays running and resumes at the next start. */
    @Override
    public void close() {
        closing = true;
        synchronized (signal) {
            signal.notifyAll();
        }
        thread.interrupt();
        try {
            thread.join(Duration.ofMinutes(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
