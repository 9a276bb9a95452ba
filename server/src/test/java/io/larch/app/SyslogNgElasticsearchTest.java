package io.larch.app;

import static io.larch.app.RsyslogElasticsearchTest.awaitEvents;
import static io.larch.app.RsyslogElasticsearchTest.byMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.ShipperDaemon;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real syslog-ng (Debian's syslog-ng-core with syslog-ng-mod-http) ships syslog lines to
 * Larch's bulk API through its http() destination, with the key in an Authorization header; the
 * events are then found by search with their fields.
 * Debian's rsyslog and syslog-ng packages conflict, so .ci/run installs rsyslog and unpacks
 * syslog-ng's packages (with dpkg-deb, no install) under {@value #UNPACKED_ROOT}; this test runs
 * that syslog-ng, or an installed one, as a child process with its own config, persist file and
 * control socket.
 */
class SyslogNgElasticsearchTest {
    /** Where .ci/run unpacks syslog-ng-core and syslog-ng-mod-http; LARCH_SYSLOG_NG_ROOT overrides. */
    static final String UNPACKED_ROOT = "/opt/larch-ci/syslog-ng";

    /** The config from the README's syslog-ng section, with the test's ports and key. */
    static String config(int syslogPort, String larchBase, String key) {
        return """
                @version: 3.35
                options { frac-digits(3); keep-hostname(yes); };
                source s_network { network(ip("127.0.0.1") port(%d) transport("tcp") flags(syslog-protocol)); };
                destination d_larch {
                  http(
                    url("%s/_bulk")
                    method("POST")
                    headers("Authorization: Bearer %s", "Content-Type: application/x-ndjson")
                    body-suffix("\\n")
                    body("{\\"index\\":{\\"_index\\":\\"syslog-ng\\"}}\\n$(format-json --omit-empty-values @timestamp=${S_ISODATE} message=${MESSAGE} severity=${LEVEL} programname=${PROGRAM} host=${HOST} trace_id=${.SDATA.larch@32473.trace_id})")
                    batch-lines(100) batch-timeout(500)
                    response-action(429 => retry)
                  );
                };
                log { source(s_network); destination(d_larch); };
                """.formatted(syslogPort, larchBase, key);
    }

    @Test
    void syslogNgShipsSyslogLinesThroughItsHttpDestinationToTheBulkApi(@TempDir Path dataDir, @TempDir Path dir)
            throws IOException {
        Optional<Path> root = syslogNgRoot();
        assumeTrue(root.isPresent(), "needs syslog-ng with its http module (installed, or unpacked under " + UNPACKED_ROOT
                + " as .ci/run does)");
        Path modules = moduleDirOrNull(root.get());
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String key = server.createProject("Syslog");
            int syslogPort = ShipperDaemon.freePort();
            Path conf = dir.resolve("syslog-ng.conf");
            Files.writeString(conf, config(syslogPort, http.base(), key));
            List<String> command = List.of(root.get().resolve("usr/sbin/syslog-ng").toString(), "-F", "--no-caps",
                    "-f", conf.toString(), "--module-path=" + modules, "--persist-file=" + dir.resolve("syslog-ng.persist"),
                    "--pidfile=" + dir.resolve("syslog-ng.pid"), "--control=" + dir.resolve("syslog-ng.ctl"));
            // The unpacked tree's own libsyslog-ng (an installed one finds it anyway).
            Map<String, String> environment = Map.of("LD_LIBRARY_PATH", modules.getParent().toString());
            try (ShipperDaemon syslogNg = ShipperDaemon.start(command, environment, dir, syslogPort)) {
                syslogNg.sendSyslog(List.of(
                        "<12>1 2026-12-04T11:00:00.125Z api-1 orders 77 - [larch@32473 trace_id=\"tr-9\"] sngword order delayed",
                        "<11>1 2026-12-04T11:00:01.000Z api-1 orders 77 - - sngword order failed",
                        "<14>1 2026-12-04T11:00:02.000Z api-2 auth - - - sngword user signed in"));
                List<JsonNode> events = awaitEvents(http, key, "sngword", 3, syslogNg);
                assertEquals(3, events.size(), "each line once: " + events);
                JsonNode delayed = byMessage(events, "sngword order delayed");
                assertEquals("2026-12-04T11:00:00.125Z", delayed.get("ts").asText());
                assertEquals("warn", delayed.get("level").asText(), "warning");
                assertEquals("orders", delayed.get("source").asText(), "programname");
                assertEquals("tr-9", delayed.get("traceId").asText(), "trace_id from the structured data");
                assertEquals("api-1", delayed.get("attrs").get("host").asText());
                assertEquals("syslog-ng", delayed.get("attrs").get("index").asText());
                assertEquals("error", byMessage(events, "sngword order failed").get("level").asText(), "err");
                JsonNode signedIn = byMessage(events, "sngword user signed in");
                assertEquals("info", signedIn.get("level").asText());
                assertEquals("auth", signedIn.get("source").asText());
            }
        }
    }

    /** The directory syslog-ng's usr/ is under: LARCH_SYSLOG_NG_ROOT, an installed one with the http module, or the unpacked one. */
    private static Optional<Path> syslogNgRoot() {
        String configured = System.getenv("LARCH_SYSLOG_NG_ROOT");
        Stream<Path> candidates = configured != null ? Stream.of(Path.of(configured))
                : Stream.of(Path.of("/"), Path.of(UNPACKED_ROOT));
        return candidates.filter(root -> Files.isExecutable(root.resolve("usr/sbin/syslog-ng")))
                .filter(root -> moduleDirOrNull(root) != null).findFirst();
    }

    /** usr/lib/syslog-ng/<version>, the directory holding the http module, or null. */
    private static Path moduleDirOrNull(Path root) {
        Path lib = root.resolve("usr/lib/syslog-ng");
        if (!Files.isDirectory(lib)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(lib)) {
            return versions.filter(dir -> Files.exists(dir.resolve("libhttp.so"))).findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }
}
