package io.larch.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * The dashboard's files, read from the classpath ({@code web/} in the jar) once and kept with
 * their gzip form and an ETag. Thread-safe: files are loaded at most once into a concurrent map.
 * Names are one path segment of letters, digits, dots and dashes, so no request reaches outside
 * {@code web/}.
 */
final class WebAssets {
    /** The uPlot release vendored through its WebJar (MIT licence, in the same WebJar). */
    static final String UPLOT_VERSION = "1.6.30";
    private static final String UPLOT_DIR = "META-INF/resources/webjars/uplot/" + UPLOT_VERSION + "/";
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,80}");
    /** Files served under another name than their classpath path. */
    private static final Map<String, String> VENDORED = Map.of(
            "assets/uPlot.iife.min.js", UPLOT_DIR + "dist/uPlot.iife.min.js",
            "assets/uPlot.min.css", UPLOT_DIR + "dist/uPlot.min.css",
            "assets/uPlot.LICENSE", UPLOT_DIR + "LICENSE");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "LICENSE", "text/plain; charset=utf-8",
            "txt", "text/plain; charset=utf-8");

    /** One file: its bytes, the same gzipped, its content type and a strong ETag for each encoding. */
    record Asset(byte[] bytes, byte[] gzipped, String contentType, String etag, String gzippedEtag) {
    }

    /** The files found so far (never a miss); at most the jar's web files. */
    private final Map<String, Optional<Asset>> loaded = new ConcurrentHashMap<>();
    private final ClassLoader classLoader;

    /** The files of the jar (or classes directory) Larch runs from. */
    WebAssets() {
        this(WebAssets.class.getClassLoader());
    }

    /** The files under {@code web/} of {@code classLoader}. */
    WebAssets(ClassLoader classLoader) {
        this.classLoader = classLoader;
    }

    /** The file {@code dir/name}, or empty when there is none or the name is not a plain file name. */
    Optional<Asset> find(String dir, String name) {
        if (name == null || !SAFE_NAME.matcher(name).matches() || name.contains("..")) {
            return Optional.empty();
        }
        // No "//" for the top directory: a jar has no entry "web//index.html", though a directory would find it.
        String path = dir.isEmpty() ? name : dir + "/" + name;
        Optional<Asset> cached = loaded.get(path);
        if (cached != null) {
            return cached;
        }
        // Only files that exist are kept: names are public input, and misses would grow the map forever.
        Optional<Asset> found = load(path);
        found.ifPresent(asset -> loaded.putIfAbsent(path, found));
        return found;
    }

    /** A file that must exist (the pages themselves): a jar without it was built wrong. */
    Asset require(String dir, String name) {
        return find(dir, name).orElseThrow(() -> new IllegalStateException(
                "web/" + (dir.isEmpty() ? "" : dir + "/") + name + " is missing from the jar; rebuild it with ./larch build"));
    }

    /** How many files are kept in memory (tests: misses must not count). */
    int cachedFiles() {
        return loaded.size();
    }

    private Optional<Asset> load(String path) {
        String resource = VENDORED.getOrDefault(path, "web/" + path);
        try (InputStream in = classLoader.getResourceAsStream(resource)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            String etag = etag(bytes);
            // The two encodings are different bytes, so they get different tags.
            String gzippedEtag = etag.substring(0, etag.length() - 1) + "-gzip\"";
            return Optional.of(new Asset(bytes, gzip(bytes), contentType(path), etag, gzippedEtag));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource + " from the jar", e);
        }
    }

    private static String contentType(String path) {
        String extension = path.substring(path.lastIndexOf('.') + 1);
        return TYPES.getOrDefault(extension, "application/octet-stream");
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 3 + 64);
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }

    private static String etag(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
