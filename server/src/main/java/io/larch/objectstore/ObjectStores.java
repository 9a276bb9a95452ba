package io.larch.objectstore;

import io.larch.config.LarchConfig;
import java.nio.file.Path;
import java.util.Optional;

/** Opens the archive store that the configuration names. */
public final class ObjectStores {
    private ObjectStores() {
    }

    /**
     * The configured store: a {@link LocalDirObjectStore} on {@code archive.dir()}, an
     * {@link S3ObjectStore} on the bucket, or empty for {@code LARCH_ARCHIVE_STORE=off} (the
     * caller archives nothing and keeps parts local until retention). Opening makes no request
     * to S3: a bucket that is down or missing shows on the first call, with a message naming the
     * setting to check.
     *
     * @param dataDir unused today (the local directory is resolved by the config); kept so the
     *                store can place caches under the data dir without a signature change
     */
    public static Optional<ObjectStore> open(LarchConfig.Archive archive, Path dataDir) {
        return switch (archive.store()) {
            case LOCAL -> Optional.of(new LocalDirObjectStore(archive.dir()));
            case S3 -> Optional.of(new S3ObjectStore(archive.s3().orElseThrow(
                    () -> new IllegalArgumentException("LARCH_ARCHIVE_STORE=s3 without the bucket settings"))));
            case OFF -> Optional.empty();
        };
    }
}
