package io.larch.part;

import io.larch.datadir.FileNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where parts live on local disk, and start-up cleanup of what an interrupted seal left behind. */
public final class PartFiles {
    private static final Logger LOG = LoggerFactory.getLogger(PartFiles.class);
    private final Path dataDir;

    public PartFiles(Path dataDir) {
        this.dataDir = dataDir;
    }

    /**
     * The Parquet file queries read: the local file, or for a part that lives only in the archive
     * its copy in the cache (which the lifecycle's cache fetches before a query reads it).
     */
    public Path path(PartRecord part) {
        return part.isArchiveOnly() ? cachedPath(part) : localPath(part);
    }

    /** The part's own local file, whether or not it still exists. */
    public Path localPath(PartRecord part) {
        return FileNames.partFile(dataDir, part.projectId(), part.kind(), part.name());
    }

    /** Where the part is fetched back to from the archive. */
    public Path cachedPath(PartRecord part) {
        return FileNames.cachedPartFile(dataDir, part.projectId(), part.kind(), part.name());
    }

    /**
     * Deletes every file of a part that is gone from the catalog's view: its local Parquet file,
     * its cached copy, its blooms, postings and rollup. Missing files are skipped, so a delete
     * interrupted by a crash is finished by the next.
     */
    public void deleteAll(PartRecord part) throws IOException {
        for (Path file : List.of(localPath(part), cachedPath(part), bloomPath(part), postingsPath(part), rollupPath(part))) {
            Files.deleteIfExists(file);
        }
    }

    /** The directory of fetched-back parts. */
    public Path cacheDir() {
        return FileNames.cacheDir(dataDir);
    }

    public Path bloomPath(PartRecord part) {
        return FileNames.bloomFile(dataDir, part.projectId(), part.kind(), part.name());
    }

    public Path postingsPath(PartRecord part) {
        return FileNames.postingsFile(dataDir, part.projectId(), part.kind(), part.name());
    }

    public Path rollupPath(PartRecord part) {
        return FileNames.rollupFile(dataDir, part.projectId(), part.kind(), part.name());
    }

    /** {@code read_parquet} over the rollups of {@code parts}; {@code withFilename} adds a {@code filename} column. */
    public String readRollups(List<PartRecord> parts, boolean withFilename) {
        return "read_parquet([" + quotedRollupPaths(parts) + "]" + (withFilename ? ", filename = true" : "") + ")";
    }

    /** The rollup paths of {@code parts} as SQL string literals, comma-separated. */
    String quotedRollupPaths(List<PartRecord> parts) {
        StringBuilder files = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            files.append(i == 0 ? "" : ", ").append(DuckDbEngine.quotePath(rollupPath(parts.get(i))));
        }
        return files.toString();
    }

    public Path tmpDir() {
        return FileNames.tmpDir(dataDir);
    }

    /**
     * Moves the files of a part that failed its checks to {@code quarantine/{project}/{kind}/}
     * (kept for inspection; nothing reads them there). A query reading the part right now keeps
     * its open file. Missing files are skipped.
     */
    public void moveAside(PartRecord part) throws IOException {
        Path target = FileNames.quarantineDir(dataDir).resolve(Long.toString(part.projectId()))
                .resolve(part.kind().wireName());
        Files.createDirectories(target);
        for (Path file : List.of(path(part), bloomPath(part), postingsPath(part), rollupPath(part))) {
            if (Files.exists(file)) {
                Files.move(file, target.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /**
     * Deletes what {@link #moveAside} kept of a quarantined part (and its cached copy): for
     * retention, which must not keep damaged data longer than whole data. Missing files are skipped.
     */
    public void deleteQuarantined(PartRecord part) throws IOException {
        Path aside = FileNames.quarantineDir(dataDir).resolve(Long.toString(part.projectId())).resolve(part.kind().wireName());
        for (Path file : List.of(localPath(part), bloomPath(part), postingsPath(part), rollupPath(part))) {
            Files.deleteIfExists(aside.resolve(file.getFileName()));
            Files.deleteIfExists(file);
        }
        Files.deleteIfExists(cachedPath(part));
    }

    /** Moves a rollup that failed its checksum aside: counts then come from the part's rows. */
    public void moveRollupAside(PartRecord part) throws IOException {
        Path target = FileNames.quarantineDir(dataDir).resolve(Long.toString(part.projectId()))
                .resolve(part.kind().wireName());
        Files.createDirectories(target);
        Path rollup = rollupPath(part);
        if (Files.exists(rollup)) {
            Files.move(rollup, target.resolve(rollup.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Deletes part files the catalog does not know (a crash hit after the file was written but
     * before it was published: its WAL segment is still there and will be sealed again) and
     * empties the temporary directory. Call before sealing starts.
     */
    public int removeUnpublished(Set<String> knownNames) throws IOException {
        int removed = 0;
        Path parts = FileNames.partsDir(dataDir);
        if (Files.isDirectory(parts)) {
            try (Stream<Path> files = Files.walk(parts)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String name = FileNames.partNameOf(file.getFileName().toString());
                    if (name == null || !knownNames.contains(name)) {
                        LOG.info("removing unpublished part file {}", file);
                        Files.delete(file);
                        removed++;
                    }
                }
            }
        }
        Path tmp = tmpDir();
        if (Files.isDirectory(tmp)) {
            try (Stream<Path> files = Files.walk(tmp)) {
                for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    if (!file.equals(tmp)) {
                        Files.delete(file);
                    }
                }
            }
        }
        Files.createDirectories(tmp);
        return removed;
    }
}
