package io.larch.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.InvalidInputException;
import io.larch.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Signing and verifying ingest requests: headers, the time window, replays and the replay cache's cap. */
class RequestSignaturesTest {
    private static final String SECRET = "larchsig_0123456789ABCDEFGHIJabcdefghij0123456789ABC";
    private static final byte[] KEY = RequestSignatures.signingKey(SECRET);
    private static final byte[] OTHER_KEY = RequestSignatures.signingKey("larchsig_other");
    private static final byte[] BODY = "{\"events\":[{\"message\":\"hello signed\"}]}".getBytes(StandardCharsets.UTF_8);
    /** 2026-01-01T10:00:00Z. */
    private static final long NOW = 1_767_261_600L;
    private static final long PROJECT = 7;

    private final MutableClock clock = MutableClock.at("2026-01-01T10:00:00Z");
    private final RequestSignatures signatures = new RequestSignatures(clock, 1000, 1000);

    @Test
    void matchesAnHmacComputedByOpenssl() {
        // Computed once, independently, with:
        // printf '%s.%s' 1767261600 '{"events":[{"message":"hello signed"}]}' \
        //   | openssl dgst -sha256 -hmac 'larchsig_0123456789ABCDEFGHIJabcdefghij0123456789ABC'
        // (Python's hmac.new(..., hashlib.sha256) gives the same.)
        String expected = "v1=7d1f59db8d34304d5c519ae7dded5764a85ed3ad2b4ba3614410f602d1ce96e6";
        assertEquals(expected, RequestSignatures.sign(KEY, NOW, BODY));
        assertDoesNotThrow(() -> signatures.verify(PROJECT, SigningMode.REQUIRED, List.of(KEY), "1767261600", expected, BODY));
    }

    @Test
    void acceptsAGoodSignatureAndRejectsABadOne() {
        pass(SigningMode.REQUIRED, NOW, RequestSignatures.sign(KEY, NOW, BODY), BODY);
        fail(SigningMode.REQUIRED, NOW, RequestSignatures.sign(OTHER_KEY, NOW, BODY), BODY, "does not match: compute HMAC-SHA256");
        fail(SigningMode.REQUIRED, NOW, RequestSignatures.sign(KEY, NOW + 1, BODY), BODY, "over '1767261600.' followed by the raw body");
        fail(SigningMode.REQUIRED, NOW, "v1=" + "0".repeat(64), BODY, "does not match");
    }

    @Test
    void rejectsABodyAlteredByOneByte() {
        byte[] altered = BODY.clone();
        altered[altered.length - 3] ^= 1;
        fail(SigningMode.REQUIRED, NOW, RequestSignatures.sign(KEY, NOW, BODY), altered, "(" + BODY.length + " bytes here)");
        fail(SigningMode.REQUIRED, NOW, RequestSignatures.sign(KEY, NOW, BODY), new byte[0], "(0 bytes here)");
    }

    @Test
    void acceptsTimestampsWithinFiveMinutesEitherWay() {
        pass(SigningMode.REQUIRED, NOW - 299, RequestSignatures.sign(KEY, NOW - 299, BODY), BODY);
        pass(SigningMode.REQUIRED, NOW - 300, RequestSignatures.sign(KEY, NOW - 300, BODY), BODY);
        pass(SigningMode.REQUIRED, NOW + 299, RequestSignatures.sign(KEY, NOW + 299, BODY), BODY);
        pass(SigningMode.REQUIRED, NOW + 300, RequestSignatures.sign(KEY, NOW + 300, BODY), BODY);
        fail(SigningMode.REQUIRED, NOW - 301, RequestSignatures.sign(KEY, NOW - 301, BODY), BODY,
                "1767261299 is 301 s older than the server's time 1767261600 (2026-01-01T10:00:00Z)");
        fail(SigningMode.REQUIRED, NOW + 301, RequestSignatures.sign(KEY, NOW + 301, BODY), BODY,
                "1767261901 is 301 s ahead of the server's time 1767261600 (2026-01-01T10:00:00Z); at most 300 s is accepted: check the client's clock");
        fail(SigningMode.REQUIRED, NOW * 1000, RequestSignatures.sign(KEY, NOW * 1000, BODY), BODY, "it looks like milliseconds, send seconds");
    }

