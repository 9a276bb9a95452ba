package io.larch.logback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    @TempDir
    Path dir;

    @Test
    void keepsBatchesInOrderAcrossAReopen() throws Exception {
        Spool spool = Spool.open(dir, 1_000_000);
        assertTrue(spool.isEmpty());
        assertNull(spool.oldest());
        spool.add(List.of("{\"message\":\"a\"}", "{\"message\":\"b\"}"));
        spool.add(List.of("{\"message\":\"c\"}"));
        assertEquals(3, spool.waitingEvents());

        Spool reopened = Spool.open(dir, 1_000_000);
        assertEquals(3, reopened.waitingEvents());
        assertEquals(List.of("{\"message\":\"a\"}", "{\"message\":\"b\"}"), reopened.oldest());
        assertEquals(reopened.oldest(), reopened.oldest(), "the same until removed");
        reopened.removeOldest();
        assertEquals(List.of("{\"message\":\"c\"}"), reopened.oldest());
        reopened.add(List.of("{\"message\":\"d\"}"));
        reopened.removeOldest();
        assertEquals(List.of("{\"message\":\"d\"}"), reopened.oldest(), "numbering goes on after the reopen");
        reopened.removeOldest();
        assertTrue(reopened.isEmpty());
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void dropsTheOldestBatchesBeyondItsSizeButKeepsTheNewest() throws Exception {
        String line = "x".repeat(99); // 100 bytes with its newline
        Spool spool = Spool.open(dir, 350);
        for (int i = 0; i < 5; i++) {
            spool.add(List.of(line.substring(1) + i));
        }
        assertEquals(3, spool.waitingEvents());
        assertEquals(2, spool.droppedEvents());
        assertTrue(spool.bytes() <= 350);
        assertEquals(List.of(line.substring(1) + 2), spool.oldest());
        Spool tiny = Spool.open(dir.resolve("tiny"), 10);
        tiny.add(List.of(line));
        assertFalse(tiny.isEmpty(), "a batch larger than the bound is still kept while it is the only one");
    }

    @Test
    void aTemporaryFileLeftByACrashIsDeletedAtOpen() throws Exception {
        Files.writeString(dir.resolve(Spool.segmentName(7) + Spool.TEMPORARY_SUFFIX), "{\"message\":\"half");
        Files.writeString(dir.resolve(Spool.segmentName(3)), "{\"message\":\"whole\"}\n");
        Spool spool = Spool.open(dir, 1_000_000);
        assertEquals(1, spool.waitingEvents());
        assertFalse(Files.exists(dir.resolve(Spool.segmentName(7) + Spool.TEMPORARY_SUFFIX)));
        spool.add(List.of("{\"message\":\"next\"}"));
        assertTrue(Files.exists(dir.resolve(Spool.segmentName(4))), "numbered after the highest segment found");
    }
}
