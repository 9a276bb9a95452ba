package io.larch.app;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.ColorScheme;
import com.sun.net.httpserver.HttpServer;
import io.larch.testing.BrowserSession;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's Alerts, Projects & keys and System pages in Chromium against a real server:
 * what is done in the page is checked through the API (rules, keys, settings, projects), and a
 * webhook receiver on loopback takes the test alerts.
 */
class DashboardAdminBrowserTest {
    private static final String ADMIN = TestServer.ADMIN_TOKEN;

    @RegisterExtension
    static final BrowserSession browser = new BrowserSession();

    @TempDir
    static Path dataDir;
    @TempDir
    static Path configDir;
    private static TestServer server;
    private static HttpJson http;
    private static HttpServer receiver;
    /** Signature headers of the webhook calls received (null when a call was unsigned). */
    private static final List<String> signatures = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            signatures.add(exchange.getRequestHeaders().getFirst("X-Larch-Signature"));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        Path rulesFile = configDir.resolve("alerts.json");
        Files.writeString(rulesFile, "{\"rules\":[]}");
        server = TestServer.start(dataDir, Map.of("LARCH_ALERT_PRIVATE_TARGETS", "on",
                "LARCH_ALERT_RULES_FILE", rulesFile.toString()), Clock.systemUTC());
        http = server.http();
        String shopKey = server.createProject("Shop");
        String damagedKey = server.createProject("Damaged");
        String batch = "{\"level\":\"error\",\"source\":\"checkout\",\"message\":\"card declined\"}\n"
                + "{\"level\":\"info\",\"source\":\"checkout\",\"message\":\"order placed\"}\n";
        for (String key : List.of(shopKey, damagedKey)) {
            HttpJson.Response stored = http.post("/api/log", key, "application/x-ndjson", batch.getBytes(StandardCharsets.UTF_8));
            assertEquals(202, stored.status(), stored.body());
        }
        server.sealNow();
        // One bit flipped in the damaged project's part: the next maintenance scrub quarantines it.
        Path part;
        try (Stream<Path> files = Files.list(dataDir.resolve("parts").resolve(Long.toString(server.projectId("damaged"))).resolve("app"))) {
            part = files.filter(f -> f.toString().endsWith(".parquet") && !f.toString().endsWith(".rollup.parquet")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(part);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(part, bytes);
        server.sealNow();
        assertEquals(1, http.get("/admin/storage", ADMIN).json().get("quarantined").size(), "the damaged part is quarantined");
        // A rule from the rules file: the page shows it read-only.
        Files.writeString(rulesFile, "{\"rules\":[{\"project\":\"shop\",\"name\":\"from the file\",\"kind\":\"pattern\","
                + "\"query\":\"payment\"}]}");
        HttpJson.Response reloaded = http.post("/admin/alerts/reload", ADMIN, "");
        assertEquals(200, reloaded.status(), reloaded.body());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    private static String base() {
        return http.base();
    }

    /** Opens the dashboard at {@code route}, signs in through the form and waits for the header. */
    private static Page signIn(Page page, String credential, String route) {
        page.navigate(base() + "/#/" + route);
        page.locator("#credential").fill(credential);
        page.locator("form.signin button[type=submit]").click();
        assertThat(page.locator("header.topbar")).isVisible();
        return page;
    }

    private static JsonNode rule(String project, String name) {
        for (JsonNode rule : http.get("/admin/alerts?project=" + project, ADMIN).json().get("rules")) {
            if (rule.get("name").asText().equals(name)) {
                return rule;
            }
        }
        return null;
    }

    private static String keyPrefix(String project, String name) {
        for (JsonNode key : http.get("/admin/projects/" + project + "/keys", ADMIN).json().get("keys")) {
            if (key.get("name").asText().equals(name)) {
                return key.get("prefix").asText();
            }
        }
        throw new AssertionError("no key named " + name);
    }

    private static String createKey(String project, String name, String scopes) {
        HttpJson.Response created = http.post("/admin/projects/" + project + "/keys", ADMIN,
                "{\"name\":\"" + name + "\",\"scopes\":" + scopes + "}");
        assertEquals(201, created.status(), created.body());
        return created.json().get("key").asText();
    }

    @Test
    void alertRuleMadeInTheFormIsInTheApiAndCanBeTestedEditedAndDeleted() {
        Page page = signIn(browser.newPage(), ADMIN, "alerts?project=shop");
        assertThat(page.locator("#alert-rules tr[data-rule-name='error spike']")).containsText("default");
        Locator fromFile = page.locator("#alert-rules tr[data-rule-name='from the file']");
        assertThat(fromFile).containsText("file · read-only");
        assertThat(fromFile.locator("button[aria-label='edit from the file']")).isDisabled();
        assertThat(fromFile.locator("button[aria-label='delete from the file']")).isDisabled();

        page.locator("#new-rule").click();
        page.locator("#rule-name").fill("checkout errors");
        page.locator("#rule-kind").selectOption("pattern");
        page.locator("#rule-query").fill("source:checkout level>=error");
        page.locator("#rule-threshold").fill("3");
        page.locator("#rule-window").fill("soon");
        page.locator("#rule-suppress").fill("30m");
        page.locator("#add-channel").click();
        page.locator("#channel-type-0").selectOption("webhook");
        assertThat(page.locator("#channel-to-0")).isHidden();
        assertThat(page.locator("#channel-secret-0")).isVisible();
        String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook/abc";
        page.locator("#channel-url-0").fill(hook);
        page.locator("#channel-secret-0").fill("hook-secret");
        page.locator("#save-rule").click();
        // The server's 400 names the field: shown beside the form and under that field.
        assertThat(page.locator("#alert-form-error")).containsText("window: a duration like 60s, 5m or 1h, got 'soon'");
        assertThat(page.locator("#rule-window")).hasAttribute("aria-invalid", "true");
        assertThat(page.locator("#rule-min-events")).isHidden();
        assertTrue(rule("shop", "checkout errors") == null, "a refused rule is not stored");

        page.locator("#rule-window").fill("10m");
        page.locator("#save-rule").click();
        Locator row = page.locator("#alert-rules tr[data-rule-name='checkout errors']");
        assertThat(row).containsText("≥ 3 events matching source:checkout level>=error in 10m");
        assertThat(row).containsText("webhook");
        assertThat(page.locator("#alert-form-card")).isHidden();
        JsonNode stored = rule("shop", "checkout errors");
        assertEquals("pattern", stored.get("kind").asText());
        assertEquals("source:checkout level>=error", stored.get("query").asText());
        assertEquals(3, stored.get("threshold").asInt());
        assertEquals("10m", stored.get("window").asText());
        assertEquals("30m", stored.get("suppress").asText());
        assertEquals("webhook", stored.get("channels").get(0).get("type").asText());
        assertEquals("(set)", stored.get("channels").get(0).get("secret").asText());

        // A name in use is the server's 409, shown in the form.
        page.locator("#new-rule").click();
        page.locator("#rule-name").fill("error spike");
        page.locator("#save-rule").click();
        assertThat(page.locator("#alert-form-error")).containsText("already has a rule named 'error spike'");
        assertThat(page.locator("#rule-name")).hasAttribute("aria-invalid", "true");
        page.getByText("Cancel").click();

        // Test: the webhook gets a signed call and the page shows each channel's answer.
        row.locator("button[aria-label='test checkout errors']").click();
        assertThat(page.locator("#alert-test-result")).containsText("every channel took it");
        assertThat(page.locator("#alert-test-result")).containsText("delivered");
        assertTrue(signatures.stream().anyMatch(s -> s != null && s.startsWith("sha256=")), signatures.toString());
        assertThat(page.locator("#alert-history tr", new Page.LocatorOptions().setHasText("checkout errors")).first())
                .containsText("test");

        // Edit: the webhook URL must be sent whole again; without it the server says so at that field.
        row.locator("button[aria-label='edit checkout errors']").click();
        assertThat(page.locator("#rule-query")).hasValue("source:checkout level>=error");
        page.locator("#rule-threshold").fill("7");
        // The secret is not shown back either: leaving it empty must be a choice, not a silent loss.
        page.locator("#save-rule").click();
        assertThat(page.locator("#alert-form-error")).containsText("channels[0].secret");
        assertEquals("(set)", rule("shop", "checkout errors").get("channels").get(0).get("secret").asText(), "nothing saved yet");
        page.locator("#channel-unsign-0").check();
        page.locator("#save-rule").click();
        assertThat(page.locator("#alert-form-error")).containsText("channels[0].url");
        assertThat(page.locator("#channel-url-0")).hasAttribute("aria-invalid", "true");
        page.locator("#channel-url-0").fill(hook);
        page.locator("#save-rule").click();
        assertThat(row).containsText("≥ 7 events");
        assertEquals(7, rule("shop", "checkout errors").get("threshold").asInt());
        assertEquals("(none)", rule("shop", "checkout errors").get("channels").get(0).path("secret").asText("(none)"),
                "signing stopped, as ticked");

        // Delete asks first; cancelling keeps the rule.
        row.locator("button[aria-label='delete checkout errors']").click();
        page.locator("dialog.confirm button[value=no]").click();
        assertThat(row).hasCount(1);
        row.locator("button[aria-label='delete checkout errors']").click();
        page.locator("#confirm-yes").click();
        assertThat(row).hasCount(0);
        assertTrue(rule("shop", "checkout errors") == null, "deleted in the API too");
    }

    @Test
    void keyCreatedInThePageWorksAndRevokedInThePageStopsWorking() {
        Page page = signIn(browser.newPage(), ADMIN, "projects?project=shop");
        page.locator("#key-name").fill("ci reader");
        page.locator("#scope-ingest").uncheck();
        page.locator("#create-key").click();
        Locator secret = page.locator("#key-created .secret");
        assertThat(secret).containsText("larch_");
        assertThat(page.locator("#key-created")).containsText("shown only once");
        String key = secret.textContent().trim();
        assertEquals(200, http.get("/api/log?limit=1", key).status(), "the shown key reads");
        assertEquals(403, http.post("/api/log", key, "{\"events\":[{\"message\":\"x\"}]}").status(), "without the ingest scope");

        String prefix = keyPrefix("shop", "ci reader");
        Locator row = page.locator("#keys tr[data-prefix='" + prefix + "']");
        assertThat(row).containsText("active");
        row.locator("button").click();
        assertThat(page.locator("dialog.confirm")).containsText("Revoke the key " + prefix);
        page.locator("#confirm-yes").click();
        assertThat(row).containsText("revoked");
        assertEquals(401, http.get("/api/log?limit=1", key).status(), "a revoked key is refused");
    }

    @Test
    void settingsAndRetentionShowTheServersRefusalInPlaceAndSaveWhatIsValid() {
        Page page = signIn(browser.newPage(), ADMIN, "projects?project=shop");
        page.locator("#setting-limit-eventsPerMinute").fill("lots");
        page.locator("#save-settings").click();
        assertThat(page.locator("#settings-error")).containsText("limits.eventsPerMinute: must be a whole number");
        assertThat(page.locator("#setting-limit-eventsPerMinute")).hasAttribute("aria-invalid", "true");

        page.locator("#setting-limit-eventsPerMinute").fill("60000");
        page.locator("#save-settings").click();
        assertThat(page.locator("#settings-error")).containsText("saved the settings of shop");
        assertEquals(60000, http.get("/admin/projects/shop/settings", ADMIN).json().get("limits").get("eventsPerMinute").asLong());

        // Signing cannot be required before there is a secret: the server says so.
        page.locator("#setting-signing").selectOption("required");
        page.locator("#save-settings").click();
        assertThat(page.locator("#settings-error")).containsText("signing: the project has no signing secret yet");

        page.locator("#rotate-secret").click();
        page.locator("#confirm-yes").click();
        assertThat(page.locator("#signing-secret-output .secret")).containsText("larchsig_");
        assertEquals("(set)", http.get("/admin/projects/shop/settings", ADMIN).json().get("signingSecret").asText());
        page.locator("#setting-signing").selectOption("optional");
        page.locator("#save-settings").click();
        assertThat(page.locator("#settings-error")).containsText("saved");
        assertEquals("optional", http.get("/admin/projects/shop/settings", ADMIN).json().get("signing").asText());
        page.locator("#setting-signing").selectOption("off");
        page.locator("#save-settings").click();
        assertThat(page.locator("#settings-error")).containsText("saved");

        page.locator("#retention-deleteAfter").fill("1h");
        page.locator("#save-retention").click();
        assertThat(page.locator("#retention-form .form-error")).containsText("retention: hot (7d) <= warm (30d)");
        page.locator("#retention-deleteAfter").fill("120d");
        page.locator("#save-retention").click();
        assertThat(page.locator("#retention-form .form-error")).containsText("saved the retention of shop");
        assertEquals("120d", http.get("/admin/projects/shop/retention", ADMIN).json().get("deleteAfter").asText());
    }

    @Test
    void projectCreatedInThePageAppearsInTheSelectorWithItsKeyShownOnce() {
        Page page = signIn(browser.newPage(), ADMIN, "projects");
        page.locator("#project-name").fill("Billing Team");
        page.locator("#project-slug").fill("billing");
        page.locator("#create-project").click();
        Locator secret = page.locator("#project-created .secret");
        assertThat(secret).containsText("larch_");
        assertThat(page.locator("#project-created")).containsText("shown only once");
        assertThat(page.locator("#project option[value=billing]")).hasText("Billing Team (billing)");
        assertThat(page.locator("#projects-card tr[data-slug=billing]")).isVisible();
        assertEquals(200, http.get("/api/log?limit=1", secret.textContent().trim()).status(), "its first key reads");

        page.locator("#project-name").fill("Billing Again");
        page.locator("#project-slug").fill("billing");
        page.locator("#create-project").click();
        assertThat(page.locator("#project-form .form-error")).not().isEmpty();

        page.locator("#open-created-project").click();
        assertThat(page.locator("#page-projects .section-title")).hasText("Project Billing Team (billing)");
        assertThat(page.locator("#project")).hasValue("billing");
        assertThat(page.locator("#project-created")).isEmpty();
    }

    @Test
    void systemPageShowsStorageMetricsReadinessAndRunsMaintenance() {
        Page page = signIn(browser.newPage(), ADMIN, "system");
        Locator shop = page.locator("#storage tr[data-project=shop]");
        assertThat(shop).isVisible();
        assertThat(shop.locator("td").nth(2)).hasText(Pattern.compile("[1-9][0-9,]*"));
        Locator quarantined = page.locator("#quarantined-parts");
        assertThat(quarantined.locator("h2")).hasText("Quarantined parts: 1");
        assertThat(quarantined.locator("tbody tr")).containsText("damaged");
        assertThat(page.locator("#metrics-summary [data-metric=larch_parts_quarantined]")).hasClass(Pattern.compile("tile-bad"));
        assertThat(page.locator("#metrics-summary [data-metric=larch_sealed_events_total] .value")).hasText(Pattern.compile("[1-9][0-9,]*"));
        assertThat(page.locator("#metrics-summary [data-metric=larch_sse_connections]")).containsText("live tail connections");
        assertThat(page.locator("#ready-status")).hasText("ready");
        assertThat(page.locator("#tiers")).containsText("hot");
        assertThat(page.locator("#last-maintenance")).not().isEmpty();

        page.locator("#run-maintenance").click();
        assertThat(page.locator("#maintenance-result")).containsText("Maintenance just now");
        assertThat(page.locator("#maintenance-result")).containsText("ok");
        assertThat(page.locator("#last-maintenance")).containsText("admin");
        page.locator("button[aria-label='close the maintenance report']").click();
        assertThat(page.locator("#maintenance-result")).isEmpty();
    }

    @Test
    void aReadOnlyKeyIsToldWhatItLacksInsteadOfSeeingErrors() {
        String reader = createKey("shop", "reader", "[\"read\"]");
        Page page = signIn(browser.newPage(), reader, "alerts");
        assertThat(page.locator("#page-alerts .notice")).containsText("need the admin token or a key of this project with the admin scope");
        page.navigate(base() + "/#/projects");
        assertThat(page.locator("#page-projects .notice")).containsText("need the admin token or a key of this project with the admin scope");

        String admin = createKey("shop", "project admin", "[\"admin\"]");
        Page adminPage = signIn(browser.newPage(), admin, "alerts");
        assertThat(adminPage.locator("#alert-rules tr[data-rule-name='error spike']")).isVisible();
        adminPage.navigate(base() + "/#/projects");
        assertThat(adminPage.locator("#keys tr[data-prefix='" + keyPrefix("shop", "project admin") + "']")).containsText("admin");
        assertThat(adminPage.locator("#projects-card")).hasCount(0);
    }

    @Test
    void historyShowsEachChannelsDeliveryAndPagesToOlderAlerts() {
        server.createProject("Noisy");
        String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/noisy";
        HttpJson.Response created = http.post("/admin/alerts?project=noisy", ADMIN, "{\"name\":\"noisy\",\"kind\":\"spike\","
                + "\"channels\":[{\"type\":\"slack\",\"url\":\"" + hook + "\"}]}");
        assertEquals(201, created.status(), created.body());
        long id = created.json().get("id").asLong();
        for (int i = 0; i < 55; i++) {
            assertEquals(200, http.post("/admin/alerts/" + id + "/test?project=noisy", ADMIN, "").status());
        }
        Page page = signIn(browser.newPage(), ADMIN, "alerts?project=noisy");
        Locator rows = page.locator("#alert-history tbody tr");
        assertThat(rows).hasCount(50);
        assertThat(rows.first()).containsText("slack delivered");
        page.locator("#older-alerts").click();
        assertThat(rows).hasCount(55);
        assertThat(page.locator("#older-alerts")).hasCount(0);
    }

    @Test
    void aRuleCanBeMadeAndADeletionCancelledWithTheKeyboardAlone() {
        Page page = signIn(browser.newPage(), ADMIN, "alerts?project=shop");
        assertThat(page.locator("#alert-rules table")).isVisible();
        page.locator("#new-rule").focus();
        page.keyboard().press("Enter");
        assertThat(page.locator("#rule-name")).isFocused();
        page.keyboard().type("typed rule");
        page.keyboard().press("Tab");
        assertThat(page.locator("#rule-kind")).isFocused();
        page.locator("#rule-name").press("Enter");
        Locator row = page.locator("#alert-rules tr[data-rule-name='typed rule']");
        assertThat(row).containsText("spike");
        assertThat(page.locator("#new-rule")).isFocused();
        assertEquals("spike", rule("shop", "typed rule").get("kind").asText());

        row.locator("button[aria-label='delete typed rule']").focus();
        page.keyboard().press("Enter");
        assertThat(page.locator("dialog.confirm")).isVisible();
        page.keyboard().press("Escape");
        assertThat(page.locator("dialog.confirm")).hasCount(0);
        assertThat(row).hasCount(1);
        row.locator("button[aria-label='delete typed rule']").focus();
        page.keyboard().press("Enter");
        page.locator("#confirm-yes").focus();
        page.keyboard().press("Enter");
        assertThat(row).hasCount(0);
    }

    @Test
    void pagesInTheDarkAndOnAPhone() {
        Page dark = signIn(browser.newPage(1280, 800, ColorScheme.DARK), ADMIN, "alerts?project=shop");
        assertThat(dark.locator("#alert-history")).not().containsText("loading");
        assertThat(dark.locator("#alert-rules tr[data-rule-name='error spike']")).isVisible();
        dark.navigate(base() + "/#/projects?project=shop");
        assertThat(dark.locator("#keys table")).isVisible();
        assertThat(dark.locator("#settings-form")).isVisible();
        dark.navigate(base() + "/#/system");
        assertThat(dark.locator("#storage table")).isVisible();
        assertThat(dark.locator("#metrics-summary .tile").first()).isVisible();

        Page phone = signIn(browser.newPage(390, 844, ColorScheme.LIGHT), ADMIN, "projects?project=shop");
        assertThat(phone.locator("#keys table")).isVisible();
        assertThat(phone.locator("#retention-form")).isVisible();
        assertNoSidewaysScroll(phone, "projects");
        phone.navigate(base() + "/#/alerts?project=shop");
        phone.locator("#new-rule").click();
        phone.locator("#add-channel").click();
        assertThat(phone.locator("#channel-url-0")).isVisible();
        assertNoSidewaysScroll(phone, "alerts");
        phone.navigate(base() + "/#/system");
        assertThat(phone.locator("#storage table")).isVisible();
        assertThat(phone.locator("#tiers table")).isVisible();
        assertNoSidewaysScroll(phone, "system");
    }

    /** Wide tables scroll inside their card; the page itself never scrolls sideways. */
    private static void assertNoSidewaysScroll(Page page, String what) {
        int overflow = ((Number) page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")).intValue();
        assertTrue(overflow <= 0, "the " + what + " page scrolls sideways on a phone by " + overflow + " px");
    }
}
