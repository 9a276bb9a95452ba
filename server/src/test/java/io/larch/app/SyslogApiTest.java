package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Syslog into a real Larch, sent by util-linux {@code logger} (its own RFC 5424 and 3164
 * writers, TCP with octet counting and with newline framing, UDP), then found by search with
 * the mapped level, source and attrs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SyslogApiTest {
    private static final String ADMIN = TestServer.ADMIN_TOKEN;
    private TestServer server;
    private HttpJson http;
    private String shopKey;
    private String fallbackKey;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        server = TestServer.start(dataDir, Map.of("LARCH_SYSLOG_PORT", "0", "LARCH_SYSLOG_PROJECT", "fallback"),
                Clock.systemUTC());
        http = server.http();
        shopKey = server.createProject("Shop");
        fallbackKey = server.createProject("Fallback");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    /** Runs util-linux logger against Larch's syslog port (unless options name another) with {@code options}, the message last. */
    private void logger(String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("logger"));
        if (!List.of(options).contains("--server")) {
            command.addAll(List.of("--server", "127.0.0.1", "--port", Integer.toString(server.larch().syslogPort())));
        }
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "logger did not finish");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), "logger failed: " + output);
    }

    private static String sd(String key) {
        return "key=\"" + key + "\"";
    }

    /** The single event {@code q} finds with {@code key}, waiting for the listener's batch (200 ms) to be stored. */
    private JsonNode findOne(String key, String q) throws InterruptedException {
        JsonNode events = null;
        for (int attempt = 0; attempt < 100; attempt++) {
            HttpJson.Response response = http.get("/api/log", key, Map.of("q", q));
            assertEquals(200, response.status(), response.body());
            events = response.json().get("events");
            if (!events.isEmpty()) {
                break;
            }
            Thread.sleep(50);
        }
        assertEquals(1, events.size(), "events for " + q + ": " + events);
        return events.get(0);
    }

    /** The counter {@code name} with one label, from /metrics; 0 when absent. */
    private double counter(String name, String label, String value) {
        String prefix = name + "{" + label + "=\"" + value + "\"";
        return http.get("/metrics", null).body().lines().filter(l -> l.startsWith(prefix)).findFirst()
                .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).orElse(0.0);
    }

    private static void assertAttrs(JsonNode event, String... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            assertEquals(pairs[i + 1], event.get("attrs").path(pairs[i]).asText(null), pairs[i] + " in " + event);
        }
    }

    @Test
    void rfc5424OverTcpWithOctetCountingGoesToTheProjectOfTheKeyInTheStructuredData() throws Exception {
        double before = counter("larch_syslog_messages_total", "transport", "tcp");
        logger("--tcp", "--rfc5424", "--octet-count", "--sd-id", "larch@32473", "--sd-param", sd(shopKey),
                "--sd-id", "order@32473", "--sd-param", "id=\"A-17\"", "--msgid", "PAY", "--id=4242",
                "-t", "checkout", "-p", "local3.err", "payment octetcounted declined for \"card\" [x]");
        JsonNode event = findOne(shopKey, "octetcounted");
        assertEquals("payment octetcounted declined for \"card\" [x]", event.get("message").asText());
        assertEquals("error", event.get("level").asText());
        assertEquals("checkout", event.get("source").asText());
        assertAttrs(event, "facility", "local3", "msgId", "PAY", "procId", "4242", "order@32473.id", "A-17",
                "syslogFormat", "rfc5424", "timeQuality.tzKnown", "1");
        assertFalse(event.get("attrs").has("larch@32473.key"), "the key is never stored: " + event);
        assertTrue(event.get("attrs").has("host"), event.toString());
        assertEquals(before + 1, counter("larch_syslog_messages_total", "transport", "tcp"));
        // The message is found by its attrs and level as well.
        findOne(shopKey, "attrs.msgId:PAY level:error source:checkout");
    }

    @Test
    void rfc5424OverTcpWithNewlineFramingKeepsEachLineApart() throws Exception {
        logger("--tcp", "--rfc5424", "--sd-id", "larch@32473", "--sd-param", sd(shopKey), "-t", "worker",
                "-p", "user.debug", "newlineframed first");
        logger("--tcp", "--rfc5424", "--sd-id", "larch@32473", "--sd-param", sd(shopKey), "-t", "worker",
                "-p", "daemon.crit", "newlineframed second");
        assertEquals("debug", findOne(shopKey, "newlineframed first").get("level").asText());
        JsonNode second = findOne(shopKey, "newlineframed second");
        assertEquals("fatal", second.get("level").asText());
        assertAttrs(second, "facility", "daemon");
    }

    @Test
    void rfc3164OverUdpWithoutAKeyGoesToTheSyslogProject() throws Exception {
        double before = counter("larch_syslog_messages_total", "transport", "udp");
        logger("--udp", "--rfc3164", "-t", "web", "-p", "user.warning", "udpbsd disk is low");
        JsonNode event = findOne(fallbackKey, "udpbsd");
        assertEquals("udpbsd disk is low", event.get("message").asText());
        assertEquals("warn", event.get("level").asText());
        assertEquals("web", event.get("source").asText());
        assertAttrs(event, "facility", "user", "syslogFormat", "rfc3164");
        assertTrue(event.get("attrs").has("host"), event.toString());
        // Not in the project of the key the message did not carry.
        assertEquals(0, http.get("/api/log", shopKey, Map.of("q", "udpbsd")).json().get("events").size());
        assertEquals(before + 1, counter("larch_syslog_messages_total", "transport", "udp"));
    }

    @Test
    void aWrongKeyOrAKeyWithoutTheIngestScopeIsDroppedAndCounted() throws Exception {
        double unknown = counter("larch_syslog_dropped_total", "reason", "unknown_key");
        double protocolDrops = counter("larch_events_dropped_total", "reason", "protocol");
        logger("--tcp", "--rfc5424", "--octet-count", "--sd-id", "larch@32473", "--sd-param",
                sd("larch_0000000000000000000000000000000000000000"), "-t", "t", "wrongkey message");
        String readOnly = http.post("/admin/projects/shop/keys", ADMIN, "{\"scopes\":[\"read\"]}").json().get("key").asText();
        double noScope = counter("larch_syslog_dropped_total", "reason", "no_ingest_scope");
        logger("--udp", "--rfc5424", "--sd-id", "larch@32473", "--sd-param", sd(readOnly), "-t", "t", "readonlykey message");
        waitFor(() -> counter("larch_syslog_dropped_total", "reason", "unknown_key") == unknown + 1);
        waitFor(() -> counter("larch_syslog_dropped_total", "reason", "no_ingest_scope") == noScope + 1);
        assertTrue(counter("larch_events_dropped_total", "reason", "protocol") >= protocolDrops + 2,
                "the operations total counts what the listener dropped");
        assertEquals(0, http.get("/api/log", shopKey, Map.of("q", "wrongkey OR readonlykey")).json().get("events").size());
        assertEquals(0, http.get("/api/log", fallbackKey, Map.of("q", "wrongkey OR readonlykey")).json().get("events").size());
    }

    @Test
    void aMalformedLarchElementIsDroppedNeverFiledWithItsKeyUnderTheSyslogProject() throws Exception {
        double malformed = counter("larch_syslog_dropped_total", "reason", "malformed_key");
        try (Socket socket = new Socket("127.0.0.1", server.larch().syslogPort())) {
            OutputStream out = socket.getOutputStream();
            // A space before ']' breaks the element; the key is still in the text.
            out.write(("<14>1 2026-12-04T10:00:00Z h app - - [larch@32473 key=\"" + shopKey + "\" ] malformedsd line\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.write("<14>1 - h app - - - aftermalformedsd\n".getBytes(StandardCharsets.UTF_8));
        }
        findOne(fallbackKey, "aftermalformedsd");
        waitFor(() -> counter("larch_syslog_dropped_total", "reason", "malformed_key") == malformed + 1);
        assertEquals(0, http.get("/api/log", fallbackKey, Map.of("q", "malformedsd")).json().get("events").size());
        assertEquals(0, http.get("/api/log", shopKey, Map.of("q", "malformedsd")).json().get("events").size());
    }

    @Test
    void textThatIsNotSyslogIsKeptAndALongMessageIsCut() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.larch().syslogPort())) {
            OutputStream out = socket.getOutputStream();
            out.write("notsyslog plain text line\n".getBytes(StandardCharsets.UTF_8));
            String longMessage = "<14>1 - h app - - - longmessage " + "x".repeat(100_000) + "\n";
            out.write(longMessage.getBytes(StandardCharsets.UTF_8));
            out.write("<14>1 - h app - - - afterthelongone\n".getBytes(StandardCharsets.UTF_8));
        }
        JsonNode plain = findOne(fallbackKey, "notsyslog");
        assertEquals("info", plain.get("level").asText());
        assertAttrs(plain, "syslogFormat", "unparsed");
        JsonNode cut = findOne(fallbackKey, "longmessage");
        assertAttrs(cut, "truncated", "true");
        assertTrue(cut.get("message").asText().length() < 33 * 1024, "cut under the event's message limit");
        findOne(fallbackKey, "afterthelongone");
    }

    @Test
    void whatWasReceivedBeforeAStopIsStored() throws Exception {
        double before = counter("larch_syslog_messages_total", "transport", "tcp");
        try (Socket socket = new Socket("127.0.0.1", server.larch().syslogPort())) {
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < 500; i++) {
                out.write(("<14>1 - h app - - - beforestop number" + i + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        waitFor(() -> counter("larch_syslog_messages_total", "transport", "tcp") >= before + 500);
        server.restart();
        http = server.http();
        HttpJson.Response found = http.get("/api/log", fallbackKey, Map.of("q", "beforestop", "limit", "1000"));
        assertEquals(500, found.json().get("events").size(), found.body());
    }

    /**
     * rsyslog forwarding as the README configures it: the one-line {@code @@host:port;RSYSLOG_SyslogProtocol23Format}
     * (to LARCH_SYSLOG_PROJECT), and an octet-counted omfwd action with a template adding the key.
     */
    @Test
    void rsyslogForwardsWithTheReadmesConfiguration(@TempDir Path workDir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/rsyslogd")), "rsyslog is not installed (.ci/run installs it)");
        int plainPort = freePort();
        int keyedPort = freePort();
        int larchPort = server.larch().syslogPort();
        Path config = workDir.resolve("rsyslog.conf");
        Files.writeString(config, String.join("\n",
                "global(workDirectory=\"" + workDir + "\")",
                "module(load=\"imtcp\")",
                "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + plainPort + "\")",
                "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + keyedPort + "\" ruleset=\"keyed\")",
                "*.* @@127.0.0.1:" + larchPort + ";RSYSLOG_SyslogProtocol23Format",
                "template(name=\"LarchFormat\" type=\"string\"",
                "  string=\"<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% [larch@32473 key=\\\""
                        + shopKey + "\\\"]%msg:::sp-if-no-1st-sp%%msg%\\n\")",
                "ruleset(name=\"keyed\") {",
                "  action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" + larchPort
                        + "\" protocol=\"tcp\" TCP_Framing=\"octet-counted\" template=\"LarchFormat\")",
                "}", ""));
        Process rsyslog = new ProcessBuilder("/usr/sbin/rsyslogd", "-n", "-f", config.toString(), "-i",
                workDir.resolve("rsyslogd.pid").toString()).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("rsyslogd.out").toFile()).start();
        try {
            waitFor(() -> listening(plainPort) && listening(keyedPort));
            logger("--server", "127.0.0.1", "--port", Integer.toString(plainPort), "--tcp", "-t", "cron-job",
                    "-p", "cron.warning", "rsyslogplain nightly backup slow");
            logger("--server", "127.0.0.1", "--port", Integer.toString(keyedPort), "--tcp", "-t", "billing",
                    "-p", "local1.err", "rsyslogkeyed invoice failed");
            JsonNode plain = findOne(fallbackKey, "rsyslogplain");
            assertEquals("rsyslogplain nightly backup slow", plain.get("message").asText());
            assertEquals("warn", plain.get("level").asText());
            assertEquals("cron-job", plain.get("source").asText());
            assertAttrs(plain, "facility", "cron", "syslogFormat", "rfc5424");
            JsonNode keyed = findOne(shopKey, "rsyslogkeyed");
            assertEquals("rsyslogkeyed invoice failed", keyed.get("message").asText());
            assertEquals("error", keyed.get("level").asText());
            assertEquals("billing", keyed.get("source").asText());
            assertAttrs(keyed, "facility", "local1");
        } finally {
            rsyslog.destroy();
            rsyslog.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void withoutAPerPortProjectAMessageWithoutAKeyIsDroppedAndABusyPortStopsTheStart(@TempDir Path dataDir) throws Exception {
        try (TestServer bare = TestServer.start(dataDir.resolve("bare"), Map.of("LARCH_SYSLOG_PORT", "0"), Clock.systemUTC())) {
            String key = bare.createProject("Lonely");
            try (Socket socket = new Socket("127.0.0.1", bare.larch().syslogPort())) {
                socket.getOutputStream().write("<14>1 - h app - - - nokeynoproject\n".getBytes(StandardCharsets.UTF_8));
            }
            HttpJson bareHttp = bare.http();
            java.util.function.DoubleSupplier dropped = () -> bareHttp.get("/metrics", null).body().lines()
                    .filter(l -> l.startsWith("larch_syslog_dropped_total{reason=\"no_project\""))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
            waitFor(() -> dropped.getAsDouble() == 1);
            assertEquals(0, bareHttp.get("/api/log", key, Map.of("q", "nokeynoproject")).json().get("events").size());

            RuntimeException busy = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> TestServer.start(dataDir.resolve("second"), Map.of("LARCH_SYSLOG_PORT",
                            Integer.toString(bare.larch().syslogPort())), Clock.systemUTC()));
            assertTrue(busy.getMessage().contains("LARCH_SYSLOG_PORT: cannot listen on 127.0.0.1:" + bare.larch().syslogPort()),
                    busy.getMessage());
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static boolean listening(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int attempt = 0; attempt < 100 && !condition.getAsBoolean(); attempt++) {
            Thread.sleep(50);
        }
        assertTrue(condition.getAsBoolean(), "condition not met in 5 s");
    }
}
