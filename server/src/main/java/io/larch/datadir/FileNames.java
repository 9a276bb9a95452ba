package io.larch.datadir;

import io.larch.model.Kind;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Every name Larch gives to something on disk, in one place.
 *
 * <pre>
 * {data dir}/
 *   LOCK                                   held by the running server (or a local CLI)
 *   larch.db                               SQLite metadata (default)
 *   run/server.json                        address and local CLI token of the running server
 *   wal/{kind}/{segment id, 16 hex}.wal    write-ahead log segments
 *   parts/{project id}/{kind}/{name}.parquet
 *   parts/{project id}/{kind}/{name}.bloom   its token bloom filters
 *   parts/{project id}/{kind}/{name}.rollup.parquet   its counts per minute, level, fingerprint
 *   tmp/                                   files being written; emptied at start-up
 *   cache/{project id}/{kind}/{name}.parquet   parts fetched back from the archive (bounded, LRU)
 *   archive/                               the embedded archive (LARCH_ARCHIVE_STORE=local)
 *   node-instance                          a random id naming this data dir in the node registry
 * </pre>
 */
public final class FileNames {
    public static final String LOCK = "LOCK";
    public static final String RUN_DIR = "run";
    public static final String SERVER_INFO = "server.json";
    public static final String WAL_DIR = "wal";
    public static final String WAL_SUFFIX = ".wal";
    public static final String PARTS_DIR = "parts";
    public static final String PART_SUFFIX = ".parquet";
    /** A part's token bloom filters, beside it: {@code {name}.bloom}. */
    public static final String BLOOM_SUFFIX = ".bloom";
    /** A part's exact index (rows per identifier value), beside it: {@code {name}.postings}. */
    public static final String POSTINGS_SUFFIX = ".postings";
    /** A part's counts per minute, level and fingerprint, beside it: {@code {name}.rollup.parquet}. */
    public static final String ROLLUP_SUFFIX = ".rollup.parquet";
    public static final String TMP_DIR = "tmp";
    /** Where the files of parts that failed their checksum are moved, kept for inspection. */
    public static final String QUARANTINE_DIR = "quarantine";
    public static final String TMP_SUFFIX = ".tmp";
    /** Where parts whose local file was deleted after archiving are fetched back to for queries. */
    public static final String CACHE_DIR = "cache";
    /** A random id naming this data dir in the node registry (several nodes), made on first start. */
    public static final String NODE_INSTANCE = "node-instance";

    private FileNames() {
    }

    public static Path walDir(Path dataDir, Kind kind) {
        return dataDir.resolve(WAL_DIR).resolve(kind.wireName());
    }

    public static Path segmentFile(Path dataDir, Kind kind, long segmentId) {
        return walDir(dataDir, kind).resolve(segmentFileName(segmentId));
    }

    public static String segmentFileName(long segmentId) {
        return HexFormat.of().toHexDigits(segmentId) + WAL_SUFFIX;
    }

    /** The segment id in a segment file name, or empty when the name is not one. */
    public static OptionalLong parseSegmentFileName(String fileName) {
        if (!fileName.endsWith(WAL_SUFFIX) || fileName.length() != 16 + WAL_SUFFIX.length()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(HexFormat.fromHexDigitsToLong(fileName.substring(0, 16)));
        } catch (IllegalArgumentException e) {
            return OptionalLong.empty();
        }
    }

    public static Path partsDir(Path dataDir) {
        return dataDir.resolve(PARTS_DIR);
    }

    public static Path partFile(Path dataDir, long projectId, Kind kind, String partName) {
        return partsDir(dataDir).resolve(Long.toString(projectId)).resolve(kind.wireName()).resolve(partName + PART_SUFFIX);
    }

    /**
     * A part sealed from a WAL segment, for one project and kind (a segment may hold several
     * kinds: a request's batch is one record): the same segment always yields the same names, so
     * a retried seal overwrites. Parts sealed before 2026-12 lack the kind suffix.
     */
    public static String sealedPartName(int nodeId, long segmentId, long projectId, Kind kind) {
        return String.format(Locale.ROOT, "s%d-%016x-%d-%s", nodeId, segmentId, projectId, kind.wireName());
    }

    public static Path bloomFile(Path dataDir, long projectId, Kind kind, String partName) {
        return partsDir(dataDir).resolve(Long.toString(projectId)).resolve(kind.wireName()).resolve(partName + BLOOM_SUFFIX);
    }

    public static Path postingsFile(Path dataDir, long projectId, Kind kind, String partName) {
        return partsDir(dataDir).resolve(Long.toString(projectId)).resolve(kind.wireName()).resolve(partName + POSTINGS_SUFFIX);
    }

    public static Path rollupFile(Path dataDir, long projectId, Kind kind, String partName) {
        return partsDir(dataDir).resolve(Long.toString(projectId)).resolve(kind.wireName()).resolve(partName + ROLLUP_SUFFIX);
    }

    /** The part name of a part, bloom, postings or rollup file name, or null when the name is none of them. */
    public static String partNameOf(String fileName) {
        for (String suffix : new String[] {ROLLUP_SUFFIX, PART_SUFFIX, BLOOM_SUFFIX, POSTINGS_SUFFIX}) {
            if (fileName.endsWith(suffix)) {
                return fileName.substring(0, fileName.length() - suffix.length());
            }
        }
        return null;
    }

    /** A part merged by compaction from catalog parts {@code firstInputId..lastInputId}. */
    public static String compactedPartName(int nodeId, long firstInputId, long lastInputId) {
        return String.format(Locale.ROOT, "c%d-%x-%x", nodeId, firstInputId, lastInputId);
    }

    public static Path cacheDir(Path dataDir) {
        return dataDir.resolve(CACHE_DIR);
    }

    /** Where a part that lives only in the archive is fetched back to. */
    public static Path cachedPartFile(Path dataDir, long projectId, Kind kind, String partName) {
        return cacheDir(dataDir).resolve(Long.toString(projectId)).resolve(kind.wireName()).resolve(partName + PART_SUFFIX);
    }

    /**
     * A part rewritten by erase request {@code requestId} from catalog part {@code inputId},
     * without one user's rows: a resumed request writes the same name again.
     */
    public static String erasedPartName(int nodeId, long inputId, long requestId) {
        return String.format(Locale.ROOT, "e%d-%x-%x", nodeId, inputId, requestId);
    }

    public static Path quarantineDir(Path dataDir) {
        return dataDir.resolve(QUARANTINE_DIR);
    }

    public static Path tmpDir(Path dataDir) {
        return dataDir.resolve(TMP_DIR);
    }

}
