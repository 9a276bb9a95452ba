package io.larch.logback;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

class JsonTextTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void escapesWhatJsonRequiresAndReadsBackTheSameString() throws Exception {
        BiConsumer<String, String> f = (in, want) -> {
            StringBuilder out = new StringBuilder();
            JsonText.appendString(out, in);
            assertEquals(want, out.toString());
            try {
                assertEquals(in, JSON.readValue(out.toString(), String.class), "Jackson reads it back");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        f.accept("plain", "\"plain\"");
        f.accept("say \"hi\"", "\"say \\\"hi\\\"\"");
        f.accept("C:\\dir", "\"C:\\\\dir\"");
        f.accept("a\nb\r\tc", "\"a\\nb\\r\\tc\"");
        f.accept("\u0000\u001f\b\f", "\"\\u0000\\u001f\\b\\f\"");
        f.accept("line\u2028sep", "\"line\\u2028sep\"");
        f.accept("grüße 日本 😀", "\"grüße 日本 😀\"");
        f.accept("", "\"\"");
    }

    @Test
    void truncatesByUtf8BytesWithoutSplittingACharacter() {
        BiConsumer<String, Integer> f = (in, maxBytes) -> {
            String cut = JsonText.truncateUtf8(in, maxBytes);
            int bytes = cut.getBytes(StandardCharsets.UTF_8).length;
            assertEquals(true, bytes <= maxBytes, cut);
            assertEquals(true, in.startsWith(cut));
            assertEquals(cut, new String(cut.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8), "valid UTF-8");
        };
        f.accept("abcdef", 3);
        f.accept("ééééé", 5);
        f.accept("😀😀😀", 5);
        f.accept("日本語", 4);
        assertEquals("short", JsonText.truncateUtf8("short", 100));
        assertEquals("😀", JsonText.truncateUtf8("😀😀", 7));
        assertEquals("ab", JsonText.truncateChars("ab😀", 3), "not between the halves of a surrogate pair");
        assertEquals("ab😀", JsonText.truncateChars("ab😀", 4));
    }
}
