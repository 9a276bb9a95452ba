package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's files over HTTP: types, the page policy, gzip, ETags, and no way out of web/. */
class WebFilesApiTest {
    @TempDir
    static Path dir;
    static TestServer server;
    static HttpJson http;

    @BeforeAll
    static void start() {
        server = TestServer.start(dir);
        http = server.http();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theDashboardIsAPageThatLoadsOnlyFromThisServer() {
        HttpJson.Response page = http.get("/", null);
        assertEquals(200, page.status());
        assertTrue(page.header("Content-Type").startsWith("text/html;"), page.header("Content-Type"));
        assertTrue(page.body().contains("/assets/app.js"), page.body());
        String policy = page.header("Content-Security-Policy");
        assertTrue(policy.contains("script-src 'self'") && policy.contains("connect-src 'self'")
                && policy.contains("frame-ancestors 'none'"), policy);
        assertEquals("DENY", page.header("X-Frame-Options"));
        assertEquals(200, http.get("/demo/chat", null).status());
        HttpJson.Response api = http.get("/api/log", null);
        assertEquals("default-src 'none'; frame-ancestors 'none'", api.header("Content-Security-Policy"),
                "API answers keep the policy that loads nothing");
    }

    @Test
    void filesHaveTheirTypesAndTheWidgetMayBeLoadedFromOtherSites() {
        HttpJson.Response script = http.get("/assets/app.js", null);
        assertEquals(200, script.status());
        assertTrue(script.header("Content-Type").startsWith("text/javascript;"), script.header("Content-Type"));
        assertTrue(http.get("/assets/app.css", null).header("Content-Type").startsWith("text/css;"));
        HttpJson.Response uplot = http.get("/assets/uPlot.iife.min.js", null);
        assertEquals(200, uplot.status());
        assertTrue(uplot.body().contains("uPlot"), "the WebJar's uPlot is served");
        assertTrue(http.get("/assets/uPlot.LICENSE", null).body().contains("MIT"), "with its licence");
        HttpJson.Response widget = http.get("/widget/larch-work-log.js", null);
        assertEquals(200, widget.status());
        assertEquals("*", widget.header("Access-Control-Allow-Origin"));
    }

    @Test
    void gzipAndETagsSaveTransfers() throws IOException {
        HttpJson.Response plain = http.get("/assets/app.js", null);
        HttpJson.Response zipped = http.send(HttpRequest.newBuilder(http.uri("/assets/app.js")).header("Accept-Encoding", "gzip"), null);
        assertEquals("gzip", zipped.header("Content-Encoding"));
        byte[] unzipped = new GZIPInputStream(new ByteArrayInputStream(zipped.raw().body())).readAllBytes();
        assertArrayEquals(plain.body().getBytes(StandardCharsets.UTF_8), unzipped);
        assertTrue(zipped.raw().body().length < unzipped.length / 2, "compressed to less than half");
        String etag = plain.header("ETag");
        HttpJson.Response again = http.send(HttpRequest.newBuilder(http.uri("/assets/app.js")).header("If-None-Match", etag), null);
        assertEquals(304, again.status());
        assertEquals(0, again.raw().body().length);
        assertEquals("no-cache", plain.header("Cache-Control"), "revalidated on every load, so an upgrade shows at once");
        assertTrue(!zipped.header("ETag").equals(etag), "the gzip and plain bytes have different tags");
        HttpJson.Response refused = http.send(HttpRequest.newBuilder(http.uri("/assets/app.js")).header("Accept-Encoding", "gzip;q=0, identity"), null);
        assertEquals(null, refused.header("Content-Encoding"), "gzip;q=0 refuses gzip");
    }

    @Test
    void unknownOrUnsafeNamesAreNotFound() {
        for (String path : new String[] {"/assets/nope.js", "/assets/..%2Fdemo%2Fchat.html", "/assets/.hidden",
                "/assets/%2e%2e", "/assets/app.js%00.png"}) {
            HttpJson.Response answer = http.get(path, null);
            assertTrue(answer.status() == 404 || answer.status() == 400, path + ": " + answer.status() + " " + answer.body());
            assertTrue(answer.body().contains("\"error\""), path + ": " + answer.body());
        }
    }
}
