package io.larch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SSE framing: the event stream interpretation of the HTML standard, one case per line. */
class SseReaderTest {

    /** Reads all of {@code stream} and renders each event as {@code type|data|lastEventId}, data's newlines as '/'. */
    private static List<String> events(String stream) {
        SseReader reader = new SseReader(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)));
        List<String> rendered = new ArrayList<>();
        try {
            for (SseReader.Event e; (e = reader.next()) != null; ) {
                rendered.add(e.type() + "|" + e.data().replace('\n', '/') + "|" + e.lastEventId());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rendered;
    }

    private static void check(String stream, String... expected) {
        assertEquals(List.of(expected), events(stream), stream);
    }

    @Test
    void readsBlocksAsTheStandardSays() {
        check("id: 1\nevent: log\ndata: {\"a\":1}\n\n", "log|{\"a\":1}|1");
        check("data: x\n\n", "message|x|null");
        check("data: one\ndata: two\ndata:\ndata: three\n\n", "message|one/two//three|null");
        check("data:no space\n\n", "message|no space|null");
        check("data:  two spaces\n\n", "message| two spaces|null");
        check("data\n\n", "message||null");
        check("data:\n\n", "message||null");
        check("data: a:b: c\n\n", "message|a:b: c|null");
        check("event: dropped\n\ndata: x\n\n", "message|x|null");
        check("event: end\ndata: {}\n\nevent: log\ndata: y\n\n", "end|{}|null", "log|y|null");
        check("data: é ✓ 😀\n\n", "message|é ✓ 😀|null");
    }

    @Test
    void skipsCommentsUnknownFieldsAndBlocksWithoutData() {
        check(": heartbeat\n\n: another\n\ndata: x\n\n", "message|x|null");
        check("data: a\n: a comment inside a block\ndata: b\n\n", "message|a/b|null");
        check("retry: 2000\n\n", new String[0]);
        check("foo: bar\ndata: x\nbar\n\n", "message|x|null");
        check("\n\n\n", new String[0]);
    }

    @Test
    void splitsLinesOnCrLfCrOrLf() {
        check("id: 1\r\nevent: log\r\ndata: a\r\ndata: b\r\n\r\n", "log|a/b|1");
        check("id: 1\revent: log\rdata: a\r\rdata: b\r\r", "log|a|1", "message|b|1");
        check("data: a\r\n\ndata: b\n\r\n", "message|a|null", "message|b|null");
        check("data: a\r\r\ndata: b\n\n", "message|a|null", "message|b|null");
    }

    @Test
    void keepsTheLastEventIdUntilAnotherReplacesIt() {
        check("id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n", "message|a|1", "message|b|1", "message|c|2");
        check("id: 1\n\ndata: a\n\n", "message|a|1");
        check("id: 1\ndata: a\n\nid\ndata: b\n\n", "message|a|1", "message|b|null");
        check("id: 1\ndata: a\n\nid: x\0y\ndata: b\n\n", "message|a|1", "message|b|1");
    }

    @Test
    void dropsABlockCutOffByTheEndOfTheStream() {
        check("data: a\n\ndata: b\n", "message|a|null");
        check("data: a\n\ndata: b", "message|a|null");
        check("");
    }

    @Test
    void ignoresAByteOrderMarkAtTheStart() {
        check("\uFEFFdata: a\n\n", "message|a|null");
        check("\uFEFF: comment\ndata: a\n\n", "message|a|null");
    }

    @Test
    void remembersRetryAndCountsComments() throws IOException {
        SseReader reader = new SseReader(input("retry: 2000\n: heartbeat\n\n: hb\nretry: soon\ndata: x\n\n"));
        assertEquals("x", reader.next().data());
        assertEquals(2000, reader.retryMillis());
        assertEquals(2, reader.comments());
        assertNull(reader.next());
    }

    @Test
    void dispatchesABlockEndingInCrWithoutWaitingForTheNextByte() throws IOException {
        // A stream that would block after the bytes given: the block must come out before that.
        InputStream blocksAfter = new InputStream() {
            private final byte[] bytes = "data: a\r\r".getBytes(StandardCharsets.UTF_8);
            private int next;

            @Override
            public int read() {
                if (next == bytes.length) {
                    throw new AssertionError("read past the block: it waited for more bytes");
                }
                return bytes[next++];
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (next == bytes.length) {
                    throw new AssertionError("read past the block: it waited for more bytes");
                }
                int n = Math.min(len, bytes.length - next);
                System.arraycopy(bytes, next, b, off, n);
                next += n;
                return n;
            }
        };
        assertEquals("a", new SseReader(blocksAfter).next().data());
    }

    private static InputStream input(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }
}
