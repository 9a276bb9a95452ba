package io.larch.model;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * An event's attributes: immutable, in insertion order, keys and values in one array. A
 * {@code LinkedHashMap} of two or three attributes took ~260 bytes and five objects per event
 * (entries, table, the map, its cached entry set); the head holds hundreds of thousands of events
 * that every young collection copies, so this is a third of the head's bytes saved. Lookups scan
 * the array: events have few attributes (at most {@code IngestLimits.MAX_ATTRS}).
 */
public final class AttrMap extends AbstractMap<String, String> {
    /** key0, value0, key1, value1, ... */
    private final String[] pairs;

    private AttrMap(String[] pairs) {
        this.pairs = pairs;
    }

    /** {@code attrs} as an AttrMap (itself when it is one), or {@link Map#of()} when empty. */
    public static Map<String, String> copyOf(Map<String, String> attrs) {
        if (attrs.isEmpty()) {
            return Map.of();
        }
        if (attrs instanceof AttrMap) {
            return attrs;
        }
        String[] pairs = new String[attrs.size() * 2];
        int i = 0;
        for (Map.Entry<String, String> entry : attrs.entrySet()) {
            pairs[i++] = Objects.requireNonNull(entry.getKey(), "attribute names are never null");
            pairs[i++] = entry.getValue();
        }
        return new AttrMap(pairs);
    }

    @Override
    public int size() {
        return pairs.length / 2;
    }

    @Override
    public boolean isEmpty() {
        return pairs.length == 0;
    }

    @Override
    public String get(Object key) {
        int at = indexOf(key);
        return at < 0 ? null : pairs[at + 1];
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    private int indexOf(Object key) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equals(key)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void forEach(BiConsumer<? super String, ? super String> action) {
        for (int i = 0; i < pairs.length; i += 2) {
            action.accept(pairs[i], pairs[i + 1]);
        }
    }

    @Override
    public Set<Map.Entry<String, String>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return pairs.length / 2;
            }

            @Override
            public Iterator<Map.Entry<String, String>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < pairs.length;
                    }

                    @Override
                    public Map.Entry<String, String> next() {
                        if (next >= pairs.length) {
                            throw new NoSuchElementException();
                        }
                        Map.Entry<String, String> entry = new SimpleImmutableEntry<>(pairs[next], pairs[next + 1]);
                        next += 2;
                        return entry;
                    }
                };
            }
        };
    }
}
