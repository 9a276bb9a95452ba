package io.larch.testing;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.ColorScheme;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Debian's Chromium driven by Playwright, for whole-app browser tests. Register it with
 * {@code @RegisterExtension static final BrowserSession browser = new BrowserSession();}; each
 * test opens pages with {@link #newPage}. When a test fails, every page it opened is saved as a
 * screenshot under {@code target/browser-failures/} before the pages are closed.
 * Playwright never downloads a browser here: it runs {@code /usr/bin/chromium} (or
 * {@code LARCH_TEST_CHROMIUM}), which {@code .ci/run} installs.
 */
public final class BrowserSession implements AfterTestExecutionCallback, AfterAllCallback {
    /** Where screenshots of failed tests go. */
    public static final Path FAILURES = Path.of("target", "browser-failures");

    private Playwright playwright;
    private Browser browser;
    private final List<BrowserContext> contexts = new ArrayList<>();

    /** The executable the tests drive. */
    public static Path chromium() {
        String configured = System.getenv("LARCH_TEST_CHROMIUM");
        return Path.of(configured == null || configured.isBlank() ? "/usr/bin/chromium" : configured);
    }

    private Browser browser() {
        if (browser == null) {
            Path executable = chromium();
            if (!Files.isExecutable(executable)) {
                throw new IllegalStateException(executable + " is not installed: the browser tests drive Debian's "
                        + "Chromium (apt-get install chromium; .ci/run does it), or set LARCH_TEST_CHROMIUM");
            }
            playwright = Playwright.create(new Playwright.CreateOptions()
                    .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
            // Without the background-networking flags Chromium keeps calling Google's hosts,
            // which this machine's closed network refuses.
            browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                    .setExecutablePath(executable)
                    .setHeadless(true)
                    .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update", "--disable-sync",
                            "--disable-dev-shm-usage")));
        }
        return browser;
    }

    /** A new page in a fresh context (its own session storage), 1280 x 800, light. */
    public Page newPage() {
        return newPage(1280, 800, ColorScheme.LIGHT);
    }

    /** A new page in a fresh context of the given viewport and colour scheme. */
    public Page newPage(int width, int height, ColorScheme scheme) {
        BrowserContext context = browser().newContext(new Browser.NewContextOptions()
                .setViewportSize(width, height).setColorScheme(scheme).setDeviceScaleFactor(1));
        context.setDefaultTimeout(10_000);
        contexts.add(context);
        return context.newPage();
    }

    /**
     * Saves {@code page} as {@code name}.png in the directory named by the system property
     * {@code larch.screenshots} (the README's pictures: {@code ./larch screenshots}); does nothing
     * when it is not set, so the normal suite writes nothing into the repository.
     */
    public static void saveScreenshot(Page page, String name) {
        String dir = System.getProperty("larch.screenshots");
        if (dir == null || dir.isBlank()) {
            return;
        }
        page.screenshot(new Page.ScreenshotOptions().setPath(Path.of(dir).resolve(name + ".png")));
    }

    @Override
    public void afterTestExecution(ExtensionContext test) throws Exception {
        if (test.getExecutionException().isPresent()) {
            Files.createDirectories(FAILURES);
            int n = 0;
            for (BrowserContext context : contexts) {
                for (Page page : context.pages()) {
                    Path file = FAILURES.resolve(test.getRequiredTestClass().getSimpleName() + "-"
                            + test.getRequiredTestMethod().getName() + "-" + (n++) + ".png");
                    try {
                        page.screenshot(new Page.ScreenshotOptions().setPath(file).setFullPage(true));
                        System.err.println("browser test failed; screenshot: " + file.toAbsolutePath());
                    } catch (RuntimeException e) {
                        System.err.println("no screenshot of a page of the failed test: " + e.getMessage());
                    }
                }
            }
        }
        for (BrowserContext context : contexts) {
            context.close();
        }
        contexts.clear();
    }

    @Override
    public void afterAll(ExtensionContext test) {
        if (browser != null) {
            browser.close();
            playwright.close();
            browser = null;
            playwright = null;
        }
    }
}
