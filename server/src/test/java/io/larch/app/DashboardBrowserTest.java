package io.larch.app;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.ColorScheme;
import io.larch.testing.BrowserSession;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in Debian's Chromium against a real server: sign-in, the overview, search,
 * the live tail, fingerprints and builds, driven as a user would, with the data sent through the
 * API. Screenshots of each page are written when {@code -Dlarch.screenshots=DIR} is set.
 */
class DashboardBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final BrowserSession browser = new BrowserSession();

    @TempDir
    static Path dir;
    static TestServer server;
    static HttpJson http;
    static String key;
    static String base;

    @BeforeAll
    static void start() {
        server = TestServer.start(dir);
        http = server.http();
        base = http.base();
        key = http.post("/admin/projects", TestServer.ADMIN_TOKEN, "{\"name\":\"Shop\",\"slug\":\"shop\"}").json().get("key").asText();
        // Spread over the last 50 minutes, newest first, so the charts have a shape.
        long now = System.currentTimeMillis();
        StringBuilder batch = new StringBuilder("{\"events\":[");
        for (int i = 0; i < 120; i++) {
            String level = i % 10 == 0 ? "error" : i % 4 == 0 ? "warn" : "info";
            batch.append(i == 0 ? "" : ",").append("{\"ts\":").append(now - (119 - i) * 25_000L).append(",\"level\":\"").append(level).append("\",\"message\":\"order ").append(i)
                    .append(" checked out in ").append(i * 7).append(" ms\",\"source\":\"checkout\",\"userId\":\"u").append(i % 3)
                    .append("\",\"attrs\":{\"region\":\"").append(i % 2 == 0 ? "eu" : "us").append("\"}}");
        }
        ingest(batch.append("]}").toString());
        ingest("{\"level\":\"error\",\"message\":\"payment declined for card ending 4242\",\"source\":\"payments\",\"stack\":"
                + "\"java.lang.IllegalStateException: declined\\n\\tat shop.Pay.charge(Pay.java:12)\"}");
        ingest("{\"kind\":\"build\",\"buildId\":\"b-7\",\"message\":\"compiling 12 modules\"}");
        ingest("{\"kind\":\"build\",\"buildId\":\"b-7\",\"level\":\"error\",\"status\":\"failed\",\"message\":\"tests failed: 2 of 340\"}");
        ingest("{\"kind\":\"build\",\"buildId\":\"b-8\",\"status\":\"success\",\"message\":\"build finished\"}");
        // b-9 failed, then its re-run passed: the newest end decides.
        ingest("{\"kind\":\"build\",\"buildId\":\"b-9\",\"status\":\"failed\",\"message\":\"flaky test failed\"}");
        ingest("{\"kind\":\"build\",\"buildId\":\"b-9\",\"status\":\"success\",\"message\":\"re-run passed\"}");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void ingest(String body) {
        HttpJson.Response response = http.post("/api/log", key, body);
        assertEquals(202, response.status(), response.body());
    }

    /** A page signed in with {@code credential}, on the overview. */
    private Page signedIn(Page page, String credential) {
        page.navigate(base + "/");
        page.locator("#credential").fill(credential);
        page.locator("form.signin button[type=submit]").click();
        assertThat(page.locator("header.topbar")).isVisible();
        return page;
    }

    @Test
    void signsInSearchesAndSeesTheOverviewCountsChange() throws Exception {
        Page page = signedIn(browser.newPage(), TestServer.ADMIN_TOKEN);
        assertThat(page.locator("#project")).hasValue("shop");
        Locator total = page.locator("#total-events .value");
        long before = http.get("/api/log/stats", key, Map.of("from", "-1h")).json().get("total").asLong();
        assertThat(total).hasText(Long.toString(before));
        assertThat(page.locator("#error-rate-chart canvas")).isVisible();
        assertThat(page.locator("#top-fingerprints table")).containsText("order <*> checked out in <*> ms");
        assertThat(page.locator("#recent-errors")).containsText("payment declined");

        ingest("{\"level\":\"error\",\"message\":\"inventory sync lost its lease\",\"source\":\"inventory\"}");
        page.locator("button", new Page.LocatorOptions().setHasText("Refresh")).click();
        assertThat(total).hasText(Long.toString(before + 1));
        assertThat(page.locator("#recent-errors")).containsText("inventory sync lost its lease");

        page.locator("nav a", new Page.LocatorOptions().setHasText("Search")).click();
        page.locator("#q").fill("inventory lease");
        page.locator("#q").press("Enter");
        assertThat(page.locator("#results .event")).hasCount(1);
        assertThat(page.locator("#results")).containsText("inventory sync lost its lease");
        assertTrue(page.url().contains("q=inventory+lease"), page.url());

        // The details open, and a value filters by itself.
        page.locator("#q").fill("payment");
        page.locator("#q").press("Enter");
        assertThat(page.locator("#results .event")).hasCount(1);
        page.locator("#results .event-line").first().click();
        assertThat(page.locator("#results .event-details")).containsText("IllegalStateException");
        page.locator("#results .filter-value", new Page.LocatorOptions().setHasText("payments")).click();
        assertThat(page.locator("#q")).hasValue("payment source:payments");
        assertThat(page.locator("#results .event")).hasCount(1);
    }

    @Test
    void aBadQueryShowsItsPositionInPlace() {
        Page page = signedIn(browser.newPage(), key);
        page.navigate(base + "/#/search?q=" + "checkout%20(level:error");
        Locator error = page.locator("#query-error");
        assertThat(error).containsText("^");
        String shown = error.textContent();
        HttpJson.Response api = http.get("/api/log", key, Map.of("q", "checkout (level:error"));
        assertEquals(400, api.status());
        int position = api.json().get("position").asInt();
        String caretLine = shown.split("\n")[1];
        assertEquals(position - 1, caretLine.indexOf('^'), "positions count from 1: " + shown);
    }

    @Test
    void aSearchHasAUrlThatShowsTheSameResultsAndPagesByCursor() {
        Page page = signedIn(browser.newPage(), TestServer.ADMIN_TOKEN);
        page.navigate(base + "/#/search?project=shop&q=checkout&level=%3E%3Dwarn&from=-1h");
        Locator results = page.locator("#results .event");
        // Of the 120 checkout orders, every 4th is a warning and every 10th an error.
        assertThat(results).hasCount(36);
        String firstPage = page.locator("#results").textContent();
        String shared = page.url();

        Page other = signedIn(browser.newPage(), TestServer.ADMIN_TOKEN);
        other.navigate(shared);
        assertThat(other.locator("#results .event")).hasCount(36);
        assertThat(other.locator("#level")).hasValue(">=warn");
        assertEquals(firstPage, other.locator("#results").textContent());

        page.navigate(base + "/#/search?project=shop&q=checkout&from=-1h");
        assertThat(results).hasCount(50);
        String newest = results.first().textContent();
        page.locator("#older").click();
        assertThat(page.locator(".pager")).containsText("page 2");
        assertThat(results).hasCount(50);
        String older = results.first().textContent();
        page.locator("#older").click();
        assertThat(results).hasCount(20);
        page.locator("#newer").click();
        assertThat(results.first()).hasText(older);
        page.locator("#newer").click();
        assertThat(results.first()).hasText(newest);
        assertThat(page.locator("#newer")).hasCount(0);
    }

    @Test
    void draggingOverTheHistogramZoomsToThatRange() {
        Page page = signedIn(browser.newPage(), key);
        page.navigate(base + "/#/search?q=checkout&from=-1h");
        assertThat(page.locator("#result-summary")).containsText("120 events");
        com.microsoft.playwright.options.BoundingBox plot = page.locator("#histogram .u-over").boundingBox();
        double y = plot.y + plot.height / 2;
        page.mouse().move(plot.x + plot.width * 0.45, y);
        page.mouse().down();
        page.mouse().move(plot.x + plot.width * 0.7, y, new com.microsoft.playwright.Mouse.MoveOptions().setSteps(8));
        page.mouse().up();
        assertThat(page.locator("#range")).hasValue("custom");
        assertThat(page.locator("#result-summary")).not().containsText("120 events");
        // The page shows what the API answers for the range it put in the URL.
        Map<String, String> shared = new java.util.HashMap<>();
        for (String pair : page.url().substring(page.url().indexOf('?') + 1).split("&")) {
            String[] nameValue = pair.split("=", 2);
            shared.put(nameValue[0], java.net.URLDecoder.decode(nameValue[1], java.nio.charset.StandardCharsets.UTF_8));
        }
        assertTrue(shared.get("from").startsWith("20") && shared.get("to").startsWith("20"), page.url());
        long total = 0;
        for (JsonNode bucket : http.get("/api/log/histogram", key, Map.of("q", "checkout", "from", shared.get("from"),
                "to", shared.get("to"))).json().get("buckets")) {
            total += bucket.get("count").asLong();
        }
        assertTrue(total > 0 && total < 120, "the drag chose part of the hour: " + total);
        assertThat(page.locator("#result-summary")).containsText(total + " events");
        assertThat(page.locator("#results .event")).hasCount((int) Math.min(total, 50));
    }

    @Test
    void fingerprintsSelectedInThePageAreMergedAndUnmerged() {
        String mergeKey = http.post("/admin/projects", TestServer.ADMIN_TOKEN, "{\"name\":\"Merges\",\"slug\":\"merges\"}")
                .json().get("key").asText();
        assertEquals(202, http.post("/api/log", mergeKey, "{\"events\":[{\"message\":\"disk full on node 1\"},"
                + "{\"message\":\"disk full on node 2\"},{\"message\":\"volume out of space: node 3\"}]}").status());
        Page page = signedIn(browser.newPage(), TestServer.ADMIN_TOKEN);
        page.navigate(base + "/#/fingerprints?project=merges");
        Locator boxes = page.locator("#fingerprint-list input[type=checkbox]");
        assertThat(boxes).hasCount(2);
        boxes.nth(0).check();
        boxes.nth(1).check();
        page.locator("#merge").click();
        String keep = page.locator("#merge-into").inputValue();
        page.locator("#merge-confirm").click();
        assertThat(page.locator("#fingerprint-merges tbody tr")).hasCount(1);
        JsonNode merges = http.get("/admin/projects/merges/fingerprints/merges", TestServer.ADMIN_TOKEN).json().get("merges");
        assertEquals(1, merges.size(), merges.toString());
        assertEquals(keep, merges.get(0).get("into").asText());
        assertThat(page.locator("#fingerprint-list tbody tr")).hasCount(1);
        assertThat(page.locator("#fingerprint-list tbody tr")).containsText("3");
        // The merged row's events are all of its groups' events.
        page.locator("#fingerprint-list button.link").first().click();
        assertThat(page.locator("#results .event")).hasCount(3);
        page.navigate(base + "/#/fingerprints?project=merges");

        page.locator("#fingerprint-merges button", new Page.LocatorOptions().setHasText("Unmerge")).click();
        assertThat(page.locator("#fingerprint-merges")).containsText("no merge rules");
        assertEquals(0, http.get("/admin/projects/merges/fingerprints/merges", TestServer.ADMIN_TOKEN).json().get("merges").size());
    }

    @Test
    void theLiveTailShowsANewEventWithinASecond() {
        Page page = signedIn(browser.newPage(), key);
        page.navigate(base + "/#/search?q=tailed");
        page.locator("#open-tail").click();
        assertThat(page.locator("#tail-status")).hasText("live");
        assertThat(page.locator("#tail-q")).hasValue("tailed");
        long sent = System.nanoTime();
        ingest("{\"level\":\"warn\",\"message\":\"tailed event one\",\"source\":\"worker\"}");
        ingest("{\"message\":\"not shown: no match\"}");
        assertThat(page.locator("#tail-feed .event")).hasCount(1, new com.microsoft.playwright.assertions.LocatorAssertions.HasCountOptions().setTimeout(1000));
        long shownAfterMs = (System.nanoTime() - sent) / 1_000_000;
        assertThat(page.locator("#tail-feed")).containsText("tailed event one");
        System.out.println("dashboard live tail: an event was shown " + shownAfterMs + " ms after its ingest was sent");

        page.locator("#tail-pause").click();
        ingest("{\"message\":\"tailed while paused\"}");
        assertThat(page.locator("#tail-counts")).containsText("1 waiting");
        assertThat(page.locator("#tail-feed .event")).hasCount(1);
        page.locator("#tail-pause").click();
        assertThat(page.locator("#tail-feed .event")).hasCount(2);
        assertThat(page.locator("#tail-feed .event").last()).containsText("tailed while paused");
    }

    @Test
    void aDroppedTailConnectionResumesWithoutLosingOrRepeatingEvents() throws Exception {
        try (io.larch.testing.TcpProxy proxy = new io.larch.testing.TcpProxy(server.larch().port())) {
            Page page = browser.newPage();
            page.navigate(proxy.url() + "/");
            page.locator("#credential").fill(key);
            page.locator("form.signin button[type=submit]").click();
            page.navigate(proxy.url() + "/#/tail?q=resumed");
            assertThat(page.locator("#tail-status")).hasText("live");
            ingest("{\"message\":\"resumed event a\"}");
            assertThat(page.locator("#tail-feed .event")).hasCount(1);
            // The connection drops; events stored meanwhile must come when the page reconnects.
            proxy.cutAll();
            ingest("{\"message\":\"resumed event b\"}");
            ingest("{\"message\":\"resumed event c\"}");
            proxy.cutAll();
            assertThat(page.locator("#tail-feed .event")).hasCount(3);
            assertThat(page.locator("#tail-feed")).containsText("resumed event b");
            assertThat(page.locator("#tail-feed")).containsText("resumed event c");
            assertThat(page.locator("#tail-status")).hasText("live");
            ingest("{\"message\":\"resumed event d\"}");
            assertThat(page.locator("#tail-feed .event")).hasCount(4);
            assertThat(page.locator("#tail-feed .event").first()).containsText("resumed event a");
        }
    }

    @Test
    void fingerprintsAndBuildsClickThroughToTheirEvents() {
        Page page = signedIn(browser.newPage(), TestServer.ADMIN_TOKEN);
        page.navigate(base + "/#/fingerprints?project=shop");
        Locator template = page.locator("#fingerprint-list button.link", new Page.LocatorOptions().setHasText("order <*> checked out in <*> ms"));
        assertThat(template).isVisible();
        assertThat(page.locator("#fingerprint-list svg.sparkline").first()).isVisible();
        template.click();
        assertThat(page.locator("#q")).hasValue(Pattern.compile("^fingerprint:\\S+$"));
        assertThat(page.locator("#results .event")).hasCount(50);

        page.navigate(base + "/#/builds?project=shop");
        Locator rows = page.locator("#builds-list tbody tr");
        assertThat(rows).hasCount(3);
        assertThat(rows.filter(new Locator.FilterOptions().setHasText("b-7"))).containsText("failed");
        assertThat(rows.filter(new Locator.FilterOptions().setHasText("b-8"))).containsText("success");
        assertThat(rows.filter(new Locator.FilterOptions().setHasText("b-9"))).containsText("success");
        page.locator("#builds-list a", new Page.LocatorOptions().setHasText("b-7")).click();
        assertThat(page.locator("#build-log tr")).hasCount(2);
        assertThat(page.locator("#build-log")).containsText("tests failed: 2 of 340");
        com.microsoft.playwright.Download download = page.waitForDownload(() -> page.locator("#build-download").click());
        assertEquals("build-b-7.ndjson.gz", download.suggestedFilename());
    }

    @Test
    void anAlertLinkOpensItsSearchAndSigningOutForgetsTheCredential() {
        Page page = signedIn(browser.newPage(), TestServer.ADMIN_TOKEN);
        long id = server.projectId("shop");
        page.navigate(base + "/?project=" + id + "&q=payment");
        assertThat(page.locator("#q")).hasValue("payment");
        assertThat(page.locator("#results .event")).hasCount(1);
        assertTrue(page.url().contains("#/search?project=shop"), page.url());
        page.locator("#signout").click();
        assertThat(page.locator("#credential")).isVisible();
        assertEquals("null", page.evaluate("() => JSON.stringify(sessionStorage.getItem('larch.session'))").toString());
        page.navigate(base + "/#/search?q=payment");
        assertThat(page.locator("#credential")).isVisible();

        page.locator("#credential").fill("larch_" + "x".repeat(43));
        page.locator("form.signin button[type=submit]").click();
        assertThat(page.locator(".signin-error")).containsText("refused");
    }

    @Test
    void theFirstLoadIsSmallAndTheOverviewRendersFast() throws Exception {
        // A fresh browser context (nothing cached) whose tab is already signed in: a returning
        // user opening the dashboard. Everything it loads is counted, compressed as sent.
        Page page = browser.newPage();
        page.addInitScript("sessionStorage.setItem('larch.session', JSON.stringify({credential: 'admin', secret: '"
                + TestServer.ADMIN_TOKEN + "'}))");
        page.navigate(base + "/");
        page.waitForFunction("() => document.querySelector('#total-events .value') && document.querySelector('#levels-chart canvas')"
                + " && document.querySelector('#top-fingerprints table')");
        Object measured = page.evaluate("() => {"
                + " const nav = performance.getEntriesByType('navigation')[0];"
                + " const resources = performance.getEntriesByType('resource');"
                + " const bytes = nav.transferSize + resources.reduce((s, r) => s + r.transferSize, 0);"
                + " const decoded = nav.decodedBodySize + resources.reduce((s, r) => s + r.decodedBodySize, 0);"
                + " return JSON.stringify({transferBytes: bytes, decodedBytes: decoded, requests: resources.length + 1,"
                + "   overviewRenderedMs: Math.round(performance.now())}); }");
        JsonNode numbers = JSON.readTree(measured.toString());
        System.out.println("dashboard first load: " + numbers);
        Path out = Path.of("target", "dashboard-load.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, numbers.toString());
        assertTrue(numbers.get("requests").asInt() > 5, "the page loaded its scripts: " + numbers);
    }

    @Test
    void darkModeAndPhoneWidthScreenshots() {
        Page dark = signedIn(browser.newPage(1280, 800, ColorScheme.DARK), TestServer.ADMIN_TOKEN);
        assertThat(dark.locator("#total-events .value")).hasText(Pattern.compile("\\d+"));
        String background = dark.evaluate("() => getComputedStyle(document.body).backgroundColor").toString();
        assertEquals("rgb(17, 20, 24)", background, "the dark theme follows prefers-color-scheme");
        dark.navigate(base + "/#/search?project=shop&q=checkout&from=-1h");
        assertThat(dark.locator("#results .event")).hasCount(50);
        dark.locator("#theme").click();
        assertEquals("rgb(246, 247, 249)", dark.evaluate("() => getComputedStyle(document.body).backgroundColor").toString(),
                "the theme button chooses light over the system's dark");

        Page phone = signedIn(browser.newPage(390, 844, ColorScheme.LIGHT), TestServer.ADMIN_TOKEN);
        assertThat(phone.locator("#total-events .value")).hasText(Pattern.compile("\\d+"));
        int overflow = ((Number) phone.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")).intValue();
        assertTrue(overflow <= 0, "the overview fits a phone's width; overflows by " + overflow + " px");
        phone.navigate(base + "/#/search?project=shop&q=checkout&from=-1h");
        assertThat(phone.locator("#results .event")).hasCount(50);
    }
}
