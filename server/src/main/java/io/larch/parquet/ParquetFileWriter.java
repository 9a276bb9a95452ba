package io.larch.parquet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Lays out a Parquet file: the magic, row groups (each leaf's chunk encoded by a
 * {@link ParquetChunkEncoder}), the footer. What goes in the rows is the caller's: it fills the
 * leaves for each row group.
 */
public final class ParquetFileWriter {
    private static final String CREATED_BY = "larch";

    /** Fills the (cleared) leaves with rows [from, to). */
    public interface RowGroupSource {
        void fill(int from, int to);
    }

    private ParquetFileWriter() {
    }

    /** Writes {@code rows} rows to the new file {@code file}; returns its size. */
    public static long write(Path file, List<ParquetFooterWriter.SchemaElement> schema, List<ParquetLeaf> leaves, int rows,
                      int rowGroupRows, int zstdLevel, RowGroupSource source) throws IOException {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             ParquetChunkEncoder encoder = new ParquetChunkEncoder(zstdLevel)) {
            writeFully(out, ByteBuffer.wrap(ParquetFooter.MAGIC));
            ByteSink rowGroupBytes = new ByteSink(1 << 20);
            List<byte[]> rowGroups = new ArrayList<>();
            for (int from = 0; from < rows; from += rowGroupRows) {
                int to = Math.min(rows, from + rowGroupRows);
                for (ParquetLeaf leaf : leaves) {
                    leaf.clear();
                }
                source.fill(from, to);
                long start = out.position();
                rowGroupBytes.reset();
                List<ParquetChunkEncoder.ChunkMeta> chunks = new ArrayList<>();
                for (ParquetLeaf leaf : leaves) {
                    chunks.add(encoder.encode(leaf, rowGroupBytes, start));
                }
                writeFully(out, ByteBuffer.wrap(rowGroupBytes.array(), 0, rowGroupBytes.size()));
                rowGroups.add(ParquetFooterWriter.rowGroup(chunks, to - from, start, rowGroups.size()));
            }
            byte[] footer = ParquetFooterWriter.fileMetaData(schema, rows, rowGroups, leaves.size(), CREATED_BY);
            writeFully(out, ByteBuffer.wrap(footer));
            writeFully(out, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, footer.length));
            writeFully(out, ByteBuffer.wrap(ParquetFooter.MAGIC));
            return out.position();
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }
}
