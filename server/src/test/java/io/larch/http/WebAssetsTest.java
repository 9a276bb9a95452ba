package io.larch.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's files read from a real jar, as the released larch.jar serves them. */
class WebAssetsTest {
    @TempDir
    Path dir;

    private URLClassLoader jarWith(String... namesAndContents) throws IOException {
        Path jar = dir.resolve("web.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                out.putNextEntry(new JarEntry(namesAndContents[i]));
                out.write(namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
    }

    @Test
    void findsTopLevelPagesAndFilesInDirectoriesOfAJar() throws IOException {
        try (URLClassLoader loader = jarWith("web/index.html", "<!doctype html>", "web/assets/app.js", "export {}")) {
            WebAssets assets = new WebAssets(loader);
            assertEquals("<!doctype html>", new String(assets.require("", "index.html").bytes(), StandardCharsets.UTF_8));
            assertEquals("text/javascript; charset=utf-8", assets.require("assets", "app.js").contentType());
            assertTrue(assets.find("assets", "missing.js").isEmpty());
            assertTrue(assets.find("assets", "..").isEmpty());
            assertTrue(assets.find("", "../index.html").isEmpty());
        }
    }

    @Test
    void gzipIsTakenUnlessRefused() {
        assertTrue(WebRoutes.acceptsGzip("gzip, deflate, br"));
        assertTrue(WebRoutes.acceptsGzip("br;q=1.0, GZIP;q=0.5"));
        assertTrue(WebRoutes.acceptsGzip("*"));
        assertTrue(!WebRoutes.acceptsGzip("gzip;q=0"));
        assertTrue(!WebRoutes.acceptsGzip("gzip; q=0.000, identity"));
        assertTrue(!WebRoutes.acceptsGzip("identity"));
        assertTrue(!WebRoutes.acceptsGzip(null));
    }

    @Test
    void missesAreNotRemembered() throws IOException {
        try (URLClassLoader loader = jarWith("web/index.html", "x")) {
            WebAssets assets = new WebAssets(loader);
            for (int i = 0; i < 1000; i++) {
                assertTrue(assets.find("assets", "nope" + i + ".js").isEmpty());
            }
            assertEquals(0, assets.cachedFiles(), "public names must not grow memory");
            assets.require("", "index.html");
            assertEquals(1, assets.cachedFiles());
        }
    }

    @Test
    void aJarWithoutItsPagesFailsWithWhatToDo() throws IOException {
        try (URLClassLoader loader = jarWith("web/assets/app.js", "export {}")) {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> new WebAssets(loader).require("", "index.html"));
            assertEquals("web/index.html is missing from the jar; rebuild it with ./larch build", e.getMessage());
        }
    }
}
