package io.larch.storage;

import io.larch.model.LogEvent;
import io.larch.model.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Builds a part's {@link TokenBloom} file from its rows, in part order. Each block's filter is
 * sized for its own distinct tokens at about 1% false positives (10 bits and 7 hashes per token).
 */
public final class TokenBloomWriter {
    private static final int BITS_PER_TOKEN = 10;
    private static final int HASHES = 7;

    private final int blockRows;
    private final ByteArrayOutputStream blocks = new ByteArrayOutputStream();
    private final LongHashSet blockTokens = new LongHashSet();
    private int blockCount;
    private int rowsInBlock;

    public TokenBloomWriter(int blockRows) {
        this.blockRows = blockRows;
    }

    /** Adds the next row's text fields (null ones are skipped). */
    public void addRow(String message, String source, String stack) {
        addTokens(message);
        addTokens(source);
        addTokens(stack);
        if (++rowsInBlock == blockRows) {
            finishBlock();
        }
    }

    public void addRow(LogEvent event) {
        addRow(event.message(), event.source(), event.stack());
    }

    private void addTokens(String text) {
        if (text != null) {
            Tokenizer.forEachToken(text, (start, end) ->
                    blockTokens.add(TokenBloom.hash(Tokenizer.lowercase(text, start, end))));
        }
    }

    private void finishBlock() {
        if (rowsInBlock == 0) {
            return;
        }
        int tokens = Math.max(1, blockTokens.size());
        int words = (int) Math.max(1, ((long) tokens * BITS_PER_TOKEN + 63) / 64);
        long[] bits = new long[words];
        long numBits = (long) words * 64;
        blockTokens.forEach(hash -> {
            int h1 = (int) hash;
            int h2 = (int) (hash >>> 32);
            for (int i = 1; i <= HASHES; i++) {
                int combined = h1 + i * h2;
                long bit = (combined & Integer.MAX_VALUE) % numBits;
                bits[(int) (bit >>> 6)] |= 1L << (bit & 63);
            }
        });
        ByteBuffer block = ByteBuffer.allocate(12 + words * 8).order(ByteOrder.LITTLE_ENDIAN);
        block.putInt(rowsInBlock).putInt(HASHES).putInt(words);
        for (long word : bits) {
            block.putLong(word);
        }
        blocks.writeBytes(block.array());
        blockCount++;
        rowsInBlock = 0;
        blockTokens.clear();
    }

    /** Writes the file (not fsynced; the caller installs it like the part itself). */
    public void write(Path file) throws IOException {
        finishBlock();
        ByteBuffer header = ByteBuffer.allocate(TokenBloom.MAGIC.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        header.put(TokenBloom.MAGIC).putInt(blockRows).putInt(blockCount);
        byte[] body = blocks.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(header.array());
        crc.update(body);
        ByteBuffer trailer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(header.array());
            out.write(body);
            out.write(trailer.array());
        }
    }

    /** Writes the bloom file for {@code rows}, which must be in part order. */
    public static void write(List<LogEvent> rows, int blockRows, Path file) throws IOException {
        TokenBloomWriter writer = new TokenBloomWriter(blockRows);
        for (LogEvent row : rows) {
            writer.addRow(row);
        }
        writer.write(file);
    }
}