    @Test
    void rejectsAReplayInsideTheWindowButNotTheSameBodySignedAgain() {
        String signature = RequestSignatures.sign(KEY, NOW, BODY);
        pass(SigningMode.REQUIRED, NOW, signature, BODY);
        fail(SigningMode.REQUIRED, NOW, signature, BODY, "X-Larch-Signature was already used");
        clock.advance(Duration.ofSeconds(299));
        fail(SigningMode.REQUIRED, NOW, signature, BODY, "already used");
        fail(SigningMode.OPTIONAL, NOW, "v0=x, " + signature + ",", BODY, "already used");
        pass(SigningMode.REQUIRED, NOW + 1, RequestSignatures.sign(KEY, NOW + 1, BODY), BODY);
        clock.advance(Duration.ofSeconds(2));
        fail(SigningMode.REQUIRED, NOW, signature, BODY, "is 301 s older");
    }

    @Test
    void remembersEachProjectsSignaturesApart() {
        String signature = RequestSignatures.sign(KEY, NOW, BODY);
        assertDoesNotThrow(() -> signatures.verify(1, SigningMode.REQUIRED, List.of(KEY), Long.toString(NOW), signature, BODY));
        assertDoesNotThrow(() -> signatures.verify(2, SigningMode.REQUIRED, List.of(KEY), Long.toString(NOW), signature, BODY));
        assertThrows(AuthException.class, () -> signatures.verify(2, SigningMode.REQUIRED, List.of(KEY), Long.toString(NOW), signature, BODY));
    }

    @Test
    void forgetsSignaturesOnceTheyLeaveTheWindow() {
        for (int i = 0; i < 500; i++) {
            pass(SigningMode.REQUIRED, NOW - 200 + i, RequestSignatures.sign(KEY, NOW - 200 + i, BODY), BODY);
        }
        assertEquals(500, signatures.rememberedSignatures());
        clock.advance(Duration.ofSeconds(240));
        pass(SigningMode.REQUIRED, NOW + 300, RequestSignatures.sign(KEY, NOW + 300, BODY), BODY);
        assertEquals(360 + 1, signatures.rememberedSignatures(), "the minutes before 09:59, now out of the window, are dropped");
        clock.advance(Duration.ofSeconds(700));
        pass(SigningMode.REQUIRED, NOW + 940, RequestSignatures.sign(KEY, NOW + 940, BODY), BODY);
        assertEquals(1, signatures.rememberedSignatures(), "only the signature still inside the window is kept");
    }

    @Test
    void refusesAReplayAfterTheClockMovedBackPastWhatWasForgotten() {
        String signature = RequestSignatures.sign(KEY, NOW, BODY);
        pass(SigningMode.REQUIRED, NOW, signature, BODY);
        clock.advance(Duration.ofMinutes(11));
        pass(SigningMode.REQUIRED, NOW + 660, RequestSignatures.sign(KEY, NOW + 660, BODY), BODY);
        clock.advance(Duration.ofMinutes(-11));
        fail(SigningMode.REQUIRED, NOW, signature, BODY, "older than this server's replay memory (its clock moved back)");
    }

    @Test
    void verifiesGzipBodiesOnTheirRawBytes() {
        byte[] gzipped = gzip(BODY);
        String signature = RequestSignatures.sign(KEY, NOW, gzipped);
        fail(SigningMode.REQUIRED, NOW, signature, BODY, "does not match");
        pass(SigningMode.REQUIRED, NOW, signature, gzipped);
    }

    @Test
    void offIgnoresTheHeadersOptionalChecksThemWhenPresentRequiredNeedsThem() {
        String good = RequestSignatures.sign(KEY, NOW, BODY);
        String bad = RequestSignatures.sign(OTHER_KEY, NOW, BODY);
        pass(SigningMode.OFF, null, null, BODY);
        pass(SigningMode.OFF, "yesterday", "v1=garbage", BODY);
        pass(SigningMode.OFF, NOW, bad, BODY);
        pass(SigningMode.OPTIONAL, null, null, BODY);
        fail(SigningMode.OPTIONAL, NOW, bad, BODY, "does not match");
        fail(SigningMode.OPTIONAL, NOW, null, BODY, "X-Larch-Signature header is missing: the request is signed, so it needs X-Larch-Timestamp");
        fail(SigningMode.OPTIONAL, null, good, BODY, "X-Larch-Timestamp header is missing: the request is signed");
        fail(SigningMode.OPTIONAL, NOW - 301, RequestSignatures.sign(KEY, NOW - 301, BODY), BODY, "301 s older");
        pass(SigningMode.OPTIONAL, NOW, good, BODY);
        fail(SigningMode.REQUIRED, null, null, BODY, "X-Larch-Timestamp header is missing: this project requires signed requests");
        fail(SigningMode.REQUIRED, NOW + 1, null, BODY, "X-Larch-Signature header is missing: this project requires signed requests");
        fail(SigningMode.REQUIRED, "", "", BODY, "X-Larch-Timestamp header is missing");
    }

