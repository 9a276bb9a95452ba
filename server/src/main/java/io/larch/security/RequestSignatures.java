package io.larch.security;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC signatures on ingest requests. A client sends {@value #TIMESTAMP_HEADER} (unix seconds)
 * and {@value #SIGNATURE_HEADER} {@code v1=<hex HMAC-SHA256(key, timestamp + "." + raw body)>},
 * where the key is the UTF-8 bytes of the whole signing secret string (prefix included, so
 * {@code openssl dgst -sha256 -hmac "$SECRET"} computes it) and the raw body is the bytes as sent,
 * before any gzip decoding. The header may hold several comma-separated entries, as Stripe's does
 * ({@code v1=..,v1=..}): any {@code v1} may match, entries of other schemes are skipped.
 *
 * <p>A signature is accepted while its timestamp is within {@value #TOLERANCE_SECONDS} s of the
 * server's clock, either way, and only once per project: {@link SignatureReplayCache} remembers it
 * until it leaves that window, in bounded memory ({@code maxRememberedSignatures} keys of 16-32
 * bytes each), and refuses new signed requests with {@link SignatureCacheFullException} (503)
 * rather than forget a live one. A signature is remembered only after it verified, so invalid ones
 * cannot fill the cache; two identical requests at once are decided under the cache's lock, so
 * exactly one passes.
 *
 * <p>The replay key of a request is the first 64 bits of its expected HMAC under each secret
 * checked, all remembered: during a rotation a request accepted under the old secret cannot be
 * replayed with the signature under the new one, nor after the secret list changed. Two
 * different requests collide with odds of about n^2 / 2^65 (3e-8 at a million in the window).
 *
 * <p>Every failure is {@link AuthException#unauthenticated} (401) with a message that names the
 * header, what is wrong and what to do.
 *
 * <p>Threading: thread-safe; the replay cache is the only shared state and locks itself.
 */
public final class RequestSignatures {
    public static final String TIMESTAMP_HEADER = "X-Larch-Timestamp";
    public static final String SIGNATURE_HEADER = "X-Larch-Signature";
    /** A timestamp this far from the server's clock, in seconds, is still accepted. */
    public static final long TOLERANCE_SECONDS = 300;
    public static final String SIGNING_SECRET_PREFIX = "larchsig_";
    /** About 1,700 signed requests a second sustained over the 10-minute window, in 16-32 MB. */
    public static final int DEFAULT_MAX_REMEMBERED_SIGNATURES = 1_000_000;
    /** A quarter of that for one project: a project signing a flood of requests is refused alone. */
    public static final int DEFAULT_MAX_PER_PROJECT = DEFAULT_MAX_REMEMBERED_SIGNATURES / 4;
    /** Secrets checked at once: the current one and, during a rotation, the previous one. */
    public static final int MAX_SECRETS = 2;
    /** Characters of {@value #SIGNATURE_HEADER} read at most: a few entries, while bounding the work. */
    static final int MAX_SIGNATURE_HEADER_CHARS = 1024;

    private static final String SCHEME = "v1";
    private static final String ALGORITHM = "HmacSHA256";
    private static final int HEX_CHARS = 64;
    /** Digits of a timestamp, at most: 18 fit a long whatever they are (19 may not), and reach far past any real time. */
    private static final int MAX_TIMESTAMP_DIGITS = 18;
    private static final long MILLIS_PER_SECOND = 1000;
    /** An odd 64-bit constant (2^64 / golden ratio) that spreads project ids over the key's bits. */
    private static final long PROJECT_SPREAD = 0x9E3779B97F4A7C15L;
    private static final int ECHO_CHARS = 24;

    private final Clock clock;
    private final SignatureReplayCache replays;

    /**
     * {@code maxRememberedSignatures}: the replay cache's hard cap; {@code maxPerProject}: one
     * project's share of it, at least {@value #MAX_SECRETS}.
     */
    public RequestSignatures(Clock clock, int maxRememberedSignatures, int maxPerProject) {
        this.clock = clock;
        this.replays = new SignatureReplayCache(TOLERANCE_SECONDS, maxRememberedSignatures, maxPerProject);
    }

    /** A new signing secret: {@value #SIGNING_SECRET_PREFIX} and 43 base-62 characters. */
    public static String newSigningSecret() {
        return Secrets.randomToken(SIGNING_SECRET_PREFIX);
    }

    /** The HMAC key of a signing secret: the UTF-8 bytes of the whole string, what openssl's {@code -hmac} uses. */
    public static byte[] signingKey(String signingSecret) {
        return signingSecret.getBytes(StandardCharsets.UTF_8);
    }

    /** The {@value #SIGNATURE_HEADER} value for {@code rawBody} sent with {@value #TIMESTAMP_HEADER} {@code unixSeconds}. */
    public static String sign(byte[] secret, long unixSeconds, byte[] rawBody) {
        return SCHEME + "=" + HexFormat.of().formatHex(hmac(secret, Long.toString(unixSeconds), rawBody));
    }

    /**
     * Checks one request of project {@code projectId} against its signing {@code mode} and
     * {@code secrets} (signing keys, at most {@value #MAX_SECRETS}; either may match). Header
     * arguments are null when the header is absent. Returns normally when the request may pass;
     * throws {@link AuthException} (401) when it may not, {@link SignatureCacheFullException} (503)
     * when the replay cache has no room. OFF ignores the headers; OPTIONAL passes a request with
     * neither header and checks any other fully; REQUIRED needs both.
     */
    public void verify(long projectId, SigningMode mode, List<byte[]> secrets, String timestampHeader,
            String signatureHeader, byte[] rawBody) {
        if (mode == SigningMode.OFF || mode == SigningMode.OPTIONAL && timestampHeader == null && signatureHeader == null) {
            return;
        }
        if (secrets.size() > MAX_SECRETS) {
            throw new IllegalArgumentException("at most " + MAX_SECRETS + " signing secrets, not " + secrets.size());
        }
        long nowSeconds = Math.floorDiv(clock.millis(), MILLIS_PER_SECOND);
        String timestamp = requirePresent(mode, TIMESTAMP_HEADER, timestampHeader).trim();
        long timestampSeconds = parseTimestamp(timestamp, nowSeconds);
        requireInWindow(timestampSeconds, nowSeconds);
        List<byte[]> offered = parseSignatureHeader(requirePresent(mode, SIGNATURE_HEADER, signatureHeader));
        if (secrets.isEmpty()) {
            throw AuthException.unauthenticated("this project has no signing secret, so " + SIGNATURE_HEADER
                    + " cannot be checked: an admin creates one in the project's settings"
                    + (mode == SigningMode.OPTIONAL ? ", or the client stops sending signature headers" : ""));
        }
        long[] replayKeys = new long[secrets.size()];
        boolean matched = false;
        for (int i = 0; i < secrets.size(); i++) {
            byte[] expected = hmac(secrets.get(i), timestamp, rawBody);
            replayKeys[i] = ByteBuffer.wrap(expected).getLong() ^ projectId * PROJECT_SPREAD;
            for (byte[] signature : offered) {
                matched |= MessageDigest.isEqual(expected, signature);
            }
        }
        if (!matched) {
            throw AuthException.unauthenticated(SIGNATURE_HEADER + " does not match: compute HMAC-SHA256 with the"
                    + " project's signing secret (its UTF-8 bytes) as key over '" + timestamp + ".' followed by the"
                    + " raw body bytes as sent, before gzip (" + rawBody.length + " bytes here), and send v1=<hex>");
        }
        switch (replays.admit(projectId, timestampSeconds, replayKeys, nowSeconds)) {
            case FIRST_USE -> {
            }
            case REPLAY -> throw AuthException.unauthenticated(SIGNATURE_HEADER + " was already used: a signed"
                    + " request is accepted once; sign each request with its own timestamp");
            case FORGOTTEN -> throw AuthException.unauthenticated(TIMESTAMP_HEADER + " " + timestamp + " is older"
                    + " than this server's replay memory (its clock moved back); sign again with the current time");
        }
    }

    /** Signatures remembered against replay now: what the cap bounds, for metrics. */
    public int rememberedSignatures() {
        return replays.size();
    }

    private static String requirePresent(SigningMode mode, String name, String value) {
        if (value == null || value.isBlank()) {
            String why = mode == SigningMode.REQUIRED ? "this project requires signed requests" : "the request is signed";
            throw AuthException.unauthenticated(name + " header is missing: " + why + ", so it needs "
                    + TIMESTAMP_HEADER + " (unix time in seconds) and " + SIGNATURE_HEADER
                    + " (v1=<hex HMAC-SHA256 of '<timestamp>.<raw body>'>)");
        }
        return value;
    }

    private static long parseTimestamp(String text, long nowSeconds) {
        boolean digitsOnly = !text.isEmpty() && text.length() <= MAX_TIMESTAMP_DIGITS
                && text.chars().allMatch(c -> c >= '0' && c <= '9');
        if (!digitsOnly) {
            throw AuthException.unauthenticated(TIMESTAMP_HEADER + " '" + echo(text) + "' is not a whole number of"
                    + " seconds since 1970, like the server's time now: " + nowSeconds);
        }
        return Long.parseLong(text);
    }

    private static void requireInWindow(long timestampSeconds, long nowSeconds) {
        long age = nowSeconds - timestampSeconds;
        String server = "the server's time " + nowSeconds + " (" + Instant.ofEpochSecond(nowSeconds) + ")";
        if (age > TOLERANCE_SECONDS) {
            throw AuthException.unauthenticated(TIMESTAMP_HEADER + " " + timestampSeconds + " is " + age
                    + " s older than " + server + "; a signature is accepted for " + TOLERANCE_SECONDS
                    + " s: sign each request as it is sent, and check the client's clock");
        }
        if (-age > TOLERANCE_SECONDS) {
            boolean looksLikeMillis = Math.abs(nowSeconds - timestampSeconds / MILLIS_PER_SECOND) <= TOLERANCE_SECONDS;
            throw AuthException.unauthenticated(TIMESTAMP_HEADER + " " + timestampSeconds + " is " + -age
                    + " s ahead of " + server + "; at most " + TOLERANCE_SECONDS + " s is accepted: "
                    + (looksLikeMillis ? "it looks like milliseconds, send seconds" : "check the client's clock"));
        }
    }

    /** The v1 signatures of the header, as bytes; entries of other schemes are skipped, empty ones too. */
    private static List<byte[]> parseSignatureHeader(String header) {
        if (header.length() > MAX_SIGNATURE_HEADER_CHARS) {
            throw AuthException.unauthenticated(SIGNATURE_HEADER + " has " + header.length() + " characters, more"
                    + " than the " + MAX_SIGNATURE_HEADER_CHARS + " read: send one v1=<64 hex characters> entry");
        }
        List<byte[]> signatures = new ArrayList<>();
        Set<String> otherSchemes = new TreeSet<>();
        for (String rawEntry : header.split(",")) {
            String entry = rawEntry.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int equals = entry.indexOf('=');
            if (equals <= 0) {
                throw AuthException.unauthenticated(SIGNATURE_HEADER + " entry '" + echo(entry) + "' is not"
                        + " scheme=value: send v1=<64 hex characters>");
            }
            String scheme = entry.substring(0, equals).trim();
            if (scheme.equals(SCHEME)) {
                signatures.add(parseHexSignature(entry.substring(equals + 1).trim()));
            } else {
                otherSchemes.add(echo(scheme));
            }
        }
        if (signatures.isEmpty()) {
            throw AuthException.unauthenticated(SIGNATURE_HEADER + " has no v1= entry"
                    + (otherSchemes.isEmpty() ? "" : " (only " + String.join(", ", otherSchemes) + ")")
                    + ": send v1=<64 hex characters of HMAC-SHA256>");
        }
        return signatures;
    }

    private static byte[] parseHexSignature(String hex) {
        for (int i = 0; i < hex.length(); i++) {
            if (Character.digit(hex.charAt(i), 16) < 0) {
                throw AuthException.unauthenticated(SIGNATURE_HEADER + " v1 value has '" + hex.charAt(i) + "' at "
                        + i + ", which is not hex: send the HMAC-SHA256 as 64 hex characters (not base64)");
            }
        }
        if (hex.length() != HEX_CHARS) {
            throw AuthException.unauthenticated(SIGNATURE_HEADER + " v1 value has " + hex.length()
                    + " hex characters; an HMAC-SHA256 has " + HEX_CHARS);
        }
        return HexFormat.of().parseHex(hex);
    }

    /**
     * A new {@link Mac} each call: getting and keying one costs well under a microsecond more than
     * reusing it (measured ~1.9 against ~1.2 us for a 1 KB body), and a ThreadLocal would not be
     * reused anyway when every request runs on a fresh virtual thread.
     */
    private static byte[] hmac(byte[] secret, String timestamp, byte[] rawBody) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret, ALGORITHM));
            mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            return mac.doFinal(rawBody);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(ALGORITHM + " is unavailable in this JVM", e);
        }
    }

    /** At most a few characters of what the client sent, enough to recognise it in an error. */
    private static String echo(String text) {
        return text.length() <= ECHO_CHARS ? text : text.substring(0, ECHO_CHARS) + "...";
    }
}
