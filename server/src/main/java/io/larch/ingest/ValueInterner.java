package io.larch.ingest;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One shared instance per distinct value of a repetitive field (fingerprints, sources): the head
 * holds each event until it is sealed, and every event carrying its own copy of the same
 * 40-character fingerprint was ~80 bytes and two objects more for each young collection to copy.
 * A shared instance also keeps its hash code, which sealing's rollups and dictionaries look up.
 * Bounded: when it holds {@link #MAX_VALUES}, it starts over (values stay correct, only unshared).
 */
final class ValueInterner {
    static final int MAX_VALUES = 100_000;
    private final ConcurrentHashMap<String, String> values = new ConcurrentHashMap<>();

    /** The shared instance equal to {@code value}; null for null. */
    String intern(String value) {
        if (value == null) {
            return null;
        }
        String shared = values.putIfAbsent(value, value);
        if (shared != null) {
            return shared;
        }
        if (values.size() > MAX_VALUES) {
            values.clear();
        }
        return value;
    }
}
