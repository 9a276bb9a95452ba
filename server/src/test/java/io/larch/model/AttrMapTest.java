package io.larch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Event attributes keep their order and behave as a read-only Map equal to any other with the same pairs. */
class AttrMapTest {
    @Test
    void keepsOrderAndAnswersLikeAMap() {
        Map<String, String> source = new LinkedHashMap<>();
        source.put("zeta", "1");
        source.put("alpha", null);
        source.put("mid", "3");
        Map<String, String> attrs = AttrMap.copyOf(source);
        assertEquals(List.of("zeta", "alpha", "mid"), new ArrayList<>(attrs.keySet()));
        assertEquals(source, attrs);
        assertEquals(attrs, source);
        assertEquals(source.hashCode(), attrs.hashCode());
        assertEquals("3", attrs.get("mid"));
        assertTrue(attrs.containsKey("alpha"));
        assertNull(attrs.get("alpha"));
        assertFalse(attrs.containsKey("beta"));
        assertEquals(3, attrs.size());
        assertEquals(source.toString(), attrs.toString());
        assertSame(attrs, AttrMap.copyOf(attrs));
        assertSame(Map.of(), AttrMap.copyOf(new LinkedHashMap<>()));
        assertThrows(UnsupportedOperationException.class, () -> attrs.put("x", "y"));
        source.put("later", "4");
        assertEquals(3, attrs.size(), "a copy: later changes to the source do not show");
    }

    @Test
    void eventsHoldTheirAttributesAsAttrMaps() {
        Map<String, String> given = new LinkedHashMap<>(Map.of("k", "v"));
        LogEvent event = new LogEvent(1, 2, 3, 4, Kind.APP, Level.INFO, "m", null, null, "fp", null, null, null, null, null,
                null, given);
        assertTrue(event.attrs() instanceof AttrMap);
        assertEquals(given, event.attrs());
    }
}
