package io.larch.part;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/** CRC32C of a whole file: what the catalog records for a part's files when they are made. */
public final class FileChecksum {
    private static final int BUFFER_BYTES = 1 << 20;

    private FileChecksum() {
    }

    /** The CRC32C of every byte of {@code file}, as a non-negative number. */
    public static long of(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                crc.update(buffer);
                buffer.clear();
            }
        }
        return crc.getValue();
    }
}