    @Test
    void acceptsEitherSecretDuringARotation() {
        byte[] third = RequestSignatures.signingKey("larchsig_third");
        List<byte[]> rotating = List.of(KEY, OTHER_KEY);
        check(rotating, NOW, RequestSignatures.sign(KEY, NOW, BODY), null);
        check(rotating, NOW + 1, RequestSignatures.sign(OTHER_KEY, NOW + 1, BODY), null);
        check(rotating, NOW + 2, RequestSignatures.sign(third, NOW + 2, BODY), "does not match");
        check(rotating, NOW + 3, RequestSignatures.sign(OTHER_KEY, NOW + 3, BODY) + "," + RequestSignatures.sign(KEY, NOW + 3, BODY), null);
        check(rotating, NOW + 4, RequestSignatures.sign(third, NOW + 4, BODY) + ",v1=" + "f".repeat(64), "does not match");
    }

    @Test
    void refusesAReplayUnderTheOtherSecretOfARotation() {
        check(List.of(OTHER_KEY), NOW, RequestSignatures.sign(OTHER_KEY, NOW, BODY), null);
        check(List.of(KEY, OTHER_KEY), NOW, RequestSignatures.sign(KEY, NOW, BODY), "already used");
        check(List.of(KEY, OTHER_KEY), NOW + 1, RequestSignatures.sign(OTHER_KEY, NOW + 1, BODY), null);
        check(List.of(KEY), NOW + 1, RequestSignatures.sign(KEY, NOW + 1, BODY), "already used");
    }

    @Test
    void readsSeveralEntriesAndSkipsOtherSchemes() {
        String good = RequestSignatures.sign(KEY, NOW, BODY);
        fail(SigningMode.REQUIRED, NOW, "v1=" + "a".repeat(64) + "," + "v1=" + "b".repeat(64), BODY, "does not match");
        pass(SigningMode.REQUIRED, NOW, "v0=whatever, v1=" + "a".repeat(64) + " , " + good, BODY);
        pass(SigningMode.REQUIRED, NOW + 1, RequestSignatures.sign(KEY, NOW + 1, BODY).toUpperCase().replace("V1=", "v1="), BODY);
    }

    @Test
    void explainsEachMalformedHeader() {
        String hex = "0123456789abcdef".repeat(4);
        malformed("abc", "v1=" + hex, "X-Larch-Timestamp 'abc' is not a whole number of seconds since 1970, like the server's time now: 1767261600");
        malformed("1767261600.5", "v1=" + hex, "'1767261600.5' is not a whole number of seconds");
        malformed("-5", "v1=" + hex, "'-5' is not a whole number");
        malformed("1.7e9", "v1=" + hex, "'1.7e9' is not a whole number");
        malformed("99999999999999999999", "v1=" + hex, "is not a whole number");
        malformed("1".repeat(100), "v1=" + hex, "'111111111111111111111111...' is not a whole number");
        malformed(" 1767261600 ", "v1=" + hex, "does not match");
        malformed("1767261600", "v1", "entry 'v1' is not scheme=value");
        malformed("1767261600", "=" + hex, "is not scheme=value");
        malformed("1767261600", hex, "is not scheme=value");
        malformed("1767261600", "v1=", "v1 value has 0 hex characters; an HMAC-SHA256 has 64");
        malformed("1767261600", "v1=" + hex.substring(1), "v1 value has 63 hex characters");
        malformed("1767261600", "v1=" + hex + "0", "v1 value has 65 hex characters");
        malformed("1767261600", "v1=" + hex.substring(1) + "g", "v1 value has 'g' at 63, which is not hex");
        malformed("1767261600", "v1=fR9mUaUO2hQ+ZpYcZgQnVpQKc5cHkOeiYvPHiSrRp3s=", "which is not hex: send the HMAC-SHA256 as 64 hex characters (not base64)");
        malformed("1767261600", "v0=" + hex, "X-Larch-Signature has no v1= entry (only v0): send v1=");
        malformed("1767261600", "sha256=" + hex + ",V1=" + hex, "no v1= entry (only V1, sha256)");
        malformed("1767261600", " , ", "no v1= entry: send v1=");
        malformed("1767261600", "v1=" + hex + "," + "v1=" + hex.substring(2), "v1 value has 62 hex characters");
        malformed("1767261600", "v1=" + hex + ",".repeat(1024 - 67 + 1), "X-Larch-Signature has 1025 characters, more than the 1024 read");
        malformed("1767261600", "v1=" + hex + ",".repeat(1024 - 67), "does not match");
    }

