package io.larch.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.Kind;
import io.larch.part.PartRecord;
import io.larch.testing.Events;
import io.larch.testing.LocalStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What counts as damage: a checksum mismatch or a missing file, never a check that could not run. */
class PartIntegrityTest {
    @TempDir
    Path dataDir;

    @Test
    void aCheckInterruptedAtShutdownQuarantinesNothing() throws Exception {
        try (LocalStore local = new LocalStore(dataDir)) {
            PartRecord part = local.seal(Kind.APP, Events.batch(1, 100, Kind.APP, "event")).getFirst();
            PartIntegrity integrity = local.engine.integrity();
            Thread.currentThread().interrupt();
            PartIntegrity.Check check;
            try {
                check = integrity.recheck(part);
            } finally {
                Thread.interrupted();
            }
            assertEquals(PartIntegrity.Check.UNKNOWN, check);
            assertEquals(List.of(part.id()), local.store.snapshot().parts().stream().map(PartRecord::id).toList());
            assertTrue(Files.exists(local.partFiles.path(part)), "nothing moved");
            assertEquals(PartIntegrity.Check.WHOLE, integrity.recheck(part));
        }
    }

    @Test
    void aMismatchQuarantinesAndAMissingFileToo() throws Exception {
        try (LocalStore local = new LocalStore(dataDir)) {
            List<PartRecord> parts = local.seal(Kind.APP, Events.batch(1, 100, Kind.APP, "event"));
            PartRecord flipped = parts.getFirst();
            PartRecord missing = local.seal(Kind.WORK, Events.batch(1000, 10, Kind.WORK, "work")).getFirst();
            byte[] bytes = Files.readAllBytes(local.partFiles.path(flipped));
            bytes[bytes.length / 3] ^= 0x04;
            Files.write(local.partFiles.path(flipped), bytes);
            Files.delete(local.partFiles.path(missing));
            PartIntegrity integrity = local.engine.integrity();
            assertEquals(PartIntegrity.Check.DAMAGED, integrity.recheck(flipped));
            assertFalse(integrity.readable(missing));
            assertEquals(List.of(), local.store.snapshot().parts());
            assertEquals(2, local.store.snapshot().quarantined().size());
            assertEquals(2, local.parts.listQuarantined().size());
            assertTrue(Files.exists(dataDir.resolve("quarantine/1/app").resolve(flipped.name() + ".parquet")));
            assertTrue(local.parts.listQuarantined().getFirst().reason().startsWith("checksum mismatch"));
            assertEquals("the file is missing", local.parts.listQuarantined().getLast().reason());
        }
    }
}
