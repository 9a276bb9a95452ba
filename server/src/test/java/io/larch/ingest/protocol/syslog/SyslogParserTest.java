package io.larch.ingest.protocol.syslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Syslog parsing, framing and mapping, one case per line (examples from RFC 5424, 3164 and 6587). */
class SyslogParserTest {
    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

    /**
     * Parses {@code line} and checks the mapped event: format, level, source, ts (null: none),
     * message, and the attrs given as "name=value" pairs (all of them but syslogFormat).
     */
    private static void check(String line, String format, String level, String source, String ts, String message,
                              String... attrs) {
        SyslogMessage parsed = SyslogParser.parse(line, NOW);
        ObjectNode event = SyslogEvents.event(parsed, false, NOW);
        assertEquals(format, event.get("attrs").get("syslogFormat").asText(), line);
        assertEquals(level, event.get("level").asText(), line);
        assertEquals(source, event.has("source") ? event.get("source").asText() : null, line);
        assertEquals(ts, event.has("ts") ? event.get("ts").asText() : null, line);
        assertEquals(message, event.get("message").asText(), line);
        List<String> actual = new ArrayList<>();
        event.get("attrs").fields().forEachRemaining(field -> {
            if (!field.getKey().equals("syslogFormat")) {
                actual.add(field.getKey() + "=" + field.getValue().asText());
            }
        });
        assertEquals(List.of(attrs), actual, line);
    }

    @Test
    void parsesRfc5424Messages() {
        // RFC 5424 section 6.5, examples 1 to 4 (example 1 with the BOM before its MSG).
        check("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8",
                "rfc5424", "fatal", "su", "2003-10-11T22:14:15.003Z", "'su root' failed for lonvick on /dev/pts/8",
                "facility=auth", "host=mymachine.example.com", "msgId=ID47");
        check("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
                "rfc5424", "info", "myproc", "2003-08-24T12:14:15.000003Z", "%% It's time to make the do-nuts.",
                "facility=local4", "host=192.0.2.1", "procId=8710");
        check("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] \uFEFFAn application event log entry...",
                "rfc5424", "info", "evntslog", "2003-10-11T22:14:15.003Z", "An application event log entry...",
                "facility=local4", "host=mymachine.example.com", "msgId=ID47", "exampleSDID@32473.iut=3",
                "exampleSDID@32473.eventSource=Application", "exampleSDID@32473.eventID=1011");
        check("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\"][examplePriority@32473 class=\"high\"]",
                "rfc5424", "info", "evntslog", "2003-10-11T22:14:15.003Z", "(empty syslog message)",
                "facility=local4", "host=mymachine.example.com", "msgId=ID47", "exampleSDID@32473.iut=3",
                "examplePriority@32473.class=high");
        // What util-linux logger --rfc5424 writes: time quality, the Larch key (never an attr), a message with ] and ".
        check("<131>1 2026-12-04T11:14:50.324792+00:00 vm myapp - M1 [timeQuality tzKnown=\"1\" isSynced=\"0\"][larch@32473 key=\"larch_abc\"] hello \"world\" ]",
                "rfc5424", "error", "myapp", "2026-12-04T11:14:50.324792Z", "hello \"world\" ]",
                "facility=local0", "host=vm", "msgId=M1", "timeQuality.tzKnown=1", "timeQuality.isSynced=0");
        check("<15>1 - - - - - -", "rfc5424", "debug", null, null, "(empty syslog message)", "facility=user");
        check("<0>1 - host app 12 - - boom", "rfc5424", "fatal", "app", null, "boom", "facility=kern", "host=host", "procId=12");
        check("<4>1 - - - - - - disk", "rfc5424", "warn", null, null, "disk", "facility=kern");
    }

    @Test
    void unescapesStructuredDataValues() {
        check("<14>1 - h a - - [x@1 q=\"say \\\"hi\\\"\" b=\"[a\\]\" s=\"back\\\\slash\" o=\"\\n stays\"] m",
                "rfc5424", "info", "a", null, "m",
                "facility=user", "host=h", "x@1.q=say \"hi\"", "x@1.b=[a]", "x@1.s=back\\slash", "x@1.o=\\n stays");
        // Cut short: the structured data is kept as message text rather than guessed at.
        check("<14>1 - h a - - [x@1 q=\"open", "rfc5424", "info", "a", null, "[x@1 q=\"open", "facility=user", "host=h");
    }

