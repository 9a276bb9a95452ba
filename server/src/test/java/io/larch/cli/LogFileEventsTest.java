package io.larch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

class LogFileEventsTest {

    private static List<LogFileEvents.Event> events(String text) throws Exception {
        LogFileEvents reader = new LogFileEvents(new BufferedReader(new StringReader(text)), null, null);
        List<LogFileEvents.Event> events = new ArrayList<>();
        for (LogFileEvents.Event event = reader.next(); event != null; event = reader.next()) {
            events.add(event);
        }
        return events;
    }

    @Test
    void readsTheLevelFromCommonFormats() {
        BiConsumer<String, String> f = (line, want) -> assertEquals(want, LogFileEvents.levelOf(line), line);
        f.accept("2026-11-21 10:00:00 ERROR payment failed", "error");
        f.accept("10:00:00.123 [main] WARN  shop.Checkout - slow", "warn");
        f.accept("[error] upstream timed out", "error");
        f.accept("[Wed Oct 11 14:32:52 2000] [notice] Apache configured", "info");
        f.accept("<warn> disk 91% full", "warn");
        f.accept("time=2026-11-21T10:00:00Z level=error msg=\"db down\"", "error");
        f.accept("ts=1 lvl=dbug msg=x level=warning", "warn");
        f.accept("{\"level\":\"debug\" broken json", "debug");
        f.accept("severity: critical", "fatal");
        f.accept("E/ActivityManager( 1234): ANR in com.example", "error");
        f.accept("W/System.err(  88): oops", "warn");
        f.accept("11-21 10:00:00.123  1234  5678 I ActivityManager: Start proc", "info");
        f.accept("<11>Nov 21 10:00:05 host app: failed", "error");
        f.accept("<14>1 2026-11-21T10:00:05Z host app - - - hello", "info");
        f.accept("<15>Nov 21 10:00:05 host app: detail", "debug");
        f.accept("<10>Nov 21 10:00:05 host app: broken", "fatal");
        f.accept("ERROR:root:import failed", "error");
        f.accept("CRITICAL:root:out of memory", "fatal");
        f.accept("gcc: error: no input files", "error");
        f.accept("SEVERE: connection pool exhausted", "error");
        f.accept("user clicked Error Report button", null);
        f.accept("no level at all", null);
        f.accept("INFORMATIONAL and DEBUGGING words are not levels", null);
    }

    @Test
    void readsALeadingTimestamp() {
        assertEquals(1_795_255_200_000L, LogFileEvents.leadingTimestamp("2026-11-21T10:00:00Z x"));
        assertEquals(1_795_255_200_123L, LogFileEvents.leadingTimestamp("2026-11-21 10:00:00,123 INFO x"));
        assertEquals(1_795_255_200_000L - 3_600_000, LogFileEvents.leadingTimestamp("[2026-11-21T10:00:00+0100] x"));
        assertNull(LogFileEvents.leadingTimestamp("2026-13-45T10:00:00Z not a date"));
        assertNull(LogFileEvents.leadingTimestamp("at 2026-11-21T10:00:00Z"));
    }

    @Test
    void joinsAJavaStackTraceIntoTheEventBeforeIt() throws Exception {
        List<LogFileEvents.Event> events = events("""
                2026-11-21T10:00:01Z ERROR payment failed
                java.lang.IllegalStateException: card declined
                \tat shop.Payments.charge(Payments.java:42)
                Caused by: java.net.SocketTimeoutException: read timed out
                \tat java.base/java.net.Socket.read(Socket.java:1)
                \t... 2 more
                2026-11-21T10:00:02Z INFO next
                java.lang.IllegalStateException: an exception line with no frame after it is a line of its own
                """);
        assertEquals(3, events.size());
        LogFileEvents.Event payment = events.getFirst();
        assertEquals("2026-11-21T10:00:01Z ERROR payment failed", payment.json().get("message").asText());
        assertEquals("""
                java.lang.IllegalStateException: card declined
                \tat shop.Payments.charge(Payments.java:42)
                Caused by: java.net.SocketTimeoutException: read timed out
                \tat java.base/java.net.Socket.read(Socket.java:1)
                \t... 2 more""", payment.json().get("stack").asText());
        assertEquals(1, payment.firstLine());
        assertEquals(6, payment.lastLine());
        assertEquals(1_795_255_201_000L, payment.json().get("ts").asLong());
        assertEquals(7, events.get(1).firstLine());
        assertNull(events.get(1).json().get("stack"));
        assertEquals(8, events.get(2).firstLine());
    }

    @Test
    void aStackTraceWithoutALevelMakesAnError() throws Exception {
        List<LogFileEvents.Event> events = events("""
                Exception in thread "main" java.lang.NullPointerException: x is null
                \tat Main.main(Main.java:3)
                """);
        assertEquals(1, events.size());
        assertEquals("error", events.getFirst().json().get("level").asText());
        assertEquals("\tat Main.main(Main.java:3)", events.getFirst().json().get("stack").asText());
    }

    @Test
    void joinsAPythonTracebackWithItsFinalLine() throws Exception {
        List<LogFileEvents.Event> events = events("""
                ERROR:root:import failed
                Traceback (most recent call last):
                  File "import.py", line 3, in <module>
                    main()
                ValueError: bad row 12
                Traceback (most recent call last):
                  File "b.py", line 1, in <module>
                KeyError: 'id'

                During handling of the above exception, another exception occurred:

                Traceback (most recent call last):
                  File "b.py", line 4, in <module>
                RuntimeError: lookup failed
                INFO:root:after
                """);
        assertEquals(3, events.size(), events.toString());
        LogFileEvents.Event imported = events.getFirst();
        assertEquals("ERROR:root:import failed", imported.json().get("message").asText());
        assertEquals("error", imported.json().get("level").asText());
        assertEquals("""
                Traceback (most recent call last):
                  File "import.py", line 3, in <module>
                    main()
                ValueError: bad row 12""", imported.json().get("stack").asText());
        LogFileEvents.Event chained = events.get(1);
        assertEquals("KeyError: 'id'", chained.json().get("message").asText(), "a traceback alone is named by its exception");
        assertEquals("error", chained.json().get("level").asText());
        String stack = chained.json().get("stack").asText();
        assertEquals(true, stack.endsWith("RuntimeError: lookup failed") && stack.contains("During handling"), stack);
        assertEquals(6, chained.firstLine());
        assertEquals(14, chained.lastLine());
        assertEquals("INFO:root:after", events.get(2).json().get("message").asText());
    }

    @Test
    void takesJsonLinesAsTheyAreAndSkipsBlankLines() throws Exception {
        LogFileEvents reader = new LogFileEvents(new BufferedReader(new StringReader("""
                {"message":"json event","level":"warn","source":"own"}

                {"message":"no source"}
                {not json] ERROR plain after all
                """)), "importer", "system");
        LogFileEvents.Event own = reader.next();
        assertEquals("own", own.json().get("source").asText(), "the event's own source wins");
        assertEquals("system", own.json().get("kind").asText());
        assertEquals("importer", reader.next().json().get("source").asText());
        LogFileEvents.Event plain = reader.next();
        assertEquals("{not json] ERROR plain after all", plain.json().get("message").asText());
        assertEquals("error", plain.json().get("level").asText());
        assertEquals(4, plain.firstLine());
        assertNull(reader.next());
        assertEquals(4, reader.linesRead());
    }
}
