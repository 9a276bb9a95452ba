package io.larch.objectstore;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where archived parts and build logs live: a local directory (the embedded default) or an
 * S3-compatible bucket (S3, R2, MinIO). Keys are {@code /}-separated paths without a leading
 * {@code /}; the archiver makes every key Larch uses (deterministic, so a retried upload lands on the same key).
 *
 * <p>Implementations must comply with the following:
 * <ul>
 *   <li>Thread-safe: the archiver, the cache and the build-log writer call concurrently.</li>
 *   <li>{@link #put} is idempotent: putting the same bytes under the same key again is a no-op
 *       that answers the same {@link StoredObject}; putting different bytes replaces the object
 *       whole. A reader never sees a half-written object.</li>
 *   <li>Every upload carries the MD5 the caller computed ({@code Content-MD5} on S3); a store that
 *       received other bytes rejects the upload ({@link ObjectDigestException}) and keeps
 *       nothing new under the key.</li>
 *   <li>A transient failure (connection refused, timeout, 5xx, throttling) is retried with
 *       backoff inside the call; when the retries are used up the call throws
 *       {@link ObjectStoreUnavailableException}, and nothing was changed that a later retry
 *       would not repeat identically.</li>
 *   <li>A missing object is an empty {@link #stat}, a {@link ObjectNotFoundException} from
 *       {@link #get}, and a no-op for {@link #delete}.</li>
 * </ul>
 */
public interface ObjectStore extends AutoCloseable {

    /**
     * Uploads {@code file} under {@code key} with its MD5 ({@code md5}, 16 bytes, from
     * {@link Digests#md5}), then checks that what the store holds has that size and digest.
     *
     * @throws ObjectDigestException          the store received or holds bytes with another digest
     * @throws ObjectStoreUnavailableException the store could not be reached after the retries
     */
    StoredObject put(String key, Path file, byte[] md5);

    /** The object's size and MD5 as the store reports them, or empty when there is none. */
    Optional<StoredObject> stat(String key);

    /**
     * Downloads the object into {@code target} (written beside it under a temporary name, then
     * renamed, so {@code target} is either absent or whole) and checks its MD5 against what
     * the store reported.
     *
     * @throws ObjectNotFoundException        there is no such object
     * @throws ObjectDigestException          the bytes received do not have the stored digest
     * @throws ObjectStoreUnavailableException the store could not be reached after the retries
     */
    void get(String key, Path target);

    /** Deletes the object; deleting one that is not there is a no-op. */
    void delete(String key);

    /** Every object whose key starts with {@code prefix}, in key order. */
    List<StoredObject> list(String prefix);

    /** Where this store keeps its objects, for logs and {@code /config}: a directory or {@code s3://bucket/prefix}. */
    String describe();

    @Override
    void close();
}
