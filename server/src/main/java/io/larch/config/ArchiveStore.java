package io.larch.config;

/** The kinds of archive store ({@code LARCH_ARCHIVE_STORE}). */
public enum ArchiveStore {
    /** A directory on this machine (the embedded default). */
    LOCAL,
    /** An S3-compatible bucket: AWS S3, Cloudflare R2, MinIO. */
    S3,
    /** No archive: parts stay local until retention deletes them. */
    OFF
}
