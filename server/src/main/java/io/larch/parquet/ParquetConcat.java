package io.larch.parquet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Concatenates Parquet files of one schema into one file by copying their row groups' bytes and
 * writing a footer that lists all of them, offsets shifted. Nothing is decoded or compressed
 * again (merging through DuckDB did both, about 5% of the server's CPU under full ingest), and
 * each input's row groups stay whole, so the inputs' per-row-group blooms still line up with the
 * merged file's row groups.
 */
public final class ParquetConcat {
    private ParquetConcat() {
    }

    /** The inputs cannot be concatenated (schemas differ, encryption, external column files). */
    public static final class IncompatibleException extends IOException {
        IncompatibleException(String message) {
            super(message);
        }
    }

    /** Writes {@code inputs} in order into {@code output}; returns the rows written. */
    public static long concat(List<Path> inputs, Path output) throws IOException {
        List<Footer> footers = new ArrayList<>();
        for (Path input : inputs) {
            footers.add(Footer.read(input));
        }
        Footer first = footers.getFirst();
        for (Footer footer : footers) {
            if (!Arrays.equals(first.schema(), footer.schema())) {
                throw new IncompatibleException(footer.file() + " has a different schema from " + first.file());
            }
        }
        try (FileChannel out = FileChannel.open(output, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            write(out, ByteBuffer.wrap(ParquetFooter.MAGIC));
            List<byte[]> rowGroups = new ArrayList<>();
            long rows = 0;
            for (Footer footer : footers) {
                long start = out.position();
                try (FileChannel in = FileChannel.open(footer.file(), StandardOpenOption.READ)) {
                    long copied = 0;
                    long length = footer.dataEnd() - ParquetFooter.MAGIC.length;
                    while (copied < length) {
                        long n = in.transferTo(ParquetFooter.MAGIC.length + copied, length - copied, out);
                        if (n <= 0) {
                            throw new IOException(footer.file() + " ended while being copied");
                        }
                        copied += n;
                    }
                }
                long delta = start - ParquetFooter.MAGIC.length;
                ThriftCompact in = new ThriftCompact(footer.bytes(), 0, footer.bytes().length);
                in.beginStruct();
                for (int field; (field = in.nextField()) >= 0; ) {
                    if (field != 4) {
                        in.skipField();
                        continue;
                    }
                    int count = in.readListHeader();
                    for (int i = 0; i < count; i++) {
                        rowGroups.add(rowGroup(in, delta, rowGroups.size()));
                    }
                }
                rows += footer.rows();
            }
            byte[] metadata = fileMetaData(first, rows, rowGroups);
            write(out, ByteBuffer.wrap(metadata));
            write(out, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, metadata.length));
            write(out, ByteBuffer.wrap(ParquetFooter.MAGIC));
            return rows;
        }
    }

    private static void write(FileChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    /** The first input's FileMetaData with the total row count and every input's row groups. */
    private static byte[] fileMetaData(Footer first, long rows, List<byte[]> rowGroups) throws IOException {
        ThriftCompact in = new ThriftCompact(first.bytes(), 0, first.bytes().length);
        ThriftCompactWriter out = new ThriftCompactWriter();
        in.beginStruct();
        out.beginStruct();
        for (int field; (field = in.nextField()) >= 0; ) {
            out.fieldHeader(field, in.fieldType());
            if (field == 3) {
                in.readI64();
                out.i64(rows);
            } else if (field == 4) {
                in.skipField();
                out.listHeader(rowGroups.size(), ThriftCompact.STRUCT);
                rowGroups.forEach(out::raw);
            } else {
                out.copyField(in);
            }
        }
        out.endStruct();
        return out.toByteArray();
    }

    /** A RowGroup struct with its file offsets moved by {@code delta} and its ordinal set. */
    private static byte[] rowGroup(ThriftCompact in, long delta, int ordinal) throws IOException {
        ThriftCompactWriter out = new ThriftCompactWriter();
        in.beginStruct();
        out.beginStruct();
        for (int field; (field = in.nextField()) >= 0; ) {
            out.fieldHeader(field, in.fieldType());
            switch (field) {
                case 1 -> {
                    int count = in.readListHeader();
                    out.listHeader(count, ThriftCompact.STRUCT);
                    for (int i = 0; i < count; i++) {
                        columnChunk(in, out, delta);
                    }
                }
                case 5 -> out.i64(in.readI64() + delta);
                case 7 -> {
                    in.readI64();
                    out.i64(ordinal);
                }
                default -> out.copyField(in);
            }
        }
        out.endStruct();
        return out.toByteArray();
    }

    private static void columnChunk(ThriftCompact in, ThriftCompactWriter out, long delta) throws IOException {
        in.beginStruct();
        out.beginStruct();
        for (int field; (field = in.nextField()) >= 0; ) {
            if (field == 1 || field == 8 || field == 9) {
                throw new IncompatibleException("a column chunk lives in another file or is encrypted");
            }
            out.fieldHeader(field, in.fieldType());
            switch (field) {
                case 2, 4, 6 -> out.i64(in.readI64() + delta);
                case 3 -> columnMetaData(in, out, delta);
                default -> out.copyField(in);
            }
        }
        out.endStruct();
    }

    private static void columnMetaData(ThriftCompact in, ThriftCompactWriter out, long delta) throws IOException {
        in.beginStruct();
        out.beginStruct();
        for (int field; (field = in.nextField()) >= 0; ) {
            out.fieldHeader(field, in.fieldType());
            if (field == 9 || field == 10 || field == 11 || field == 14) {
                out.i64(in.readI64() + delta);
            } else {
                out.copyField(in);
            }
        }
        out.endStruct();
    }

    /** An input's footer: its bytes, where its data ends, its row count and its schema, re-encoded for comparison. */
    private record Footer(Path file, byte[] bytes, long dataEnd, long rows, byte[] schema) {
        static Footer read(Path file) throws IOException {
            ParquetFooter.RawFooter raw = ParquetFooter.RawFooter.read(file);
            byte[] bytes = raw.bytes();
            long dataEnd = raw.dataEnd();
            ThriftCompact in = new ThriftCompact(bytes, 0, bytes.length);
            long rows = -1;
            byte[] schema = null;
            in.beginStruct();
            for (int field; (field = in.nextField()) >= 0; ) {
                if (field == 8 || field == 9) {
                    throw new IncompatibleException(file + " is encrypted");
                }
                if (field == 2) {
                    ThriftCompactWriter copy = new ThriftCompactWriter();
                    copy.copyField(in);
                    schema = copy.toByteArray();
                } else if (field == 3) {
                    rows = in.readI64();
                } else {
                    in.skipField();
                }
            }
            if (rows < 0 || schema == null) {
                throw new IOException(file + " has a footer without rows or schema");
            }
            return new Footer(file, bytes, dataEnd, rows, schema);
        }
    }
}
