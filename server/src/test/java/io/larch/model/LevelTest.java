package io.larch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class LevelTest {
    private static void check(String input, Level expected) {
        assertEquals(Optional.ofNullable(expected), Level.parse(input), "level of '" + input + "'");
    }

    @Test
    void normalizesCommonSpellings() {
        check("info", Level.INFO);
        check("INFO", Level.INFO);
        check(" Warn ", Level.WARN);
        check("warning", Level.WARN);
        check("WARNING", Level.WARN);
        check("err", Level.ERROR);
        check("Error", Level.ERROR);
        check("critical", Level.FATAL);
        check("fatal", Level.FATAL);
        check("trace", Level.TRACE);
        check("debug", Level.DEBUG);
    }

    @Test
    void takesWinstonsNpmLevels() {
        check("http", Level.DEBUG);
        check("verbose", Level.TRACE);
        check("silly", Level.TRACE);
    }

    @Test
    void rejectsUnknownNames() {
        check("verbosest", null);
        check("", null);
        check("5", null);
        check(null, null);
    }

    @Test
    void severityOrdersLevels() {
        assertEquals(0, Level.TRACE.severity());
        assertEquals(5, Level.FATAL.severity());
        assertEquals(Level.WARN, Level.ofSeverity(Level.WARN.severity()));
    }
}
