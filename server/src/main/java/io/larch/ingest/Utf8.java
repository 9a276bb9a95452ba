package io.larch.ingest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
 * Jackson decodes some of those leniently, and a stored event must hold the text that was sent,
 * so bodies are checked before they are parsed. ASCII runs are checked eight bytes at a time.
 */
final class Utf8 {
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Utf8() {
    }

    /** The offset of the first byte that is not valid UTF-8, or -1 when all of {@code bytes} is. */
    static int firstInvalid(byte[] bytes) {
        int i = 0;
        int n = bytes.length;
        while (i < n) {
            if (i + 8 <= n && ((long) LONGS.get(bytes, i) & HIGH_BITS) == 0) {
                i += 8;
                continue;
            }
            int b = bytes[i] & 0xff;
            if (b < 0x80) {
                i++;
                continue;
            }
            int length;
            int min;
            if (b >= 0xc2 && b <= 0xdf) {
                length = 2;
                min = 0x80;
            } else if (b >= 0xe0 && b <= 0xef) {
                length = 3;
                min = 0x800;
            } else if (b >= 0xf0 && b <= 0xf4) {
                length = 4;
                min = 0x10000;
            } else {
                return i;
            }
            if (i + length > n) {
                return i;
            }
            int codePoint = b & (0x7f >> length);
            for (int k = 1; k < length; k++) {
                int next = bytes[i + k] & 0xff;
                if ((next & 0xc0) != 0x80) {
                    return i;
                }
                codePoint = codePoint << 6 | next & 0x3f;
            }
            if (codePoint < min || codePoint > 0x10ffff || codePoint >= 0xd800 && codePoint <= 0xdfff) {
                return i;
            }
            i += length;
        }
        return -1;
    }
}
