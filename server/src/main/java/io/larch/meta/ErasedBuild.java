package io.larch.meta;

/** A build an erase request removed lines from: its build-log object is written again without them. */
public record ErasedBuild(long projectId, String buildId) {
}
