package io.larch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The line the CLI prints per event, plain and colored, and when colors are on. */
class EventLineTest {
    private static final String ESC = "\u001b";

    private static void check(String eventJson, boolean color, String expected) throws Exception {
        assertEquals(expected, EventLine.format(new ObjectMapper().readTree(eventJson), color), eventJson);
    }

    @Test
    void printsTimeLevelSourceAndMessage() throws Exception {
        check("{\"ts\":\"2026-11-21T10:00:00Z\",\"level\":\"error\",\"source\":\"api\",\"message\":\"boom\"}", false,
                "2026-11-21T10:00:00Z ERROR [api] boom");
        check("{\"ts\":\"2026-11-21T10:00:00Z\",\"level\":\"info\",\"message\":\"ok\"}", false, "2026-11-21T10:00:00Z INFO  ok");
        check("{\"ts\":\"2026-11-21T10:00:00Z\",\"level\":\"info\",\"source\":null,\"message\":\"ok\"}", false,
                "2026-11-21T10:00:00Z INFO  ok");
    }

    @Test
    void colorsTheLevelOnly() throws Exception {
        check("{\"ts\":\"t\",\"level\":\"fatal\",\"message\":\"m\"}", true, "t " + ESC + "[1;31mFATAL" + ESC + "[0m m");
        check("{\"ts\":\"t\",\"level\":\"error\",\"source\":\"s\",\"message\":\"m\"}", true, "t " + ESC + "[31mERROR" + ESC + "[0m [s] m");
        check("{\"ts\":\"t\",\"level\":\"warn\",\"message\":\"m\"}", true, "t " + ESC + "[33mWARN " + ESC + "[0m m");
        check("{\"ts\":\"t\",\"level\":\"info\",\"message\":\"m\"}", true, "t " + ESC + "[32mINFO " + ESC + "[0m m");
        check("{\"ts\":\"t\",\"level\":\"debug\",\"message\":\"m\"}", true, "t " + ESC + "[2mDEBUG" + ESC + "[0m m");
        check("{\"ts\":\"t\",\"level\":\"trace\",\"message\":\"m\"}", true, "t " + ESC + "[2mTRACE" + ESC + "[0m m");
    }

    @Test
    void colorsOnlyOnATerminalWithoutNoColor() {
        assertEquals(true, TailCommand.colorWanted(false, null, true));
        assertEquals(true, TailCommand.colorWanted(false, "", true));
        assertEquals(false, TailCommand.colorWanted(false, null, false));
        assertEquals(false, TailCommand.colorWanted(true, null, true));
        assertEquals(false, TailCommand.colorWanted(false, "1", true));
    }

    @Test
    void stopsOnlyForCredentialReasons() {
        assertEquals(true, TailCommand.isCredentialReason("credential"));
        assertEquals(true, TailCommand.isCredentialReason("the key was revoked"));
        assertEquals(true, TailCommand.isCredentialReason("viewer token expired"));
        assertEquals(false, TailCommand.isCredentialReason("server stopping"));
        assertEquals(false, TailCommand.isCredentialReason("too slow: 3 strikes"));
        assertEquals(false, TailCommand.isCredentialReason("idle limit"));
        assertEquals(false, TailCommand.isCredentialReason("server_stopping"));
        assertEquals(false, TailCommand.isCredentialReason("too_slow"));
    }
}