    @Test
    void parsesRfc3164Messages() {
        // RFC 3164 section 5.4 examples; the year is the current one (UTC), never more than a day ahead.
        check("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", "rfc3164", "fatal", "su",
                "2026-10-11T22:14:15Z", "'su root' failed for lonvick on /dev/pts/8", "facility=auth", "host=mymachine");
        check("<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!", "rfc3164", "info", null, "2026-02-05T17:32:18Z",
                "Use the BFG!", "facility=user", "host=10.0.0.99");
        check("<13>Dec  5 11:59:59 host app[42]: tomorrow", "rfc3164", "info", "app", "2026-12-05T11:59:59Z", "tomorrow",
                "facility=user", "host=host", "procId=42");
        check("<13>Dec  5 12:00:01 host app: too far ahead: last year", "rfc3164", "info", "app", "2025-12-05T12:00:01Z",
                "too far ahead: last year", "facility=user", "host=host");
        // What util-linux logger --rfc3164 writes; and the same without a hostname.
        check("<12>Dec  4 19:14:52 vm web: disk low", "rfc3164", "warn", "web", "2026-12-04T19:14:52Z", "disk low",
                "facility=user", "host=vm");
        check("<12>Dec 04 19:14:52 web: no host", "rfc3164", "warn", "web", "2026-12-04T19:14:52Z", "no host", "facility=user");
        check("<11>just text after a PRI", "rfc3164", "error", null, null, "just text after a PRI", "facility=user");
        check("<191>Jan  1 00:00:00 h t: m\n", "rfc3164", "debug", "t", "2026-01-01T00:00:00Z", "m", "facility=local7", "host=h");
    }

    @Test
    void keepsWhatIsNotSyslogAsText() {
        check("plain line without a PRI", "unparsed", "info", null, null, "plain line without a PRI");
        check("<192>1 - - - - - - PRI out of range", "unparsed", "info", null, null, "<192>1 - - - - - - PRI out of range");
        check("<x>1 not a PRI", "unparsed", "info", null, null, "<x>1 not a PRI");
        check("\uFEFFbom first", "unparsed", "info", null, null, "bom first");
    }

    @Test
    void findsTheProjectKeyInStructuredData() {
        assertEquals("larch_k1", SyslogEvents.projectKey(SyslogParser.parse(
                "<14>1 - h a - - [larch@32473 key=\"larch_k1\"] m", NOW)));
        assertNull(SyslogEvents.projectKey(SyslogParser.parse("<14>1 - h a - - [other@1 key=\"larch_k1\"] m", NOW)));
        assertNull(SyslogEvents.projectKey(SyslogParser.parse("<14>Dec  4 19:14:52 h a: [larch@32473 key=\"x\"]", NOW)));
    }

    /** Frames cut from {@code stream}, as text; a truncated frame ends with "(cut)". */
    private static void checkFrames(String stream, int maxBytes, String... frames) throws IOException {
        SyslogFrameReader reader = new SyslogFrameReader(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)),
                maxBytes);
        List<String> actual = new ArrayList<>();
        SyslogFrameReader.Frame frame;
        while ((frame = reader.next()) != null) {
            actual.add(new String(frame.bytes(), StandardCharsets.UTF_8) + (frame.truncated() ? "(cut)" : ""));
        }
        assertEquals(List.of(frames), actual, stream);
    }

    @Test
    void cutsTcpStreamsByOctetCountOrNewline() throws IOException {
        checkFrames("11 <13>1 - a b11 <13>1 - c\nd", 100, "<13>1 - a b", "<13>1 - c\nd");
        checkFrames("<13>one\n<13>two\r\n<13>three", 100, "<13>one", "<13>two\r", "<13>three");
        checkFrames("5 <1>ab\n<2>line\n6 <3>xyz", 100, "<1>ab", "<2>line", "<3>xyz");
        checkFrames("10 <1>abcdefg3 <2>", 5, "<1>ab(cut)", "<2>");
        checkFrames("<1>abcdefgh\n<2>x\n", 5, "<1>ab(cut)", "<2>x");
        checkFrames("42abc\n12345678901 <1>x\n", 100, "42abc", "12345678901 <1>x");
        checkFrames("20 <1>cut by the end", 100, "<1>cut by the end");
        checkFrames("\n\n", 100);
    }
}
