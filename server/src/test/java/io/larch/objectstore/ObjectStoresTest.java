package io.larch.objectstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.config.ConfigLoader;
import io.larch.config.LarchConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectStoresTest {
    @TempDir
    Path tmp;

    private LarchConfig.Archive archive(Map<String, String> env) {
        Map<String, String> withDataDir = new java.util.HashMap<>(env);
        withDataDir.put("LARCH_DATA_DIR", tmp.toString());
        return ConfigLoader.load(withDataDir, null, Map.of()).archive();
    }

    @Test
    void opensTheConfiguredStore() {
        try (ObjectStore local = ObjectStores.open(archive(Map.of()), tmp).orElseThrow()) {
            assertInstanceOf(LocalDirObjectStore.class, local);
            assertEquals(tmp.resolve("archive").toString(), local.describe());
            assertTrue(Files.isDirectory(tmp.resolve("archive")));
        }
        assertEquals(Optional.empty(), ObjectStores.open(archive(Map.of("LARCH_ARCHIVE_STORE", "off")), tmp));
        Map<String, String> s3 = Map.of("LARCH_ARCHIVE_STORE", "s3", "LARCH_S3_BUCKET", "larch-parts", "LARCH_S3_ENDPOINT",
                "http://127.0.0.1:9000", "LARCH_S3_PREFIX", "larch", "LARCH_S3_ACCESS_KEY_ID", "w", "LARCH_S3_SECRET_ACCESS_KEY", "ws");
        try (ObjectStore bucket = ObjectStores.open(archive(s3), tmp).orElseThrow()) {
            assertInstanceOf(S3ObjectStore.class, bucket);
            assertEquals("s3://larch-parts/larch/ at http://127.0.0.1:9000", bucket.describe());
        }
    }
}
