package io.larch.app;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.ColorScheme;
import io.larch.testing.BrowserSession;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every page of the dashboard, light and dark, at 1280 px and at a phone's 390 px: it renders
 * without an error and without a page wider than the screen. These runs also take the README's
 * pictures ({@code -Dlarch.screenshots=DIR}, see {@code ./larch screenshots}).
 */
class DashboardPagesBrowserTest {
    private static final List<String> PAGES = List.of("overview", "search", "tail", "fingerprints", "builds", "alerts",
            "projects", "system");

    @RegisterExtension
    static final BrowserSession browser = new BrowserSession();

    @TempDir
    static Path dir;
    static TestServer server;
    static HttpJson http;
    static String key;

    @BeforeAll
    static void start() {
        server = TestServer.start(dir);
        http = server.http();
        key = http.post("/admin/projects", TestServer.ADMIN_TOKEN, "{\"name\":\"Shop\",\"slug\":\"shop\"}").json().get("key").asText();
        long now = System.currentTimeMillis();
        String[] sources = {"checkout", "payments", "search", "worker"};
        StringBuilder batch = new StringBuilder("{\"events\":[");
        for (int i = 0; i < 240; i++) {
            String level = i % 13 == 0 ? "error" : i % 5 == 0 ? "warn" : i % 7 == 0 ? "debug" : "info";
            String message = switch (i % 4) {
                case 0 -> "order " + (1000 + i) + " checked out in " + (i * 7 % 900) + " ms";
                case 1 -> i % 13 == 0 ? "card declined for order " + (1000 + i) : "charged card for order " + (1000 + i);
                case 2 -> "query \\\"red shoes\\\" answered " + (i % 40) + " hits";
                default -> "job " + i + " finished after " + (i % 9) + " s";
            };
            batch.append(i == 0 ? "" : ",").append("{\"ts\":").append(now - (239 - i) * 14_000L).append(",\"level\":\"")
                    .append(level).append("\",\"message\":\"").append(message).append("\",\"source\":\"").append(sources[i % 4])
                    .append("\",\"userId\":\"u").append(i % 9).append("\",\"attrs\":{\"region\":\"").append(i % 3 == 0 ? "eu" : "us")
                    .append("\"}}");
        }
        ingest(batch.append("]}").toString());
        ingest("{\"kind\":\"build\",\"buildId\":\"b-41\",\"status\":\"success\",\"message\":\"build finished in 84 s\"}");
        ingest("{\"kind\":\"build\",\"buildId\":\"b-42\",\"level\":\"error\",\"status\":\"failed\",\"message\":\"tests failed: 2 of 340\"}");
        ingest("{\"kind\":\"build\",\"buildId\":\"b-43\",\"message\":\"compiling 12 modules\"}");
        assertEquals(201, http.post("/admin/alerts?project=shop", TestServer.ADMIN_TOKEN,
                "{\"name\":\"checkout errors\",\"kind\":\"spike\",\"query\":\"source:checkout level>=error\",\"threshold\":5,\"window\":\"1m\"}").status());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void ingest(String body) {
        HttpJson.Response response = http.post("/api/log", key, body);
        assertEquals(202, response.status(), response.body());
    }

    @Test
    void everyPageRendersInBothThemesAtDesktopAndPhoneWidth() {
        List<String> problems = new ArrayList<>();
        for (ColorScheme scheme : List.of(ColorScheme.LIGHT, ColorScheme.DARK)) {
            for (int width : new int[] {1280, 390}) {
                Page page = browser.newPage(width, width == 390 ? 844 : 800, scheme);
                page.addInitScript("sessionStorage.setItem('larch.session', JSON.stringify({credential: 'admin', secret: '"
                        + TestServer.ADMIN_TOKEN + "'}))");
                for (String route : PAGES) {
                    String variant = route + (width == 390 ? "-phone" : "") + (scheme == ColorScheme.DARK ? "-dark" : "-light");
                    page.navigate(http.base() + "/#/" + route + "?project=shop");
                    page.reload();
                    assertThat(page.locator("main.page h1").first()).isVisible();
                    page.waitForFunction("() => !document.querySelector('main.page').textContent.includes('loading…')");
                    if (route.equals("tail")) {
                        assertThat(page.locator("#tail-status")).hasText("live");
                        for (int i = 0; i < 4; i++) {
                            ingest("{\"level\":\"" + (i == 2 ? "warn" : "info") + "\",\"source\":\"worker\",\"message\":\"job " + i
                                    + " picked up by worker-" + i + "\"}");
                        }
                        assertThat(page.locator("#tail-feed .event")).hasCount(4);
                    }
                    page.waitForTimeout(150);
                    int errors = page.locator(".notice-error").count();
                    if (errors > 0) {
                        problems.add(variant + ": " + page.locator(".notice-error").first().textContent());
                    }
                    int overflow = ((Number) page.evaluate(
                            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")).intValue();
                    if (overflow > 0) {
                        problems.add(variant + ": the page is " + overflow + " px wider than the screen");
                    }
                    BrowserSession.saveScreenshot(page, variant);
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }
}
