package io.larch.meta;

/**
 * A build's archived log object as the metadata records it.
 *
 * @param objectKey  where it is in the object store
 * @param lineCount  events in it
 * @param maxEventId the newest event id it holds: a build with a line above it has outgrown it
 * @param sizeBytes  the object's size (gzip)
 * @param md5Hex     the object's MD5 as the store reported it at upload
 * @param writtenAt  when it was uploaded, epoch milliseconds
 */
public record BuildLogRecord(long projectId, String buildId, String objectKey, long lineCount, long maxEventId,
                             long sizeBytes, String md5Hex, long writtenAt) {
}
