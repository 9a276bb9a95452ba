package io.larch.objectstore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link ObjectStore} must do (its javadoc, case by case). A store's test extends this
 * and says how to open a fresh, empty store and how to tell whether an upload reached it.
 */
abstract class ObjectStoreContract {
    @TempDir
    Path tmp;
    ObjectStore store;

    /** A new, empty store for one test. */
    abstract ObjectStore openStore() throws IOException;

    /** Something that changes whenever an upload of {@code key} reaches the store (a request count, a file's identity). */
    abstract Object uploadWitness(String key) throws IOException;

    @BeforeEach
    void open() throws IOException {
        store = openStore();
    }

    @AfterEach
    void close() {
        store.close();
    }

    Path file(String name, byte[] bytes) throws IOException {
        return Files.write(tmp.resolve(name), bytes);
    }

    Path file(String name, String text) throws IOException {
        return file(name, text.getBytes(StandardCharsets.UTF_8));
    }

    StoredObject put(String key, Path file) {
        return store.put(key, file, Digests.md5(file));
    }

    byte[] get(String key) throws IOException {
        Path target = tmp.resolve("got-" + System.nanoTime());
        store.get(key, target);
        return Files.readAllBytes(target);
    }

    static String md5Hex(Path file) {
        return HexFormat.of().formatHex(Digests.md5(file));
    }

    @Test
    void putThenStatAndGetRoundTrip() throws IOException {
        Path file = file("a", "part bytes");
        StoredObject stored = put("app/2026/12/03/0-1.parquet", file);
        assertEquals(new StoredObject("app/2026/12/03/0-1.parquet", 10, md5Hex(file)), stored);
        assertEquals(Optional.of(stored), store.stat("app/2026/12/03/0-1.parquet"));
        assertEquals("part bytes", new String(get("app/2026/12/03/0-1.parquet"), StandardCharsets.UTF_8));
    }

    @Test
    void puttingTheSameBytesAgainIsANoOp() throws IOException {
        Path file = file("a", "same bytes");
        StoredObject first = put("k/same", file);
        Object witness = uploadWitness("k/same");
        assertEquals(first, put("k/same", file), "the same StoredObject");
        assertEquals(first, store.put("k/same", file("copy", "same bytes"), Digests.md5(file)), "another file, same bytes");
        assertEquals(witness, uploadWitness("k/same"), "no second upload reached the store");
    }

    @Test
    void puttingOtherBytesReplacesTheObjectWhole() throws IOException {
        put("k/replaced", file("a", "first version, longer"));
        Path second = file("b", "second");
        assertEquals(new StoredObject("k/replaced", 6, md5Hex(second)), put("k/replaced", second));
        assertEquals("second", new String(get("k/replaced"), StandardCharsets.UTF_8));
        assertEquals(1, store.list("k/").size());
    }

    @Test
    void aWrongMd5IsRejectedAndNothingIsStored() throws IOException {
        Path file = file("a", "the real bytes");
        byte[] wrong = Digests.md5(file("b", "other bytes"));
        assertThrows(ObjectDigestException.class, () -> store.put("k/new", file, wrong));
        assertEquals(Optional.empty(), store.stat("k/new"));
        assertEquals(List.of(), store.list("k/"));
        Path old = file("c", "old bytes");
        StoredObject kept = put("k/old", old);
        assertThrows(ObjectDigestException.class, () -> store.put("k/old", file, wrong));
        assertEquals(Optional.of(kept), store.stat("k/old"), "the object under the key is untouched");
        assertEquals("old bytes", new String(get("k/old"), StandardCharsets.UTF_8));
    }

    @Test
    void aMissingKeyIsNotFoundEmptyAndDeletedAsANoOp() {
        Path target = tmp.resolve("target");
        assertThrows(ObjectNotFoundException.class, () -> store.get("no/such/key", target));
        assertFalse(Files.exists(target));
        assertEquals(Optional.empty(), store.stat("no/such/key"));
        store.delete("no/such/key");
        assertEquals(List.of(), store.list("no/"));
    }

