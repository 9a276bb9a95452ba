package io.larch.wal;

import io.larch.datadir.FileNames;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up replay: finds the segments whose events are not yet in parts and reads them back.
 *
 * <p>Per segment file found: if the catalog records it as sealed, its events are in published
 * parts and the file is deleted (a crash hit between publishing and deleting). If it holds no
 * valid record, it is deleted. Otherwise its valid records are returned, a torn tail cut off.
 */
public final class WalRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(WalRecovery.class);

    private WalRecovery() {
    }

    /** A segment to load into the head and seal. */
    public record RecoveredSegment(long segmentId, Kind kind, List<LogEvent> events, boolean tailCut) {
    }

    /**
     * @param segments       unsealed segments, oldest first
     * @param nextSegmentId  above every segment id seen on disk or in the catalog
     * @param tornSegments   how many segments had a torn or corrupt tail cut off
     */
    public record Result(List<RecoveredSegment> segments, long nextSegmentId, int tornSegments) {
        public long maxEventId() {
            long max = 0;
            for (RecoveredSegment segment : segments) {
                for (LogEvent event : segment.events()) {
                    max = Math.max(max, event.id());
                }
            }
            return max;
        }
    }

    /**
     * @param readOnly when true (a CLI reading a stopped server's data), nothing is deleted
     */
    public static Result recover(Path dataDir, Set<Long> sealedSegmentIds, boolean readOnly) throws IOException {
        List<RecoveredSegment> segments = new ArrayList<>();
        long maxId = sealedSegmentIds.stream().mapToLong(Long::longValue).max().orElse(0);
        int torn = 0;
        for (Kind kind : Kind.values()) {
            Path dir = FileNames.walDir(dataDir, kind);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + FileNames.WAL_SUFFIX)) {
                for (Path file : files) {
                    OptionalLong id = FileNames.parseSegmentFileName(file.getFileName().toString());
                    if (id.isEmpty()) {
                        LOG.warn("ignoring unexpected file in the WAL directory: {}", file);
                        continue;
                    }
                    maxId = Math.max(maxId, id.getAsLong());
                    if (sealedSegmentIds.contains(id.getAsLong())) {
                        deleteUnlessReadOnly(file, readOnly);
                        continue;
                    }
                    SegmentReader.Contents contents = SegmentReader.read(file);
                    if (contents.tailCut()) {
                        torn++;
                        LOG.warn("wal segment {}: cut a torn or corrupt tail after {} valid records", file,
                                contents.records());
                    }
                    if (contents.events().isEmpty()) {
                        deleteUnlessReadOnly(file, readOnly);
                        continue;
                    }
                    segments.add(new RecoveredSegment(id.getAsLong(), kind, contents.events(), contents.tailCut()));
                }
            }
        }
        segments.sort(Comparator.comparingLong(RecoveredSegment::segmentId));
        return new Result(segments, maxId + 1, torn);
    }

    private static void deleteUnlessReadOnly(Path file, boolean readOnly) throws IOException {
        if (!readOnly) {
            Files.deleteIfExists(file);
        }
    }
}
