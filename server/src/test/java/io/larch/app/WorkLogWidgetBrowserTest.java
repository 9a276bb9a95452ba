package io.larch.app;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.ColorScheme;
import io.larch.testing.BrowserSession;
import io.larch.testing.HttpJson;
import io.larch.testing.SseClient;
import io.larch.testing.TestServer;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code <larch-work-log>} widget on {@code /demo/chat}, in Chromium, against a real server:
 * live over SSE, polling when the stream is blocked, a renewed viewer token, themes, relative
 * times and keyboard-expandable metadata. Each test reads its own user, so streams and rate
 * limits of one do not touch another.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkLogWidgetBrowserTest {
    @RegisterExtension
    static final BrowserSession browser = new BrowserSession();

    /** Another site, which embeds the widget: its one page is what {@link #embedderPage} holds. */
    private HttpServer embedder;
    private volatile String embedderPage = "";
    private TestServer server;
    private HttpJson http;
    private String key;

    @BeforeAll
    void start(@TempDir Path dataDir) throws IOException {
        embedder = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        embedder.createContext("/", exchange -> {
            byte[] page = embedderPage.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            // A strict policy: scripts and data from Larch only, no inline style anywhere.
            exchange.getResponseHeaders().set("Content-Security-Policy", "default-src 'none'; script-src "
                    + http.base() + "; connect-src " + http.base() + "; style-src 'none'");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        embedder.start();
        server = TestServer.start(dataDir, Map.of("LARCH_CORS_ORIGINS", embedderOrigin()), Clock.systemUTC());
        http = server.http();
        key = server.createProject("Chat App"); // scopes ingest and read: writes work logs, mints tokens
    }

    @AfterAll
    void stop() {
        server.close();
        embedder.stop(0);
    }

    private String embedderOrigin() {
        return "http://localhost:" + embedder.getAddress().getPort();
    }

    private String token(String userId, String conversationId, String ttl) {
        HttpJson.Response minted = http.post("/api/tokens", key, "{\"userId\":\"" + userId + "\",\"conversationId\":\""
                + conversationId + "\"" + (ttl == null ? "" : ",\"ttl\":\"" + ttl + "\"") + "}");
        assertEquals(201, minted.status(), minted.body());
        return minted.json().get("token").asText();
    }

    private String create(String userId, String conversationId, String logType, String status, String message,
            String metadataJson) {
        HttpJson.Response created = http.post("/api/work-log/create", key, "{\"userId\":\"" + userId
                + "\",\"conversationId\":\"" + conversationId + "\",\"logType\":\"" + logType + "\",\"status\":\""
                + status + "\",\"message\":\"" + message + "\"" + (metadataJson == null ? "" : ",\"metadata\":" + metadataJson) + "}");
        assertEquals(202, created.status(), created.body());
        return created.json().get("entryId").asText();
    }

    private void update(String entryId, String status, String metadataJson) {
        HttpJson.Response updated = http.post("/api/work-log/update", key, "{\"entryId\":\"" + entryId + "\",\"status\":\""
                + status + "\"" + (metadataJson == null ? "" : ",\"metadata\":" + metadataJson) + "}");
        assertEquals(202, updated.status(), updated.body());
    }

    /** A few steps of an agent at work, for the pictures: every status, one with metadata to expand. */
    private void agentAtWork(String userId, String conversationId) {
        create(userId, conversationId, "tool_call", "success", "Searched the logs of last night's export",
                "{\"tool\":\"search\",\"query\":\"export level>=warn\",\"results\":14}");
        create(userId, conversationId, "file_operation", "success", "Read config/export.yaml",
                "{\"path\":\"config/export.yaml\",\"bytes\":2048}");
        create(userId, conversationId, "tool_call", "warning", "The warehouse rejected 3 rows: column 'region' is too long",
                "{\"table\":\"orders\",\"rows\":3}");
        create(userId, conversationId, "error", "error", "Retrying the export failed: timeout after 30 s",
                "{\"attempt\":2,\"timeoutMs\":30000}");
        create(userId, conversationId, "ai_response", "info",
                "Region names longer than 32 characters are rejected; the column needs widening.", null);
        create(userId, conversationId, "deployment", "working", "Deploying the schema change to the warehouse",
                "{\"service\":\"warehouse\",\"version\":\"2026.12.04\"}");
    }

    private Page open(Page page, String token, String conversationId) {
        page.navigate(http.base() + "/demo/chat#token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)
                + "&conversation=" + conversationId);
        return page;
    }

    private static Locator widget(Page page) {
        return page.locator("larch-work-log");
    }

    private static Locator entries(Page page) {
        return page.locator("larch-work-log .entry");
    }

    private static Locator entry(Page page, String text) {
        return entries(page).filter(new Locator.FilterOptions().setHasText(text));
    }

    private static LocatorAssertions.HasAttributeOptions within(double millis) {
        return new LocatorAssertions.HasAttributeOptions().setTimeout(millis);
    }

    private static void assertNoDuplicateLines(Page page) {
        @SuppressWarnings("unchecked")
        List<String> ids = (List<String>) entries(page).evaluateAll("rows => rows.map(r => r.dataset.entryId)");
        assertEquals(ids.size(), new HashSet<>(ids).size(), "one line per entry: " + ids);
    }

    /** The relative luminance (0 black .. 1 white) of a computed {@code rgb(r, g, b)} colour. */
    private static double luminance(String rgb) {
        java.util.regex.Matcher m = Pattern.compile("rgba?\\((\\d+), (\\d+), (\\d+)").matcher(rgb);
        assertTrue(m.find(), "a computed colour: " + rgb);
        return (0.2126 * Integer.parseInt(m.group(1)) + 0.7152 * Integer.parseInt(m.group(2))
                + 0.0722 * Integer.parseInt(m.group(3))) / 255;
    }

    private static String cardBackground(Page page) {
        return (String) page.locator("larch-work-log .card").evaluate("card => getComputedStyle(card).backgroundColor");
    }

    @Test
    void anEntryArrivesLiveAndItsUpdateChangesTheSameLine() {
        Page page = browser.newPage();
        List<String> consoleErrors = new ArrayList<>();
        page.onConsoleMessage(message -> {
            if (message.type().equals("error")) {
                consoleErrors.add(message.text());
            }
        });
        open(page, token("u1", "c1", null), "c1");
        assertThat(widget(page)).hasAttribute("data-connection", "live", within(10_000));
        assertThat(page.locator("larch-work-log .conn")).hasAttribute("aria-label", Pattern.compile("Live"));

        String entryId = create("u1", "c1", "tool_call", "working", "Running the test suite", "{\"suite\":\"unit\"}");
        Locator line = entry(page, "Running the test suite");
        assertThat(line).hasCount(1, new LocatorAssertions.HasCountOptions().setTimeout(2_000));
        assertThat(line).hasAttribute("data-status", "working");
        assertThat(line.locator(".icon")).hasAttribute("aria-label", "Working");
        assertThat(line.locator(".type")).hasText("tool call");
        line.evaluate("row => row.dataset.seen = 'before the update'");

        update(entryId, "success", "{\"suite\":\"unit\",\"passed\":412}");
        assertThat(line).hasAttribute("data-status", "success", within(2_000));
        assertThat(line.locator(".icon")).hasAttribute("aria-label", "Succeeded");
        assertThat(entries(page)).hasCount(1);
        assertThat(line).hasAttribute("data-seen", "before the update"); // the same element, changed in place
        assertEquals(entryId, line.getAttribute("data-entry-id"));

        create("u1", "c1", "ai_response", "info", "All 412 tests pass", null);
        assertThat(entries(page)).hasCount(2, new LocatorAssertions.HasCountOptions().setTimeout(2_000));
        assertThat(entries(page).last()).containsText("All 412 tests pass"); // newest at the bottom
        assertNoDuplicateLines(page);
        assertEquals(List.of(), consoleErrors, "the page loads under its content policy without errors");
    }

    @Test
    void whenTheStreamIsBlockedTheWidgetPollsAndShowsEachEntryOnce() {
        // A work log in the last minute makes the server ask for a poll every second.
        String first = create("u2", "c2", "tool_call", "working", "Fetching the invoice", null);
        Page page = browser.newPage();
        page.route("**/api/work-log/stream**", Route::abort);
        open(page, token("u2", "c2", null), "c2");
        assertThat(widget(page)).hasAttribute("data-connection", "polling", within(10_000));
        assertThat(entry(page, "Fetching the invoice")).hasCount(1);

        create("u2", "c2", "file_operation", "success", "Saved invoice.pdf", "{\"path\":\"invoice.pdf\"}");
        assertThat(entry(page, "Saved invoice.pdf")).hasCount(1, new LocatorAssertions.HasCountOptions().setTimeout(4_000));
        update(first, "success", null);
        assertThat(entry(page, "Fetching the invoice")).hasAttribute("data-status", "success", within(4_000));
        assertThat(entries(page)).hasCount(2);
        assertNoDuplicateLines(page);
        assertThat(widget(page)).hasAttribute("data-connection", "polling");
        assertThat(page.locator("larch-work-log .conn")).hasAttribute("title", Pattern.compile("Polling"));
    }

    @Test
    void aPollingWidgetGoesBackToTheStreamOnceItWorksAgain() {
        create("u10", "c10", "info", "info", "Started", null); // a busy conversation: polls every second
        Page page = browser.newPage();
        page.route("**/api/work-log/stream**", Route::abort);
        open(page, token("u10", "c10", null), "c10");
        assertThat(widget(page)).hasAttribute("data-connection", "polling", within(10_000));
        widget(page).evaluate("w => { w.streamRetryMs = 300; w.reconnect(); }");
        create("u10", "c10", "tool_call", "working", "Polled for", null);
        assertThat(entry(page, "Polled for")).hasCount(1, new LocatorAssertions.HasCountOptions().setTimeout(4_000));

        page.unroute("**/api/work-log/stream**");
        assertThat(widget(page)).hasAttribute("data-connection", "live", within(5_000));
        create("u10", "c10", "tool_call", "success", "Streamed again", null);
        assertThat(entry(page, "Streamed again")).hasCount(1, new LocatorAssertions.HasCountOptions().setTimeout(2_000));
        assertThat(entries(page)).hasCount(3);
        assertNoDuplicateLines(page);
    }

    @Test
    void whenAnotherTabTakesTheUsersStreamOverTheWidgetPolls() {
        create("u11", "c11", "tool_call", "working", "Opened in the first tab", null);
        String token = token("u11", "c11", null);
        Page page = browser.newPage();
        open(page, token, "c11");
        assertThat(widget(page)).hasAttribute("data-connection", "live", within(10_000));
        List<SseClient> otherTabs = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) { // a user holds 3 streams: the 4th ends the oldest, the widget's
                otherTabs.add(LiveTailApiTest.stream(http, "/api/work-log/stream", token, null));
            }
            assertThat(widget(page)).hasAttribute("data-connection", "polling", within(5_000));
            create("u11", "c11", "tool_call", "success", "Seen by polling", null);
            assertThat(entry(page, "Seen by polling")).hasCount(1, new LocatorAssertions.HasCountOptions().setTimeout(4_000));
            assertThat(entries(page)).hasCount(2);
        } finally {
            otherTabs.forEach(SseClient::close);
        }
    }

    @Test
    void anExpiredViewerTokenIsRenewedByTheTokenProviderAndTheFeedGoesOn() {
        Page page = browser.newPage(); // first: starting the browser may take longer than the token lives
        String renewed = token("u3", "c3", "15m");
        open(page, token("u3", "c3", "3s"), "c3");
        page.evaluate("renewed => { window.renewals = 0; document.querySelector('larch-work-log').tokenProvider ="
                + " async () => { window.renewals++; return renewed; }; }", renewed);
        assertThat(widget(page)).hasAttribute("data-connection", "live", within(10_000));
        create("u3", "c3", "tool_call", "working", "Before the token expires", null);
        assertThat(entry(page, "Before the token expires")).hasCount(1);

        page.waitForFunction("() => window.renewals >= 1", null, new Page.WaitForFunctionOptions().setTimeout(10_000));
        assertThat(widget(page)).hasAttribute("data-connection", "live", within(5_000));
        create("u3", "c3", "tool_call", "success", "After the token was renewed", null);
        assertThat(entry(page, "After the token was renewed")).hasCount(1);
        assertThat(entries(page)).hasCount(2);
        assertEquals(1, ((Number) page.evaluate("() => window.renewals")).intValue());
        assertNoDuplicateLines(page);
    }

    @Test
    void anExpiredViewerTokenWithoutAProviderTellsThePage() {
        Page page = browser.newPage();
        open(page, token("u4", "c4", "3s"), "c4");
        page.evaluate("() => document.querySelector('larch-work-log').addEventListener('larch-token-expired',"
                + " () => window.expired = true)");
        assertThat(widget(page)).hasAttribute("data-connection", "live", within(10_000));
        assertThat(widget(page)).hasAttribute("data-connection", "offline", within(10_000));
        page.waitForFunction("() => window.expired === true");
        assertThat(page.locator("#connect-problem")).containsText("expired"); // the demo asks for a new token
    }

    @Test
    void theDarkColourSchemeDarkensTheWidgetAndThemeLightOverridesIt() {
        agentAtWork("u5", "c5");
        Page page = browser.newPage(1280, 800, ColorScheme.DARK);
        open(page, token("u5", "c5", null), "c5");
        assertThat(widget(page)).hasAttribute("data-connection", "live", within(10_000));
        assertThat(entries(page)).hasCount(6);
        assertTrue(luminance(cardBackground(page)) < 0.2, "dark by prefers-color-scheme: " + cardBackground(page));
        entry(page, "Searched the logs").locator(".toggle").click();
        BrowserSession.saveScreenshot(page, "widget-dark");

        widget(page).evaluate("w => w.setAttribute('theme', 'light')");
        assertTrue(luminance(cardBackground(page)) > 0.8, "theme=light wins: " + cardBackground(page));
        widget(page).evaluate("w => w.setAttribute('theme', 'dark')");
        assertTrue(luminance(cardBackground(page)) < 0.2, "theme=dark: " + cardBackground(page));
        assertThat(entries(page)).hasCount(6); // a theme is not a reconnect

        Locator toggle = page.locator("#theme-toggle");
        assertThat(toggle).hasAttribute("aria-pressed", "true");
        toggle.click(); // the demo's toggle: page and widget light
        assertThat(toggle).hasAttribute("aria-pressed", "false");
        assertThat(widget(page)).hasAttribute("theme", "light");
        assertTrue(luminance(cardBackground(page)) > 0.8, "the toggle made it light: " + cardBackground(page));
        assertTrue(luminance((String) page.evaluate("() => getComputedStyle(document.body).backgroundColor")) > 0.8);
    }

    @Test
    void relativeTimesMoveOnAndMetadataOpensFromTheKeyboard() {
        agentAtWork("u6", "c6");
        Page page = browser.newPage();
        open(page, token("u6", "c6", null), "c6");
        assertThat(widget(page)).hasAttribute("data-connection", "live", within(10_000));
        create("u6", "c6", "tool_call", "working", "Checking the warehouse schema", "{\"table\":\"orders\"}");
        Locator fresh = entry(page, "Checking the warehouse schema");
        assertThat(fresh.locator("time")).hasText("just now");

        Locator searched = entry(page, "Searched the logs");
        Locator toggle = searched.locator("button.toggle");
        assertThat(toggle).hasAttribute("aria-expanded", "false");
        assertThat(searched.locator(".details")).isHidden();
        toggle.focus();
        page.keyboard().press("Enter");
        assertThat(toggle).hasAttribute("aria-expanded", "true");
        assertThat(searched.locator(".details")).isVisible();
        Locator tool = searched.locator(".details div").filter(new Locator.FilterOptions().setHasText("tool"));
        assertThat(tool.locator("dt")).hasText("tool");
        assertThat(tool.locator("dd")).hasText("search");
        assertThat(searched.locator(".details")).containsText("export level>=warn");
        assertThat(searched.locator(".details")).not().containsText("entryId"); // reserved attrs are not metadata
        page.keyboard().press("Space");
        assertThat(toggle).hasAttribute("aria-expanded", "false");
        page.keyboard().press("Enter");
        assertThat(toggle).hasAttribute("aria-expanded", "true");

        assertThat(fresh.locator("time")).hasText(Pattern.compile("^\\d+ s ago$"),
                new LocatorAssertions.HasTextOptions().setTimeout(12_000));
        assertThat(page.locator("larch-work-log [role=log]")).hasAttribute("aria-live", "polite");
        BrowserSession.saveScreenshot(page, "widget-light");
    }

    @Test
    void onAPhoneTheThreadFitsTheScreen() {
        agentAtWork("u7", "c7");
        Page page = browser.newPage(390, 844, ColorScheme.LIGHT);
        open(page, token("u7", "c7", null), "c7");
        assertThat(widget(page)).hasAttribute("data-connection", "live", within(10_000));
        assertThat(entries(page)).hasCount(6);
        entry(page, "Deploying the schema change").locator(".toggle").click();
        int pageWidth = ((Number) page.evaluate("() => document.documentElement.scrollWidth")).intValue();
        assertTrue(pageWidth <= 390, "no sideways scrolling: " + pageWidth);
        double widgetRight = ((Number) widget(page).evaluate("w => w.getBoundingClientRect().right")).doubleValue();
        assertTrue(widgetRight <= 390, "the widget fits: " + widgetRight);
        BrowserSession.saveScreenshot(page, "widget-phone");
    }

    @Test
    void withoutATokenInTheFragmentTheDemoAsksForOne() {
        create("u8", "c8", "info", "info", "Welcome back", null);
        String token = token("u8", "c8", null);
        Page page = browser.newPage();
        page.navigate(http.base() + "/demo/chat");
        assertThat(page.locator("#connect")).isVisible();
        assertThat(page.locator("#connect")).containsText("POST /api/tokens");
        assertThat(widget(page)).hasAttribute("data-connection", "offline");
        page.getByRole(AriaRole.TEXTBOX, new Page.GetByRoleOptions().setName("Viewer token")).fill(token);
        page.getByRole(AriaRole.TEXTBOX, new Page.GetByRoleOptions().setName("Conversation")).fill("c8");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Connect")).click();
        assertThat(widget(page)).hasAttribute("data-connection", "live", within(10_000));
        assertThat(entry(page, "Welcome back")).hasCount(1);
        assertThat(page.locator("#connect")).isHidden();
        assertTrue(page.url().contains("#token=larchvt_"), "the token lives in the fragment: " + page.url());
    }

    @Test
    void anotherSiteEmbedsTheWidgetAsAModuleThroughCors() {
        String token = token("u9", "c9", null);
        create("u9", "c9", "tool_call", "success", "Looked up the order", null);
        Page page = browser.newPage();
        // No server attribute: the widget reads from where its script came from.
        embedderPage = "<!doctype html><title>an app</title><script type=module src='" + http.base()
                + "/widget/larch-work-log.js'></script><larch-work-log token='" + token + "'></larch-work-log>";
        page.navigate(embedderOrigin() + "/app");
        assertThat(widget(page)).hasAttribute("data-connection", "live", within(10_000));
        assertThat(entry(page, "Looked up the order")).hasCount(1);
        create("u9", "c9", "ai_response", "info", "Your order ships tomorrow", null);
        assertThat(entry(page, "Your order ships tomorrow")).hasCount(1);
        assertEquals("rgb(255, 255, 255)", cardBackground(page), "styled, though the page allows no inline style");
    }
}
