package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.datadir.FileNames;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recreates, on disk, the states a crash can leave at each step of sealing (see
 * {@code Sealer.seal}), and checks that start-up turns each into exactly the acknowledged events.
 */
class SealingRecoveryTest {
    @TempDir
    Path dataDir;
    @TempDir
    Path aside;

    private static int count(HttpJson http, String key) {
        HttpJson.Response response = http.get("/api/log", key, Map.of("limit", "1000"));
        assertEquals(200, response.status(), response.body());
        return response.json().get("events").size();
    }

    private static void ingest(HttpJson http, String key, int events, String word) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < events; i++) {
            body.append(i == 0 ? "" : ",").append("{\"message\":\"").append(word).append(' ').append(i).append("\"}");
        }
        assertEquals(202, http.post("/api/log", key, body.append(']').toString()).status());
    }

    private List<Path> files(String dir) throws IOException {
        Path root = dataDir.resolve(dir);
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private void copyWalAside() throws IOException {
        for (Path file : files(FileNames.WAL_DIR)) {
            Path target = aside.resolve(dataDir.relativize(file).toString());
            Files.createDirectories(target.getParent());
            Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void restoreWal() throws IOException {
        try (Stream<Path> files = Files.walk(aside)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Path target = dataDir.resolve(aside.relativize(file).toString());
                Files.createDirectories(target.getParent());
                Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private void sql(String statement) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("larch.db"));
             Statement s = c.createStatement()) {
            s.executeUpdate(statement);
        }
    }

    @Test
    void aSegmentSealedButNotYetDeletedIsNotReplayedTwice() throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            ingest(server.http(), key, 40, "sealed");
            server.stop();
            copyWalAside();
            server.start();
            server.sealNow();
            assertTrue(files(FileNames.WAL_DIR).isEmpty(), "sealing deletes the segment");
            server.stop();
            restoreWal();
            server.start();
            assertEquals(40, count(server.http(), key));
            assertTrue(files(FileNames.WAL_DIR).isEmpty(), "start-up deletes the already-sealed segment");
        }
    }

    @Test
    void partFilesOfAnUnpublishedSealAreRemovedAndTheSegmentSealedAgain() throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            ingest(server.http(), key, 40, "resealed");
            server.stop();
            copyWalAside();
            server.start();
            server.sealNow();
            server.stop();
            // The crash hit after the part file was renamed into place, before the catalog transaction.
            sql("DELETE FROM parts");
            sql("DELETE FROM sealed_segments");
            restoreWal();
            Path orphan = files(FileNames.PARTS_DIR).getFirst();
            try (RandomAccessFile file = new RandomAccessFile(orphan.toFile(), "rw")) {
                file.setLength(file.length() / 2);
            }
            server.start();
            assertEquals(40, count(server.http(), key), "replayed from the WAL, not from the half-written part");
            server.sealNow();
            assertEquals(40, count(server.http(), key));
            assertEquals(1, files(FileNames.PARTS_DIR).stream().filter(f -> f.toString().endsWith(FileNames.PART_SUFFIX)
                    && !f.toString().endsWith(FileNames.ROLLUP_SUFFIX)).count());
            server.restart();
            assertEquals(40, count(server.http(), key));
        }
    }

    @Test
    void leftoverTemporaryFilesAreCleanedAtStart() throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            server.stop();
            Files.writeString(dataDir.resolve(FileNames.TMP_DIR).resolve("segment-9.ndjson"), "{}");
            server.start();
            assertTrue(files(FileNames.TMP_DIR).isEmpty());
        }
    }

    @Test
    void aTornTailIsCutAndEverythingBeforeItKept() throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            ingest(server.http(), key, 25, "kept");
            server.stop();
            Path segment = files(FileNames.WAL_DIR).getFirst();
            Files.write(segment, new byte[] {0, 0, 1, 0, 1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
            server.start();
            assertEquals(25, count(server.http(), key));
            server.sealNow();
            assertEquals(25, count(server.http(), key));
            assertFalse(Files.exists(segment));
        }
    }
}
