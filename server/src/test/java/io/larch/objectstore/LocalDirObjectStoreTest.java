package io.larch.objectstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.junit.jupiter.api.Test;

class LocalDirObjectStoreTest extends ObjectStoreContract {
    Path root;

    @Override
    ObjectStore openStore() throws IOException {
        root = Files.createDirectories(tmp.resolve("archive"));
        return new LocalDirObjectStore(root);
    }

    /** Every upload writes a new file and renames it into place, so the file's identity (its inode) changes. */
    @Override
    Object uploadWitness(String key) throws IOException {
        return Files.readAttributes(root.resolve(key), BasicFileAttributes.class).fileKey();
    }

    @Test
    void keysThatWouldLeaveTheDirectoryAreRefused() throws IOException {
        Path file = file("a", "x");
        byte[] md5 = Digests.md5(file);
        for (String key : new String[] {"", "/abs", "../out", "a/../../out", ".tmp/x", "a\\b"}) {
            assertThrows(IllegalArgumentException.class, () -> store.put(key, file, md5), key);
        }
    }

    @Test
    void theTemporaryDirectoryIsNotListed() throws IOException {
        Files.writeString(root.resolve(".tmp").resolve("left-over.tmp"), "crash leftover");
        assertEquals(0, store.list("").size());
    }
}
