package io.larch.part;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenBloomTest {
    @TempDir
    Path tmp;

    @Test
    void hasNoFalseNegativesAndFewFalsePositives() throws Exception {
        TokenBloomWriter writer = new TokenBloomWriter(1000);
        for (int row = 0; row < 2500; row++) {
            writer.addRow(new LogEvent(row, row, row, 1, Kind.APP, Level.INFO, "request " + row + " user_" + (row % 97) + " FAILED",
                    row % 2 == 0 ? "api" : null, null, "fp" + (row % 5), "u" + row, null, null, null, null, null, Map.of()));
        }
        Path file = tmp.resolve("p.bloom");
        writer.write(file);
        TokenBloom bloom = TokenBloom.open(file);
        assertEquals(3, bloom.blocks());
        assertEquals(2000, bloom.firstRow(2));
        assertEquals(1000, bloom.rowCount(0));
        assertEquals(500, bloom.rowCount(2));
        for (int row = 0; row < 2500; row++) {
            int block = row / 1000;
            assertTrue(bloom.mightContain(block, TokenBloom.hash(Integer.toString(row))), "row " + row);
            assertTrue(bloom.mightContain(block, TokenBloom.hash("user_" + (row % 97))));
        }
        assertTrue(bloom.mightContain(0, TokenBloom.hash("failed")), "tokens are lowercased");
        assertTrue(bloom.mightContain(1, TokenBloom.hash("api")));
        assertTrue(bloom.mightContain(2, TokenBloom.fieldHash("user_id", "u2100")), "whole field values are in too");
        assertTrue(bloom.mightContain(0, TokenBloom.fieldHash("fingerprint", "fp3")));
        assertTrue(!bloom.mightContain(0, TokenBloom.fieldHash("user_id", "U2100"))
                || !bloom.mightContain(1, TokenBloom.fieldHash("user_id", "U2100")), "field values are case-sensitive");
        int falsePositives = 0;
        int probes = 30_000;
        for (int i = 0; i < probes; i++) {
            falsePositives += bloom.mightContain(i % 3, TokenBloom.hash("absent" + i)) ? 1 : 0;
        }
        assertTrue(falsePositives < probes * 0.006, "false positive rate " + (double) falsePositives / probes);
    }

    @Test
    void hashingATokenInPlaceEqualsHashingItsLowercaseForm() {
        for (String text : new String[] {"Timeout", "TIMEOUT", "user_42", "Grüße", "KÖLN", "İstanbul", "日本語", "x"}) {
            assertEquals(TokenBloom.hash(io.larch.model.Tokenizer.tokens(text).getFirst()),
                    TokenBloom.hashToken("(" + text + ")", 1, text.length() + 1), text);
        }
    }

    @Test
    void everyTokenOfARowIsInItsBlockWhateverItsScript() throws Exception {
        TokenBloomWriter writer = new TokenBloomWriter(10);
        writer.addRow(new LogEvent(1, 1, 1, 1, Kind.APP, Level.INFO, "Grüße aus KÖLN, 日本語のログ x_Y-42!", "Svc",
                "at A.b(C.java:1)", "fp", null, null, null, null, null, null, Map.of()));
        Path file = tmp.resolve("u.bloom");
        writer.write(file);
        TokenBloom bloom = TokenBloom.open(file);
        for (String token : List.of("grüße", "aus", "köln", "日本語のログ", "x_y", "42", "svc", "at", "a", "b", "c", "java", "1")) {
            assertTrue(bloom.mightContain(0, TokenBloom.hash(token)), token);
        }
    }

    @Test
    void fieldHashesDoNotDependOnHowTheyAreComputed() {
        assertEquals(TokenBloom.hash("\u0000user_id\u0000u42"), TokenBloom.fieldHash("user_id", "u42"));
        assertEquals(TokenBloom.fieldHash("fingerprint", "abc"),
                TokenBloom.fieldHashFrom(TokenBloom.fieldPrefixState("fingerprint"), "abc"));
    }

    @Test
    void aDamagedFileReadsAsNoFilter() throws Exception {
        TokenBloomWriter writer = new TokenBloomWriter(10);
        writer.addRow(new LogEvent(1, 1, 1, 1, Kind.APP, Level.INFO, "hello", null, null, "fp", null, null, null, null,
                null, null, Map.of()));
        Path file = tmp.resolve("p.bloom");
        writer.write(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(20);
            raf.write(0x7f);
        }
        assertNull(TokenBloom.open(file));
        Files.write(file, new byte[3]);
        assertNull(TokenBloom.open(file));
        assertNull(TokenBloom.open(tmp.resolve("missing.bloom")));
    }
}
