package io.larch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class ValueInternerTest {
    @Test
    void equalValuesShareOneInstanceAndTheBoundStartsOver() {
        ValueInterner interner = new ValueInterner();
        String first = interner.intern(new String("a3f9c0"));
        String second = new String("a3f9c0");
        assertNotSame(first, second);
        assertSame(first, interner.intern(second));
        assertNull(interner.intern(null));
        for (int i = 0; i <= ValueInterner.MAX_VALUES; i++) {
            interner.intern("v" + i);
        }
        String after = new String("a3f9c0");
        assertSame(after, interner.intern(after), "past the bound the table started over");
        assertEquals("a3f9c0", interner.intern(new String("a3f9c0")));
    }
}
