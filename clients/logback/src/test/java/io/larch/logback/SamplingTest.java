package io.larch.logback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SamplingTest {
    @Test
    void parsesLevelRatePairs() {
        Sampling sampling = Sampling.parse(" debug=0.1, TRACE=0 warn=1");
        assertEquals(0.1, sampling.rate("debug"));
        assertEquals(0.0, sampling.rate("trace"));
        assertEquals(1.0, sampling.rate("warn"));
        assertEquals(1.0, sampling.rate("error"), "a level not named is sent in full");
        assertEquals(1.0, Sampling.parse("").rate("debug"));
        assertEquals(1.0, Sampling.parse(null).rate("debug"));
    }

    @Test
    void refusesWhatIsNotLevelEqualsRate() {
        assertEquals("sampling: 'loud=1' is not level=rate with a level of " + Sampling.LEVELS,
                assertThrows(IllegalArgumentException.class, () -> Sampling.parse("loud=1")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sampling.parse("debug"));
        assertEquals("sampling: the rate in 'debug=2' must be a number from 0 to 1",
                assertThrows(IllegalArgumentException.class, () -> Sampling.parse("debug=2")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sampling.parse("debug=x"));
    }

    @Test
    void theLocalSettingOverridesTheServersDefaultsPerLevel() {
        Sampling server = Sampling.of(Map.of("debug", 0.5, "info", 1.0, "bogus", 0.1, "trace", 7.0));
        Sampling effective = server.overriddenBy(Sampling.parse("debug=0"));
        assertEquals(0.0, effective.rate("debug"));
        assertEquals(1.0, effective.rate("info"));
        assertEquals(1.0, effective.rate("trace"), "an invalid server rate is ignored");
    }

    @Test
    void keepsAShareOfEventsByTheRandomNumber() {
        Sampling sampling = Sampling.parse("debug=0.25,trace=0");
        assertTrue(sampling.keep("debug", 0.1));
        assertFalse(sampling.keep("debug", 0.25));
        assertFalse(sampling.keep("trace", 0.0));
        assertTrue(sampling.keep("error", 0.999));
    }
}
