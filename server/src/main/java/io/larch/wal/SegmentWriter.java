package io.larch.wal;

import io.larch.datadir.Fsync;
import io.larch.model.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** The open, active segment of one kind. Used only by the WAL's writer thread. */
final class SegmentWriter {
    final long id;
    final Kind kind;
    final Path path;
    final long createdAtMillis;
    private final FileChannel channel;
    private long size;
    private boolean dirty;
    private int records;

    private SegmentWriter(long id, Kind kind, Path path, long createdAtMillis, FileChannel channel) {
        this.id = id;
        this.kind = kind;
        this.path = path;
        this.createdAtMillis = createdAtMillis;
        this.channel = channel;
    }

    /**
     * Creates the segment file with its header and makes the file's existence durable (fsync of
     * the file and of its directory), so records written later cannot end up in a file that a
     * crash makes disappear. When that fails (a full disk fails the header's write), the file is
     * deleted again: a full disk refuses every batch, and each would otherwise leave an empty
     * segment behind until the next start. A crash before the delete leaves a file without a
     * whole header, which replay deletes.
     */
    static SegmentWriter create(long id, Kind kind, Path path, long nowMillis) throws IOException {
        Fsync.createDirectories(path.getParent());
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            ByteBuffer header = SegmentFormat.header();
            while (header.hasRemaining()) {
                channel.write(header);
            }
            channel.force(true);
            Fsync.directory(path.getParent());
        } catch (IOException e) {
            channel.close();
            try {
                Files.deleteIfExists(path);
            } catch (IOException notDeleted) {
                e.addSuppressed(notDeleted);
            }
            throw e;
        }
        SegmentWriter writer = new SegmentWriter(id, kind, path, nowMillis, channel);
        writer.size = SegmentFormat.HEADER_BYTES;
        return writer;
    }

    /** Writes framed records (not yet durable). */
    void write(List<ByteBuffer> buffers) throws IOException {
        ByteBuffer[] array = buffers.toArray(ByteBuffer[]::new);
        long remaining = 0;
        for (ByteBuffer buffer : array) {
            remaining += buffer.remaining();
        }
        long total = remaining;
        while (remaining > 0) {
            remaining -= channel.write(array);
        }
        size += total;
        records += buffers.size() / 2;
        dirty = true;
    }

    void force() throws IOException {
        if (dirty) {
            channel.force(false);
            dirty = false;
        }
    }

    long size() {
        return size;
    }

    boolean isEmpty() {
        return records == 0;
    }

    void close() throws IOException {
        try {
            force();
        } finally {
            channel.close();
        }
    }
}
