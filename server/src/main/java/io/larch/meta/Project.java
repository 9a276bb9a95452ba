package io.larch.meta;

/** A project: events and keys belong to one. */
public record Project(long id, String slug, String name, long createdAt) {
}
