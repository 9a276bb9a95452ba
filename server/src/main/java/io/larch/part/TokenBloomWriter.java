package io.larch.part;

import io.larch.model.LogEvent;
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
 * Builds a part's {@link TokenBloom} file from its rows, in part order, one filter per
 * {@code blockRows} rows. Each block's filter is sized for its own distinct tokens.
 */
public final class TokenBloomWriter {
    private final int blockRows;
    private final ByteArrayOutputStream blocks = new ByteArrayOutputStream();
    private final LongHashSet blockTokens = new LongHashSet();
    private int blockCount;
    private int rowsInBlock;
    private long firstRowOfBlock;

    public TokenBloomWriter(int blockRows) {
        this.blockRows = blockRows;
    }

    /** Adds the next row. */
    public void addRow(LogEvent event) {
        RowTokens.addTo(event, blockTokens);
        if (++rowsInBlock == blockRows) {
            finishBlock();
        }
    }

    private void finishBlock() {
        if (rowsInBlock == 0) {
            return;
        }
        long[] bits = BloomBits.of(blockTokens);
        int words = bits.length;
        ByteBuffer block = ByteBuffer.allocate(TokenBloom.BLOCK_HEADER + words * 8).order(ByteOrder.LITTLE_ENDIAN);
        block.putLong(firstRowOfBlock).putInt(rowsInBlock).putInt(BloomBits.HASHES).putInt(words);
        for (long word : bits) {
            block.putLong(word);
        }
        blocks.writeBytes(block.array());
        blockCount++;
        firstRowOfBlock += rowsInBlock;
        rowsInBlock = 0;
        blockTokens.clear();
    }

    /** Writes the file (not fsynced; the caller installs it like the part itself). */
    public void write(Path file) throws IOException {
        finishBlock();
        writeFile(file, blockCount, blocks.toByteArray());
    }

    /**
     * Writes the filters of a part made by concatenating {@code inputs}' rows in this order:
     * their blocks, renumbered. Returns false (writing nothing) when an input has no filters or
     * filters of the earlier folding, or filters damaged since they were opened (then the caller
     * builds them from the rows).
     */
    public static boolean concatenate(List<TokenBloom> inputs, List<Long> inputRows, Path file) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int blocks = 0;
        long offset = 0;
        for (int i = 0; i < inputs.size(); i++) {
            TokenBloom input = inputs.get(i);
            if (input == null || !input.foldsPerCodePoint() || !input.isStillWhole()) {
                return false;
            }
            for (int block = 0; block < input.blocks(); block++) {
                ByteBuffer bytes = input.blockBytes(block, offset);
                body.write(bytes.array(), 0, bytes.limit());
                blocks++;
            }
            offset += inputRows.get(i);
        }
        writeFile(file, blocks, body.toByteArray());
        return true;
    }

    private static void writeFile(Path file, int blockCount, byte[] body) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(TokenBloom.HEADER).order(ByteOrder.LITTLE_ENDIAN);
        header.put(TokenBloom.MAGIC).putInt(blockCount);
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
