package io.larch.bench;

import io.larch.security.RequestSignatures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends ingest batches signed the way the README tells clients to: a fresh timestamp and an
 * HMAC-SHA256 over the body. Real clients never send the same body twice, and the server refuses a
 * repeated signature, so each prepared batch gets a unique sequence number before it is signed
 * (one copy of the body per request, on the client).
 */
final class SignedSender {
    private SignedSender() {
    }

    /** Makes the project {@code bench} require signatures and returns senders that sign. */
    static IngestBench.SenderFactory factory(String url, String key) throws Exception {
        HttpClient admin = HttpClient.newHttpClient();
        String secret = new BenchHttp(url).postJson("/admin/projects/bench/signing-secret", LarchProcess.ADMIN_TOKEN, "")
                .get("signingSecret").asText();
        HttpResponse<String> required = admin.send(HttpRequest.newBuilder(URI.create(url + "/admin/projects/bench/settings"))
                .header("Authorization", "Bearer " + LarchProcess.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"signing\":\"required\"}")).build(), HttpResponse.BodyHandlers.ofString());
        if (required.statusCode() != 200) {
            throw new IllegalStateException("could not require signing: " + required.body());
        }
        byte[] signingKey = RequestSignatures.signingKey(secret);
        AtomicLong sequence = new AtomicLong();
        return http -> body -> {
            byte[] unique = withSequence((byte[]) body, sequence.incrementAndGet());
            long now = System.currentTimeMillis() / 1000;
            http.post("/api/log", key, unique, RequestSignatures.TIMESTAMP_HEADER, Long.toString(now),
                    RequestSignatures.SIGNATURE_HEADER, RequestSignatures.sign(signingKey, now, unique));
        };
    }

    /** {@code {"events":[...]}} becomes {@code {"events":[...],"n":<sequence>}}. */
    private static byte[] withSequence(byte[] batch, long sequence) {
        byte[] suffix = (",\"n\":" + sequence + "}").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int end = batch.length - 1;
        while (batch[end] != '}') {
            end--;
        }
        byte[] unique = new byte[end + suffix.length];
        System.arraycopy(batch, 0, unique, 0, end);
        System.arraycopy(suffix, 0, unique, end, suffix.length);
        return unique;
    }
}
