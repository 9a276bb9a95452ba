package io.larch.part;

import io.larch.parquet.ParquetFooter;
import io.larch.part.PartColumns;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads single row groups of parts without DuckDB, for searches whose words the blooms place in a
 * few row groups. DuckDB pays ~3-4 ms per row group it opens (it decodes every row of every
 * column); this decodes the text columns, lets the caller test each row's bytes for the query's
 * words, and builds events only for the rows that pass. Footers are parsed once per part and
 * kept for the most recently read parts. Thread-safe.
 */
public final class PartPointReader {
    /** Footers kept: about 1 KB per row group each, so a few MB at most. */
    private static final int FOOTERS_KEPT = 2048;
    /** Row groups larger than this are read through DuckDB (a corrupt size must not allocate gigabytes). */
    private static final long MAX_ROW_GROUP_BYTES = 64L * 1024 * 1024;

    private final PartFiles partFiles;
    private final Map<String, ParquetFooter> footers = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ParquetFooter> eldest) {
            return size() > FOOTERS_KEPT;
        }
    };

    public PartPointReader(PartFiles partFiles) {
        this.partFiles = partFiles;
    }

    /** The index of the row group of {@code part} that holds {@code row}. */
    public int rowGroupOf(PartRecord part, long row) throws IOException {
        List<ParquetFooter.RowGroup> groups = footer(part).rowGroups();
        for (int i = 0; i < groups.size(); i++) {
            if (row < groups.get(i).firstRow() + groups.get(i).rows()) {
                return i;
            }
        }
        throw new IOException("part " + part.name() + " has no row " + row);
    }

    /** A row group's place in its part and the span of its event times. */
    public record RowGroupSpan(int index, long firstRow, long rows, long minTs, long maxTs) {
    }

    /** The row groups of {@code part}, with their time spans from the footer statistics. */
    public List<RowGroupSpan> rowGroupSpans(PartRecord part) throws IOException {
        ParquetFooter footer = footer(part);
        Integer ts = footer.leafIndex().get(PartColumns.TS);
        if (ts == null) {
            throw new IOException("part " + part.name() + " has no ts column");
        }
        List<RowGroupSpan> spans = new ArrayList<>();
        for (int i = 0; i < footer.rowGroups().size(); i++) {
            ParquetFooter.RowGroup group = footer.rowGroups().get(i);
            ParquetFooter.Chunk chunk = group.chunks().get(ts);
            spans.add(new RowGroupSpan(i, group.firstRow(), group.rows(), chunk.min(), chunk.max()));
        }
        return spans;
    }

    /** Reads row group {@code index} of {@code part}; its columns are decoded as they are asked for. */
    public PartRowGroup rowGroup(PartRecord part, int index) throws IOException {
        ParquetFooter footer = footer(part);
        Path file = partFiles.path(part);
        if (index < 0 || index >= footer.rowGroups().size()) {
            throw new IOException(file + " has no row group " + index);
        }
        ParquetFooter.RowGroup group = footer.rowGroups().get(index);
        long start = Long.MAX_VALUE;
        long end = 0;
        for (ParquetFooter.Chunk chunk : group.chunks()) {
            start = Math.min(start, chunk.offset());
            end = Math.max(end, chunk.offset() + chunk.length());
        }
        if (start < 4 || end - start > MAX_ROW_GROUP_BYTES) {
            throw new IOException("row group " + index + " of " + file + " has an implausible extent");
        }
        ByteBuffer bytes = ByteBuffer.allocate((int) (end - start));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ParquetFooter.readFully(channel, bytes, start);
        }
        return new PartRowGroup(footer, group, bytes.array(), start);
    }

    private ParquetFooter footer(PartRecord part) throws IOException {
        ParquetFooter footer;
        synchronized (footers) {
            footer = footers.get(part.name());
        }
        if (footer == null) {
            footer = ParquetFooter.read(partFiles.path(part));
            synchronized (footers) {
                footers.put(part.name(), footer);
            }
        }
        long rows = footer.rowGroups().stream().mapToLong(ParquetFooter.RowGroup::rows).sum();
        if (rows != part.rowCount()) {
            synchronized (footers) {
                footers.remove(part.name());
            }
            throw new IOException("part " + part.name() + " holds " + rows + " rows, the catalog says " + part.rowCount());
        }
        return footer;
    }
}