    @Test
    void deleteRemovesTheObject() throws IOException {
        put("k/gone", file("a", "bytes"));
        store.delete("k/gone");
        assertEquals(Optional.empty(), store.stat("k/gone"));
        assertThrows(ObjectNotFoundException.class, () -> store.get("k/gone", tmp.resolve("t")));
        store.delete("k/gone");
    }

    @Test
    void listsByPrefixInKeyOrder() throws IOException {
        for (String key : List.of("app/2026/12/02/0-9.parquet", "build/x", "app/2026/12/01/0-2.parquet", "app/2026/12/01/0-10.parquet",
                "apple", "app/2026/12/01/1-1.parquet")) {
            put(key, file("f", key));
        }
        assertEquals(List.of("app/2026/12/01/0-10.parquet", "app/2026/12/01/0-2.parquet", "app/2026/12/01/1-1.parquet",
                "app/2026/12/02/0-9.parquet"), keys(store.list("app/")));
        assertEquals(List.of("app/2026/12/01/0-10.parquet", "app/2026/12/01/0-2.parquet", "app/2026/12/01/1-1.parquet"),
                keys(store.list("app/2026/12/01/")));
        assertEquals(List.of("app/2026/12/01/0-10.parquet", "app/2026/12/01/0-2.parquet", "app/2026/12/01/1-1.parquet",
                "app/2026/12/02/0-9.parquet", "apple"), keys(store.list("app")));
        assertEquals(6, store.list("").size());
        assertEquals(List.of(), store.list("work/"));
        StoredObject build = store.list("build/").getFirst();
        assertEquals(new StoredObject("build/x", 7, md5Hex(file("g", "build/x"))), build, "list reports size and MD5");
    }

    @Test
    void keysWithNestedPaths() throws IOException {
        put("a/b/c/d/e/f.parquet", file("a", "deep"));
        put("a/b/sibling.parquet", file("b", "shallow"));
        assertEquals("deep", new String(get("a/b/c/d/e/f.parquet"), StandardCharsets.UTF_8));
        assertEquals(List.of("a/b/c/d/e/f.parquet", "a/b/sibling.parquet"), keys(store.list("a/b/")));
        store.delete("a/b/c/d/e/f.parquet");
        assertEquals(List.of("a/b/sibling.parquet"), keys(store.list("a/")));
    }

    @Test
    void getReplacesAnExistingTargetAndLeavesNoTemporaryFile() throws IOException {
        put("k/v", file("a", "new content"));
        Path dir = Files.createDirectory(tmp.resolve("downloads"));
        Path target = Files.writeString(dir.resolve("part.parquet"), "stale");
        store.get("k/v", target);
        assertEquals("new content", Files.readString(target));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void aLargeObjectRoundTrips() throws IOException {
        byte[] bytes = new byte[20 * 1024 * 1024 + 17];
        new Random(7).nextBytes(bytes);
        Path file = file("large", bytes);
        StoredObject stored = put("large/20mb.parquet", file);
        assertEquals(bytes.length, stored.sizeBytes());
        assertArrayEquals(bytes, get("large/20mb.parquet"));
    }

    @Test
    void concurrentPutsOfDistinctKeys() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<StoredObject>> puts = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                Path file = file("c" + i, "object " + i + " " + "x".repeat(i * 1000));
                String key = "concurrent/" + (i % 4) + "/" + i;
                puts.add(pool.submit(() -> put(key, file)));
            }
            for (Future<StoredObject> put : puts) {
                put.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(32, store.list("concurrent/").size());
        for (int i = 0; i < 32; i++) {
            assertEquals("object " + i + " " + "x".repeat(i * 1000),
                    new String(get("concurrent/" + (i % 4) + "/" + i), StandardCharsets.UTF_8));
        }
    }

    @Test
    void describeSaysWhereObjectsAre() {
        assertTrue(!store.describe().isBlank());
    }

    static List<String> keys(List<StoredObject> objects) {
        return objects.stream().map(StoredObject::key).toList();
    }
}
