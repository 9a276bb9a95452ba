package io.larch.alert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.model.LogEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Delivers alerts to an HTTP endpoint in the shape its service documents: a Discord webhook
 * (one embed: level colour, counts, template, sample, link), a Slack incoming webhook (text and
 * section blocks), or a generic webhook (Larch's JSON, signed: {@code X-Larch-Signature:
 * sha256=<hex HMAC-SHA256 of the body>} with the channel's secret).
 *
 * <p>{@link #send} tries up to {@link #MAX_ATTEMPTS} times: a 429 waits the service's
 * {@code retry_after} (Discord's JSON field, in seconds) or {@code Retry-After} header (Slack),
 * at most {@link #MAX_WAIT}; a 5xx or a connection failure waits a doubling backoff; any other
 * 4xx is final (the request is wrong, sending it again changes nothing). Each attempt has a
 * timeout, so a receiver that hangs costs at most {@code MAX_ATTEMPTS * timeout}. Callers run each
 * channel on its own thread, so one slow channel delays no other.
 */
public final class WebhookNotifier implements Notifier {
    /** The services an endpoint can be. */
    public enum Format { DISCORD, SLACK, WEBHOOK }

    static final int MAX_ATTEMPTS = 5;
    static final Duration MAX_WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Format format;
    private final URI url;
    private final String secret;
    private final String dashboardBase;
    private final HttpClient client;
    private final Duration timeout;
    private final Duration firstBackoff;
    private final boolean privateTargets;

    /**
     * @param secret        the generic webhook's signing secret (null for Discord and Slack)
     * @param dashboardBase the dashboard's base URL for links to the matching events (no trailing /)
     */
    public WebhookNotifier(Format format, URI url, String secret, String dashboardBase, Duration timeout,
                           Duration firstBackoff) {
        this(format, url, secret, dashboardBase, timeout, firstBackoff, true);
    }

    /**
     * @param privateTargets whether the URL may lead to a loopback, link-local or private address
     *                       ({@code LARCH_ALERT_PRIVATE_TARGETS}); checked at every attempt, after DNS
     */
    public WebhookNotifier(Format format, URI url, String secret, String dashboardBase, Duration timeout,
                           Duration firstBackoff, boolean privateTargets) {
        this.privateTargets = privateTargets;
        this.format = format;
        this.url = url;
        this.secret = secret;
        this.dashboardBase = dashboardBase;
        this.timeout = timeout;
        this.firstBackoff = firstBackoff;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public String type() {
        return format.name().toLowerCase(Locale.ROOT);
    }

    /** Sends {@code alert}, retrying as the class says; never throws for a failed delivery. */
    @Override
    public Result send(Alert alert) throws InterruptedException {
        byte[] body = body(alert);
        Duration backoff = firstBackoff;
        int lastStatus = 0;
        String error = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (format == Format.WEBHOOK && secret != null) {
                request.header("X-Larch-Signature", "sha256=" + hmac(secret, body));
            }
            Duration wait;
            Optional<String> refused = refusedTarget();
            if (refused.isPresent()) {
                return new Result(false, attempt, 0, refused.get());
            }
            try {
                HttpResponse<String> response = answer(request.build());
                lastStatus = response.statusCode();
                if (lastStatus / 100 == 2) {
                    return new Result(true, attempt, lastStatus, null);
                }
                error = "answered " + lastStatus + ": " + AlertText.abbreviate(response.body());
                if (lastStatus == 429) {
                    wait = retryAfter(response).orElse(backoff);
                } else if (lastStatus >= 500) {
                    wait = backoff;
                } else {
                    return new Result(false, attempt, lastStatus, error);
                }
            } catch (IOException e) {
                error = "no answer: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                lastStatus = 0;
                wait = backoff;
            }
            if (attempt < MAX_ATTEMPTS) {
                Thread.sleep(min(wait, MAX_WAIT).toMillis());
                backoff = min(backoff.multipliedBy(2), MAX_WAIT);
            }
        }
        return new Result(false, MAX_ATTEMPTS, lastStatus, error);
    }

    /**
     * The answer, within twice the timeout in all: the request timeout ends at the headers, and a
     * receiver that then trickles its body must not hold this channel for ever.
     */
    private HttpResponse<String> answer(HttpRequest request) throws IOException, InterruptedException {
        java.util.concurrent.CompletableFuture<HttpResponse<String>> response =
                client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        try {
            return response.get(timeout.toMillis() * 2, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            response.cancel(true);
            throw new IOException("the answer did not finish within " + timeout.multipliedBy(2).toSeconds() + " s");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    /** Why the URL may not be called (it leads to a private address), when it may not. */
    private Optional<String> refusedTarget() {
        if (privateTargets) {
            return Optional.empty();
        }
        try {
            for (java.net.InetAddress address : java.net.InetAddress.getAllByName(url.getHost())) {
                if (AlertChannel.isPrivate(address)) {
                    return Optional.of("refused: " + url.getHost() + " is a loopback, link-local or private address;"
                            + " set LARCH_ALERT_PRIVATE_TARGETS=on to allow alerts to it");
                }
            }
        } catch (java.net.UnknownHostException e) {
            // The send fails with its own clear error.
        }
        return Optional.empty();
    }

    /** Discord's {@code retry_after} (JSON, seconds, may be fractional), else a {@code Retry-After} header in seconds. */
    private static Optional<Duration> retryAfter(HttpResponse<String> response) {
        try {
            double seconds = JSON.readTree(response.body()).path("retry_after").asDouble(-1);
            if (seconds >= 0) {
                return Optional.of(Duration.ofMillis((long) Math.ceil(seconds * 1000)));
            }
        } catch (IOException e) {
            // not JSON: fall back to the header
        }
        return response.headers().firstValue("Retry-After").flatMap(value -> {
            try {
                return Optional.of(Duration.ofSeconds(Long.parseLong(value.trim())));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    /** The request body for this channel's service. */
    byte[] body(Alert alert) {
        String title = AlertText.title(alert);
        String link = AlertText.link(dashboardBase, alert);
        LogEvent sample = alert.sample();
        ObjectNode root = JSON.createObjectNode();
        switch (format) {
            case DISCORD -> {
                ObjectNode embed = root.putArray("embeds").addObject();
                embed.put("title", title);
                embed.put("url", link);
                embed.put("color", colour(alert));
                embed.put("timestamp", Instant.ofEpochMilli(alert.at()).toString());
                if (sample != null) {
                    embed.put("description", "```" + AlertText.abbreviate(sample.message()) + "```");
                }
                ArrayNode fields = embed.putArray("fields");
                fields.addObject().put("name", alert.type() == Alert.Type.SUMMARY ? "suppressed" : "events")
                        .put("value", Long.toString(alert.count())).put("inline", true);
                fields.addObject().put("name", "rule").put("value", alert.rule().name()).put("inline", true);
            }
            case SLACK -> {
                root.put("text", title);
                ArrayNode blocks = root.putArray("blocks");
                blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn")
                        .put("text", "*" + title + "*\n<" + link + "|Show the events>");
                if (sample != null) {
                    blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn")
                            .put("text", "```" + AlertText.abbreviate(sample.message()) + "```");
                }
            }
            case WEBHOOK -> {
                root.put("type", alert.type().name().toLowerCase(Locale.ROOT));
                root.put("rule", alert.rule().name());
                root.put("ruleId", alert.rule().id());
                root.put("kind", alert.rule().kind().name().toLowerCase(Locale.ROOT));
                root.put("projectId", alert.rule().projectId());
                root.put("group", alert.group());
                root.put("count", alert.count());
                root.put("at", Instant.ofEpochMilli(alert.at()).toString());
                root.put("link", link);
                if (sample != null) {
                    root.putObject("sample").put("id", sample.id()).put("message", AlertText.abbreviate(sample.message()))
                            .put("level", sample.level().name().toLowerCase(Locale.ROOT)).put("fingerprint", sample.fingerprint());
                }
            }
        }
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static int colour(Alert alert) {
        if (alert.sample() == null) {
            return 0xE67E22;
        }
        return switch (alert.sample().level()) {
            case FATAL -> 0x8E0000;
            case ERROR -> 0xE74C3C;
            case WARN -> 0xF1C40F;
            default -> 0x3498DB;
        };
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