    @Test
    void saysWhenTheProjectHasNoSecret() {
        String signature = RequestSignatures.sign(KEY, NOW, BODY);
        AuthException required = assertThrows(AuthException.class,
                () -> signatures.verify(PROJECT, SigningMode.REQUIRED, List.of(), Long.toString(NOW), signature, BODY));
        assertEquals("this project has no signing secret, so X-Larch-Signature cannot be checked: an admin creates one in the project's settings",
                required.getMessage());
        AuthException optional = assertThrows(AuthException.class,
                () -> signatures.verify(PROJECT, SigningMode.OPTIONAL, List.of(), Long.toString(NOW), signature, BODY));
        assertTrue(optional.getMessage().endsWith(", or the client stops sending signature headers"), optional.getMessage());
        assertDoesNotThrow(() -> signatures.verify(PROJECT, SigningMode.OPTIONAL, List.of(), null, null, BODY));
    }

    @Test
    void refusesNewSignaturesWhenTheCacheIsFullOfLiveOnes() {
        RequestSignatures small = new RequestSignatures(clock, 3, 3);
        String first = RequestSignatures.sign(KEY, NOW - 30, BODY);
        small.verify(PROJECT, SigningMode.REQUIRED, List.of(KEY), Long.toString(NOW - 30), first, BODY);
        for (long t = NOW; t < NOW + 2; t++) {
            small.verify(PROJECT, SigningMode.REQUIRED, List.of(KEY), Long.toString(t), RequestSignatures.sign(KEY, t, BODY), BODY);
        }
        SignatureCacheFullException full = assertThrows(SignatureCacheFullException.class, () -> small.verify(PROJECT,
                SigningMode.REQUIRED, List.of(KEY), Long.toString(NOW + 5), RequestSignatures.sign(KEY, NOW + 5, BODY), BODY));
        assertEquals("signed requests are refused for now: to stop replays this server remembers each signature for 300 s"
                + " either side of its timestamp, and it holds its maximum of 3; retry in 300 s", full.getMessage());
        assertEquals(300, full.retryAfterSeconds(), "the oldest minute (09:59) leaves the window at 10:05:00");
        AuthException replay = assertThrows(AuthException.class,
                () -> small.verify(PROJECT, SigningMode.REQUIRED, List.of(KEY), Long.toString(NOW - 30), first, BODY));
        assertTrue(replay.getMessage().contains("already used"), "a replay is named a replay even when the cache is full");
        assertEquals(3, small.rememberedSignatures());
        clock.advance(Duration.ofSeconds(300));
        small.verify(PROJECT, SigningMode.REQUIRED, List.of(KEY), Long.toString(NOW + 300), RequestSignatures.sign(KEY, NOW + 300, BODY), BODY);
        assertEquals(3, small.rememberedSignatures(), "09:59 was dropped, 10:00 is still live");
        assertThrows(IllegalArgumentException.class, () -> new RequestSignatures(clock, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new RequestSignatures(clock, 4, 5));
    }

    @Test
    void aProjectThatFillsItsShareIsRefusedAloneAndGetsItBackWhenItsMinutesExpire() {
        RequestSignatures shared = new RequestSignatures(clock, 8, 4);
        for (int i = 0; i < 4; i++) {
            byte[] body = ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
            shared.verify(1, SigningMode.REQUIRED, List.of(KEY), Long.toString(NOW), RequestSignatures.sign(KEY, NOW, body), body);
        }
        byte[] fifth = "{\"n\":5}".getBytes(StandardCharsets.UTF_8);
        SignatureCacheFullException full = assertThrows(SignatureCacheFullException.class, () -> shared.verify(1,
                SigningMode.REQUIRED, List.of(KEY), Long.toString(NOW), RequestSignatures.sign(KEY, NOW, fifth), fifth));
        assertTrue(full.getMessage().contains("this project holds its share of 4"), full.getMessage());
        shared.verify(2, SigningMode.REQUIRED, List.of(KEY), Long.toString(NOW), RequestSignatures.sign(KEY, NOW, fifth), fifth);
        clock.advance(Duration.ofMinutes(7));
        long later = NOW + 420;
        shared.verify(1, SigningMode.REQUIRED, List.of(KEY), Long.toString(later), RequestSignatures.sign(KEY, later, fifth), fifth);
        assertEquals(1, shared.rememberedSignatures(), "the expired minute gave both projects' room back");
    }

    @Test
    void letsExactlyOneOfManyIdenticalConcurrentRequestsThrough() throws Exception {
        String signature = RequestSignatures.sign(KEY, NOW, BODY);
        int requests = 32;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> outcomes = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(requests)) {
            for (int i = 0; i < requests; i++) {
                outcomes.add(threads.submit(() -> {
                    start.await();
                    try {
                        signatures.verify(PROJECT, SigningMode.REQUIRED, List.of(KEY), Long.toString(NOW), signature, BODY);
                        return true;
                    } catch (AuthException replay) {
                        return false;
                    }
                }));
            }
            start.countDown();
            int passed = 0;
            for (Future<Boolean> outcome : outcomes) {
                passed += outcome.get() ? 1 : 0;
            }
            assertEquals(1, passed);
        }
    }

