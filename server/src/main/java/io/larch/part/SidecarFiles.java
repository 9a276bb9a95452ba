package io.larch.part;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The files beside a part that carry their own checksum (token blooms, postings): mapped read-only,
 * little-endian, their last 4 bytes the CRC32C of everything before them.
 */
final class SidecarFiles {
    private SidecarFiles() {
    }

    /** The whole file mapped, or null when it is missing, shorter than {@code minBytes} or too large to map. */
    static ByteBuffer map(Path file, int minBytes) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < minBytes || size > Integer.MAX_VALUE) {
                return null;
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Whether the last 4 bytes of {@code file} are the CRC32C of everything before them (what is on disk now). */
    static boolean crcMatches(ByteBuffer file) {
        int size = file.limit();
        CRC32C crc = new CRC32C();
        crc.update(file.duplicate().position(0).limit(size - 4));
        return (int) crc.getValue() == file.getInt(size - 4);
    }
}
