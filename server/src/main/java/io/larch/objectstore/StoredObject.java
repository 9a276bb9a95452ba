package io.larch.objectstore;

import java.util.HexFormat;

/**
 * An object as the store holds it.
 *
 * @param md5Hex its MD5 in lower-case hex (the ETag of a single-part S3 upload)
 */
public record StoredObject(String key, long sizeBytes, String md5Hex) {
    public boolean hasDigest(byte[] md5) {
        return md5Hex.equals(HexFormat.of().formatHex(md5));
    }
}