    @Test
    void makesSecretsOfOneShape() {
        String secret = RequestSignatures.newSigningSecret();
        assertTrue(secret.matches("larchsig_[0-9A-Za-z]{43}"), secret);
        assertNotEquals(secret, RequestSignatures.newSigningSecret());
        assertArrayEquals("larchsig_é".getBytes(StandardCharsets.UTF_8), RequestSignatures.signingKey("larchsig_é"), "the whole string, as UTF-8");
    }

    @Test
    void parsesModeNames() {
        assertEquals(SigningMode.OFF, SigningMode.parse("off"));
        assertEquals(SigningMode.OPTIONAL, SigningMode.parse(" Optional "));
        assertEquals(SigningMode.REQUIRED, SigningMode.parse("REQUIRED"));
        assertEquals("required", SigningMode.REQUIRED.wireName());
        assertEquals("signing mode 'on' is not one of: off, optional, required",
                assertThrows(InvalidInputException.class, () -> SigningMode.parse("on")).getMessage());
    }

    private void pass(SigningMode mode, Object timestamp, String signature, byte[] body) {
        assertDoesNotThrow(() -> signatures.verify(PROJECT, mode, List.of(KEY), text(timestamp), signature, body));
    }

    private void fail(SigningMode mode, Object timestamp, String signature, byte[] body, String expected) {
        AuthException e = assertThrows(AuthException.class,
                () -> signatures.verify(PROJECT, mode, List.of(KEY), text(timestamp), signature, body));
        assertEquals(401, e.status());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    /** {@code expected} null: the request passes. */
    private void check(List<byte[]> secrets, long timestamp, String signature, String expected) {
        if (expected == null) {
            assertDoesNotThrow(() -> signatures.verify(PROJECT, SigningMode.REQUIRED, secrets, Long.toString(timestamp), signature, BODY));
            return;
        }
        AuthException e = assertThrows(AuthException.class,
                () -> signatures.verify(PROJECT, SigningMode.REQUIRED, secrets, Long.toString(timestamp), signature, BODY));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private void malformed(String timestamp, String signature, String expected) {
        fail(SigningMode.REQUIRED, timestamp, signature, BODY, expected);
    }

    private static String text(Object timestamp) {
        return timestamp == null ? null : timestamp.toString();
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
