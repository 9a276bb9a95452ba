package io.larch.wal;

import io.larch.storage.EventStore;

/**
 * Breaks the layering on purpose (the WAL must know nothing of storage), so that
 * {@code ArchitectureRulesFailTest} can show the rule catches it. Never used by Larch.
 */
final class WrongImportFixture {
    long headEvents(EventStore store) {
        return store.headEventCount();
    }
}
