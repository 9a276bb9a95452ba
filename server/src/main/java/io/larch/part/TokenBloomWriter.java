package io.larch.part;

import io.larch.model.LogEvent;
import io.larch.model.Tokenizer;
import io.larch.part.PartColumns;
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
    /**
     * 13 bits and 9 hashes per token: about 0.2% false positives. At 1% a needle search over
     * 50 M events read ~65 row groups for nothing (one per 100 blocks); at 0.2%, ~13, for 30%
     * more filter bytes (the filters are under a tenth of a part).
     */
    private static final int BITS_PER_TOKEN = 13;
    private static final int HASHES = 9;

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
        addTokens(event.message());
        addTokens(event.source());
        addTokens(event.stack());
        addField(SOURCE_STATE, event.source());
        addField(USER_STATE, event.userId());
        addField(CONVERSATION_STATE, event.conversationId());
        addField(BUILD_STATE, event.buildId());
        addField(DEPLOYMENT_STATE, event.deploymentId());
        addField(TRACE_STATE, event.traceId());
        addField(FINGERPRINT_STATE, event.fingerprint());
        addField(STATUS_STATE, event.status());
        if (++rowsInBlock == blockRows) {
            finishBlock();
        }
    }

    private static final long SOURCE_STATE = TokenBloom.fieldPrefixState(PartColumns.SOURCE);
    private static final long USER_STATE = TokenBloom.fieldPrefixState(PartColumns.USER_ID);
    private static final long CONVERSATION_STATE = TokenBloom.fieldPrefixState(PartColumns.CONVERSATION_ID);
    private static final long BUILD_STATE = TokenBloom.fieldPrefixState(PartColumns.BUILD_ID);
    private static final long DEPLOYMENT_STATE = TokenBloom.fieldPrefixState(PartColumns.DEPLOYMENT_ID);
    private static final long TRACE_STATE = TokenBloom.fieldPrefixState(PartColumns.TRACE_ID);
    private static final long FINGERPRINT_STATE = TokenBloom.fieldPrefixState(PartColumns.FINGERPRINT);
    private static final long STATUS_STATE = TokenBloom.fieldPrefixState(PartColumns.STATUS);

    private void addField(long prefixState, String value) {
        if (value != null) {
            blockTokens.add(TokenBloom.fieldHashFrom(prefixState, value));
        }
    }

    /**
     * Adds the hash of every token of {@code text}, hashing as it scans (one pass, no allocation)
     * for ASCII tokens; a token with a non-ASCII character goes through {@link TokenBloom#hashToken}.
     */
    private void addTokens(String text) {
        if (text == null) {
            return;
        }
        int length = text.length();
        int start = -1;
        long h = TokenBloom.FNV_OFFSET;
        boolean ascii = true;
        for (int i = 0; i <= length; i++) {
            char c = i < length ? text.charAt(i) : ' ';
            if (Tokenizer.isTokenChar(c)) {
                if (start < 0) {
                    start = i;
                    h = TokenBloom.FNV_OFFSET;
                    ascii = true;
                }
                if (c >= 0x80) {
                    ascii = false;
                } else {
                    h ^= c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
                    h *= TokenBloom.FNV_PRIME;
                }
            } else if (start >= 0) {
                blockTokens.add(ascii ? TokenBloom.finish(h) : TokenBloom.hashToken(text, start, i));
                start = -1;
            }
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
        ByteBuffer block = ByteBuffer.allocate(TokenBloom.BLOCK_HEADER + words * 8).order(ByteOrder.LITTLE_ENDIAN);
        block.putLong(firstRowOfBlock).putInt(rowsInBlock).putInt(HASHES).putInt(words);
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
