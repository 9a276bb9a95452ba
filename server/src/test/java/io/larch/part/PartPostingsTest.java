package io.larch.part;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.LogEvent;
import io.larch.testing.RandomCorpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Postings give exactly the rows that hold each value, also after concatenation, and damage reads as absent. */
class PartPostingsTest {
    @TempDir
    Path dir;

    private static final List<Function<LogEvent, String>> FIELDS = List.of(LogEvent::userId,
            LogEvent::conversationId, LogEvent::buildId, LogEvent::deploymentId, LogEvent::traceId,
            LogEvent::fingerprint);

    @Test
    void everyIndexedValueMapsToExactlyItsRows() throws Exception {
        List<LogEvent> rows = new RandomCorpus(11).events(5_000);
        Path file = dir.resolve("p.postings");
        PartPostingsWriter.write(rows, file);
        PartPostings postings = PartPostings.open(file);
        assertNotNull(postings);
        assertExact(rows, postings);
        assertEquals(0, postings.rows(TokenBloom.fieldHash(PartColumns.USER_ID, "nobody")).length);
        assertEquals(0, postings.count(TokenBloom.fieldHash(PartColumns.USER_ID, "nobody")));
        String source = rows.stream().map(LogEvent::source).filter(v -> v != null).findFirst().orElseThrow();
        assertEquals(0, postings.count(TokenBloom.fieldHash(PartColumns.SOURCE, source)),
                "source has no postings (the blooms answer it)");
    }

    @Test
    void concatenatedPostingsAreThoseOfTheConcatenatedRows() throws Exception {
        RandomCorpus corpus = new RandomCorpus(12);
        List<LogEvent> first = corpus.events(3_000);
        List<LogEvent> second = corpus.events(1_234);
        Path a = dir.resolve("a.postings");
        Path b = dir.resolve("b.postings");
        PartPostingsWriter.write(first, a);
        PartPostingsWriter.write(second, b);
        Path merged = dir.resolve("m.postings");
        assertTrue(PartPostingsWriter.concatenate(List.of(PartPostings.open(a), PartPostings.open(b)),
                List.of((long) first.size(), (long) second.size()), merged));
        List<LogEvent> all = new ArrayList<>(first);
        all.addAll(second);
        assertExact(all, PartPostings.open(merged));
        assertTrue(!PartPostingsWriter.concatenate(java.util.Arrays.asList(PartPostings.open(a), null),
                List.of(1L, 1L), dir.resolve("x.postings")), "an input without postings: rebuild from rows");
    }

    @Test
    void aDamagedOrTruncatedFileReadsAsAbsent() throws Exception {
        Path file = dir.resolve("p.postings");
        PartPostingsWriter.write(new RandomCorpus(13).events(500), file);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(file, bytes);
        assertNull(PartPostings.open(file));
        Files.write(file, java.util.Arrays.copyOf(bytes, 10));
        assertNull(PartPostings.open(file));
        assertNull(PartPostings.open(dir.resolve("missing.postings")));
    }

    private static void assertExact(List<LogEvent> rows, PartPostings postings) {
        String[] columns = TokenBloom.POSTED_FIELDS.toArray(new String[0]);
        int checked = 0;
        for (int f = 0; f < columns.length; f++) {
            Function<LogEvent, String> field = FIELDS.get(f);
            for (String value : rows.stream().map(field).filter(v -> v != null).distinct().toList()) {
                long[] expected = LongStream.range(0, rows.size()).filter(r -> value.equals(field.apply(rows.get((int) r))))
                        .toArray();
                long key = TokenBloom.fieldHash(columns[f], value);
                assertArrayEquals(expected, postings.rows(key), columns[f] + "=" + value);
                assertEquals(expected.length, postings.count(key));
                checked++;
            }
        }
        assertTrue(checked > 15, checked + " values checked");
    }
}
