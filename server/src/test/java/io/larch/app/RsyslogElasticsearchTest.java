package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.ShipperDaemon;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real rsyslog (Debian's rsyslogd with omelasticsearch, installed by .ci/run) ships syslog
 * lines to Larch's bulk API with basic auth, as its documentation configures it for
 * Elasticsearch; the events are then found by search with their fields. rsyslogd runs as a child
 * process with its own config and work dir, so no system service is involved.
 */
class RsyslogElasticsearchTest {
    private static final Path RSYSLOGD = Path.of("/usr/sbin/rsyslogd");
    private static final Path OMELASTICSEARCH = Path.of("/usr/lib/x86_64-linux-gnu/rsyslog/omelasticsearch.so");

    /**
     * The config from the README's rsyslog section, with the test's ports and key: a JSON
     * template with the fields Larch maps, and omelasticsearch in bulk mode.
     */
    static String config(Path workDir, int syslogPort, URI larch, String key) {
        return """
                global(workDirectory="%s")
                module(load="imtcp")
                module(load="omelasticsearch")
                input(type="imtcp" address="127.0.0.1" port="%d" ruleset="to-larch")

                template(name="larch-json" type="list" option.jsonf="on") {
                  property(outname="@timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
                  property(outname="message" name="msg" format="jsonf")
                  property(outname="severity" name="syslogseverity-text" format="jsonf")
                  property(outname="programname" name="programname" format="jsonf")
                  property(outname="host" name="hostname" format="jsonf")
                  property(outname="facility" name="syslogfacility-text" format="jsonf")
                }

                ruleset(name="to-larch") {
                  action(type="omelasticsearch" server="%s" serverport="%d" usehttps="off"
                         uid="rsyslog" pwd="%s" searchIndex="rsyslog-test" template="larch-json"
                         bulkmode="on" maxbytes="4m"
                         action.resumeRetryCount="-1" action.resumeInterval="1")
                }
                """.formatted(workDir, syslogPort, larch.getHost(), larch.getPort(), key);
    }

    @Test
    void rsyslogShipsSyslogLinesThroughOmelasticsearchInBulkMode(@TempDir Path dataDir, @TempDir Path dir) throws IOException {
        assumeTrue(Files.isExecutable(RSYSLOGD) && Files.exists(OMELASTICSEARCH),
                "needs rsyslogd and omelasticsearch (apt-get install rsyslog rsyslog-elasticsearch; .ci/run does)");
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String key = server.createProject("Syslog");
            int syslogPort = ShipperDaemon.freePort();
            Path conf = dir.resolve("rsyslog.conf");
            Files.writeString(conf, config(dir, syslogPort, URI.create(http.base()), key));
            try (ShipperDaemon rsyslog = ShipperDaemon.start(List.of(RSYSLOGD.toString(), "-n", "-f", conf.toString(),
                    "-i", dir.resolve("rsyslogd.pid").toString()), Map.of(), dir, syslogPort)) {
                // RFC 5424 lines, as an application's syslog library sends them: <facility*8+severity>.
                rsyslog.sendSyslog(List.of(
                        "<12>1 2026-12-04T10:15:30.250Z web-1 billing 4242 - - rsysword payment retry scheduled",
                        "<11>1 2026-12-04T10:15:31.000Z web-1 billing 4242 - - rsysword payment failed",
                        "<10>1 2026-12-04T10:15:32.000Z web-1 kernel - - - rsysword disk on fire",
                        "<13>1 2026-12-04T10:15:33.000Z web-2 cron - - - rsysword nightly job started"));
                List<JsonNode> events = awaitEvents(http, key, "rsysword", 4, rsyslog);
                assertEquals(4, events.size(), "each line once: " + events);
                JsonNode retry = byMessage(events, "rsysword payment retry scheduled");
                assertEquals("2026-12-04T10:15:30.250Z", retry.get("ts").asText());
                assertEquals("warn", retry.get("level").asText());
                assertEquals("billing", retry.get("source").asText(), "programname");
                assertEquals("web-1", retry.get("attrs").get("host").asText());
                assertEquals("user", retry.get("attrs").get("facility").asText());
                assertEquals("rsyslog-test", retry.get("attrs").get("index").asText());
                assertEquals("error", byMessage(events, "rsysword payment failed").get("level").asText());
                assertEquals("fatal", byMessage(events, "rsysword disk on fire").get("level").asText(), "crit");
                JsonNode notice = byMessage(events, "rsysword nightly job started");
                assertEquals("info", notice.get("level").asText(), "notice");
                assertEquals("cron", notice.get("source").asText());
            }
        }
    }

    /** The events matching {@code word} once there are {@code count}; fails with the shipper's output after 30 s. */
    static List<JsonNode> awaitEvents(HttpJson http, String key, String word, int count, ShipperDaemon shipper) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        HttpJson.Response found;
        do {
            found = http.get("/api/log", key, Map.of("q", word));
            assertEquals(200, found.status(), found.body());
            if (found.json().get("events").size() >= count) {
                List<JsonNode> events = new java.util.ArrayList<>();
                found.json().get("events").forEach(events::add);
                return events;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        } while (System.nanoTime() < deadline);
        return fail("expected " + count + " events with '" + word + "', found: " + found.body()
                + "\nshipper output:\n" + shipper.output());
    }

    static JsonNode byMessage(List<JsonNode> events, String message) {
        return events.stream().filter(e -> e.get("message").asText().equals(message)).findFirst()
                .orElseThrow(() -> new AssertionError("no event '" + message + "' in " + events));
    }
}
