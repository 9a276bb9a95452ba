package io.larch.parquet;

import java.util.Arrays;
import java.util.List;

/**
 * One leaf column of a Parquet file being written, and the values of the row group being built:
 * repetition and definition levels for every slot, values for the present ones (a slot whose
 * definition level is the maximum). Integers of any width are kept as longs, strings as Java
 * strings until they are encoded. Reused from row group to row group.
 */
public final class ParquetLeaf {
    final List<String> path;
    final int physicalType;
    final int maxDefinition;
    final int maxRepetition;
    /** Whether a dictionary is tried: not for columns whose values are nearly all distinct (ids, times). */
    final boolean tryDictionary;

    int slots;
    int present;
    int[] repetition;
    int[] definition;
    long[] longs;
    String[] strings;

    public ParquetLeaf(List<String> path, int physicalType, int maxDefinition, int maxRepetition, boolean tryDictionary) {
        this.path = List.copyOf(path);
        this.physicalType = physicalType;
        this.maxDefinition = maxDefinition;
        this.maxRepetition = maxRepetition;
        this.tryDictionary = tryDictionary;
        int capacity = 1024;
        repetition = new int[capacity];
        definition = new int[capacity];
        if (physicalType == ParquetFooter.BYTE_ARRAY) {
            strings = new String[capacity];
        } else {
            longs = new long[capacity];
        }
    }

    /** A top-level column: not repeated, optional when {@code maxDefinition} is 1. */
    public static ParquetLeaf column(String name, int physicalType, int maxDefinition, boolean tryDictionary) {
        return new ParquetLeaf(List.of(name), physicalType, maxDefinition, 0, tryDictionary);
    }

    boolean isString() {
        return strings != null;
    }

    void clear() {
        if (strings != null) {
            Arrays.fill(strings, 0, present, null);
        }
        slots = 0;
        present = 0;
    }

    /** A flat optional column's value; null is an absent value. */
    public void add(String value) {
        add(0, value == null ? 0 : maxDefinition, value);
    }

    public void add(long value) {
        slot(0, maxDefinition);
        longs[present++] = value;
    }

    /** A slot with its levels; {@code value} is kept only when the slot is present. */
    public void add(int repetitionLevel, int definitionLevel, String value) {
        slot(repetitionLevel, definitionLevel);
        if (definitionLevel == maxDefinition) {
            strings[present++] = value;
        }
    }

    private void slot(int repetitionLevel, int definitionLevel) {
        if (slots == repetition.length) {
            int capacity = slots * 2;
            repetition = Arrays.copyOf(repetition, capacity);
            definition = Arrays.copyOf(definition, capacity);
            if (strings != null) {
                strings = Arrays.copyOf(strings, capacity);
            } else {
                longs = Arrays.copyOf(longs, capacity);
            }
        }
        repetition[slots] = repetitionLevel;
        definition[slots] = definitionLevel;
        slots++;
    }
}
