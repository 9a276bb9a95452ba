package io.larch.storage;

import io.larch.datadir.FileNames;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.wal.SegmentReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The sealer's view of the WAL: the closed segment files of one data dir. */
public record WalSegments(Path dataDir) implements SegmentSource {
    @Override
    public long eventCount(long segmentId, Kind kind) throws IOException {
        return SegmentReader.countEvents(FileNames.segmentFile(dataDir, kind, segmentId));
    }

    @Override
    public List<LogEvent> events(long segmentId, Kind kind) throws IOException {
        return SegmentReader.read(FileNames.segmentFile(dataDir, kind, segmentId)).events();
    }

    @Override
    public void delete(long segmentId, Kind kind) throws IOException {
        Files.deleteIfExists(FileNames.segmentFile(dataDir, kind, segmentId));
    }
}
