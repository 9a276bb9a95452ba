package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.MutableClock;
import io.larch.testing.TestServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.internal.FailedExportException;
import io.opentelemetry.exporter.internal.otlp.logs.LogsRequestMarshaler;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporterBuilder;
import io.opentelemetry.exporter.otlp.internal.HttpExporter;
import io.opentelemetry.exporter.otlp.internal.HttpExporterBuilder;
import io.opentelemetry.sdk.common.internal.StandardComponentId;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * OTLP/HTTP logs sent by the real OpenTelemetry Java SDK (SdkLoggerProvider, a log record
 * processor, OtlpHttpLogRecordExporter on the JDK's HttpClient) to a real Larch, then found by
 * search with their fields.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OtlpApiTest {
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN_ID = "00f067aa0ba902b7";
    private TestServer server;
    private HttpJson http;
    private String key;
    private String readOnlyKey;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        server = TestServer.start(dataDir);
        http = server.http();
        key = server.createProject("Shop");
        HttpJson.Response created = http.post("/admin/projects/shop/keys", TestServer.ADMIN_TOKEN, "{\"scopes\":[\"read\"]}");
        assertEquals(201, created.status(), created.body());
        readOnlyKey = created.json().get("key").asText();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    /** Passes each batch to the real exporter and keeps the exporter's result, which the processors only log. */
    private static final class ObservedExporter implements LogRecordExporter {
        private final LogRecordExporter exporter;
        final List<CompletableResultCode> results = new CopyOnWriteArrayList<>();

        ObservedExporter(LogRecordExporter exporter) {
            this.exporter = exporter;
        }

        @Override
        public CompletableResultCode export(Collection<LogRecordData> logs) {
            CompletableResultCode result = exporter.export(logs);
            results.add(result);
            return result;
        }

        @Override
        public CompletableResultCode flush() {
            return exporter.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
            return exporter.shutdown();
        }

        /** Whether every export finished and succeeded. */
        boolean allSucceeded() {
            assertFalse(results.isEmpty(), "the exporter was never called");
            return CompletableResultCode.ofAll(results).join(30, TimeUnit.SECONDS).isSuccess();
        }

        /** The HTTP status the exporter reported for its first failed export (-1 when none failed with a response). */
        int failedStatus() {
            for (CompletableResultCode result : results) {
                if (result.join(30, TimeUnit.SECONDS).getFailureThrowable() instanceof FailedExportException.HttpExportException http
                        && http.failedWithResponse()) {
                    return http.getResponse().getStatusCode();
                }
            }
            return -1;
        }
    }

    /**
     * The SDK's own OTLP/JSON log export: its public OtlpHttpLogRecordExporter speaks only
     * protobuf, but the SDK carries the JSON encoding (HttpExporterBuilder.exportAsJson, the
     * OTLP_HTTP_JSON_LOG_EXPORTER type) and its marshaler; both are internal classes, used here
     * as they are so the JSON is the SDK's, not ours.
     */
    private static final class SdkJsonLogRecordExporter implements LogRecordExporter {
        private final HttpExporter exporter;

        SdkJsonLogRecordExporter(String endpoint, String apiKey) {
            exporter = new HttpExporterBuilder(StandardComponentId.ExporterType.OTLP_HTTP_JSON_LOG_EXPORTER, endpoint)
                    .addConstantHeaders("Authorization", "Bearer " + apiKey).exportAsJson().build();
        }

        @Override
        public CompletableResultCode export(Collection<LogRecordData> logs) {
            return exporter.export(LogsRequestMarshaler.create(logs), logs.size());
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return exporter.shutdown();
        }
    }

    private OtlpHttpLogRecordExporterBuilder exporterTo(String apiKey) {
        return OtlpHttpLogRecordExporter.builder().setEndpoint(http.base() + "/v1/logs")
                .addHeader("Authorization", "Bearer " + apiKey).setTimeout(30, TimeUnit.SECONDS);
    }

    /** Emits through an SDK logger provider whose service is {@code service}, flushes, and returns what the exporter said. */
    private ObservedExporter emit(LogRecordExporter exporter, String service, boolean batch, Consumer<Logger> records) {
        ObservedExporter observed = new ObservedExporter(exporter);
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), service,
                AttributeKey.stringKey("deployment.environment"), "test")));
        SdkLoggerProvider provider = SdkLoggerProvider.builder().setResource(resource)
                .addLogRecordProcessor(batch ? BatchLogRecordProcessor.builder(observed).build() : SimpleLogRecordProcessor.create(observed))
                .build();
        try {
            records.accept(provider.loggerBuilder("io.larch.checkout").setInstrumentationVersion("1.2.3").build());
            assertTrue(provider.forceFlush().join(30, TimeUnit.SECONDS).isDone(), "flush did not finish");
        } finally {
            provider.shutdown().join(30, TimeUnit.SECONDS);
        }
        return observed;
    }

    private static Context inSpan() {
        return Context.root().with(Span.wrap(SpanContext.create(TRACE_ID, SPAN_ID, TraceFlags.getSampled(), TraceState.getDefault())));
    }

    private JsonNode searchOne(String query) {
        HttpJson.Response response = http.get("/api/log", key, Map.of("q", query));
        assertEquals(200, response.status(), response.body());
        JsonNode events = response.json().get("events");
        assertEquals(1, events.size(), "events for '" + query + "': " + events);
        return events.get(0);
    }

    @Test
    void protobufRecordsFromTheSdkAreFoundWithLevelMessageSourceTraceAndAttrs() {
        ObservedExporter exported = emit(exporterTo(key).build(), "checkout", true, logger -> {
            logger.logRecordBuilder().setSeverity(Severity.ERROR).setSeverityText("ERROR")
                    .setBody("payment declined protobufcase for order 17")
                    .setAttribute(AttributeKey.stringKey("order.id"), "17")
                    .setAttribute(AttributeKey.longKey("http.status_code"), 502L)
                    .setAttribute(AttributeKey.booleanKey("retryable"), true)
                    .setAttribute(AttributeKey.stringArrayKey("tags"), List.of("card", "eu"))
                    .setAttribute(AttributeKey.stringKey("exception.stacktrace"),
                            "java.lang.IllegalStateException: declined\n\tat shop.Pay.charge(Pay.java:42)")
                    .setAttribute(AttributeKey.stringKey("enduser.id"), "u-42")
                    .setContext(inSpan()).emit();
            logger.logRecordBuilder().setSeverity(Severity.WARN2).setBody("stock low protobufcase").emit();
            logger.logRecordBuilder().setSeverityText("debug").setBody("cache miss protobufcase").emit();
        });
        assertTrue(exported.allSucceeded(), "the SDK's export failed");

        JsonNode payment = searchOne("declined protobufcase");
        assertEquals("error", payment.get("level").asText());
        assertEquals("payment declined protobufcase for order 17", payment.get("message").asText());
        assertEquals("checkout", payment.get("source").asText());
        assertEquals(TRACE_ID, payment.get("traceId").asText());
        assertEquals("u-42", payment.get("userId").asText());
        assertTrue(payment.get("stack").asText().startsWith("java.lang.IllegalStateException: declined\n\tat shop.Pay"),
                payment.toString());
        JsonNode attrs = payment.get("attrs");
        assertEquals(SPAN_ID, attrs.get("spanId").asText());
        assertEquals("17", attrs.get("order.id").asText());
        assertEquals("502", attrs.get("http.status_code").asText());
        assertEquals("true", attrs.get("retryable").asText());
        assertEquals("[\"card\",\"eu\"]", attrs.get("tags").asText());
        assertEquals("io.larch.checkout", attrs.get("otel.scope.name").asText());
        assertEquals("1.2.3", attrs.get("otel.scope.version").asText());
        assertEquals("test", attrs.get("deployment.environment").asText());
        assertEquals("java", attrs.get("telemetry.sdk.language").asText(), "the SDK's own resource attributes are kept");
        assertFalse(attrs.has("service.name"), "service.name is the source");
        assertFalse(attrs.has("exception.stacktrace"), "the stack trace is the stack");

        assertEquals("warn", searchOne("stock protobufcase").get("level").asText(), "severity number WARN2 (14) is warn");
        assertEquals("debug", searchOne("cache protobufcase").get("level").asText(), "severity text alone names the level");
    }

    @Test
    void gzipCompressedRecordsFromTheSdkAreFound() {
        ObservedExporter exported = emit(exporterTo(key).setCompression("gzip").build(), "inventory", false, logger ->
                logger.logRecordBuilder().setSeverity(Severity.FATAL).setBody("disk gone gzipcase").setContext(inSpan()).emit());
        assertTrue(exported.allSucceeded(), "the SDK's gzip export failed");
        JsonNode event = searchOne("gzipcase");
        assertEquals("fatal", event.get("level").asText());
        assertEquals("inventory", event.get("source").asText());
        assertEquals(TRACE_ID, event.get("traceId").asText());
    }

    @Test
    void theSdkConfiguredWithTheReadmesOtelSettingsDelivers() {
        // The property names are the OTEL_* environment variables the README gives, lowercased with dots.
        Map<String, String> settings = Map.of(
                "otel.logs.exporter", "otlp",
                "otel.exporter.otlp.logs.endpoint", http.base() + "/v1/logs",
                "otel.exporter.otlp.logs.protocol", "http/protobuf",
                "otel.exporter.otlp.headers", "Authorization=Bearer%20" + key,
                "otel.exporter.otlp.logs.compression", "gzip",
                "otel.service.name", "readme-service",
                "otel.traces.exporter", "none",
                "otel.metrics.exporter", "none");
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder().addPropertiesSupplier(() -> settings)
                .disableShutdownHook().build().getOpenTelemetrySdk();
        try {
            sdk.getLogsBridge().get("io.larch.readme").logRecordBuilder().setSeverity(Severity.WARN)
                    .setBody("configured from env autoconfcase").emit();
            assertTrue(sdk.getSdkLoggerProvider().forceFlush().join(30, TimeUnit.SECONDS).isDone(), "flush did not finish");
        } finally {
            sdk.shutdown().join(30, TimeUnit.SECONDS);
        }
        JsonNode event = searchOne("autoconfcase");
        assertEquals("warn", event.get("level").asText());
        assertEquals("readme-service", event.get("source").asText());
    }

    @Test
    void otlpJsonRecordsFromTheSdkAreFoundWithTheirHexTraceId() {
        ObservedExporter exported = emit(new SdkJsonLogRecordExporter(http.base() + "/v1/logs", key), "search", true, logger ->
                logger.logRecordBuilder().setSeverity(Severity.INFO).setBody("query slow jsoncase")
                        .setAttribute(AttributeKey.doubleKey("duration.seconds"), 2.5).setContext(inSpan()).emit());
        assertTrue(exported.allSucceeded(), "the SDK's JSON export failed");
        JsonNode event = searchOne("jsoncase");
        assertEquals("info", event.get("level").asText());
        assertEquals("query slow jsoncase", event.get("message").asText());
        assertEquals("search", event.get("source").asText());
        assertEquals(TRACE_ID, event.get("traceId").asText());
        assertEquals(SPAN_ID, event.get("attrs").get("spanId").asText());
        assertEquals("2.5", event.get("attrs").get("duration.seconds").asText());
    }

    @Test
    void aRecordOverLarchsLimitsIsRefusedAloneAndTheExportStillSucceeds() {
        // OTLP counts it as a partial success, which exporters log and do not retry; the count itself is in OtlpEdgeCasesApiTest.
        ObservedExporter exported = emit(exporterTo(key).build(), "checkout", true, logger -> {
            logger.logRecordBuilder().setBody("z".repeat(40 * 1024)).emit();
            logger.logRecordBuilder().setBody("next one kept oversizecase").emit();
        });
        assertTrue(exported.allSucceeded(), "a partial success is a success to the exporter");
        assertEquals("next one kept oversizecase", searchOne("oversizecase").get("message").asText());
    }

    @Test
    void aRateLimitedExportIsRetriedByTheSdkAndStoredOnceTheLimitAllows(@TempDir Path dataDir) throws InterruptedException {
        MutableClock clock = new MutableClock(Instant.now());
        try (TestServer limited = TestServer.start(dataDir, Map.of("LARCH_RATE_PROJECT_EVENTS_PER_MIN", "10"), clock)) {
            HttpJson limitedHttp = limited.http();
            String limitedKey = limited.createProject("Shop");
            assertEquals(202, limitedHttp.post("/api/log", limitedKey, "[" + "{\"message\":\"budget\"},".repeat(9)
                    + "{\"message\":\"budget\"}]").status(), "the minute's budget is used up");
            OtlpHttpLogRecordExporter exporter = OtlpHttpLogRecordExporter.builder()
                    .setEndpoint(limitedHttp.base() + "/v1/logs").addHeader("Authorization", "Bearer " + limitedKey)
                    .setRetryPolicy(RetryPolicy.builder().setMaxAttempts(5).setInitialBackoff(Duration.ofMillis(500))
                            .setMaxBackoff(Duration.ofSeconds(2)).build())
                    .build();
            ObservedExporter observed = new ObservedExporter(exporter);
            try (SdkLoggerProvider provider = SdkLoggerProvider.builder()
                    .addLogRecordProcessor(SimpleLogRecordProcessor.create(observed)).build()) {
                provider.get("io.larch.checkout").logRecordBuilder().setBody("retried ratelimitcase").emit();
                // Once Larch has refused the export with 429, the minute passes; the SDK's next attempt fits.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!limitedHttp.get("/metrics", null).body().contains("larch_rate_limited_total{")) {
                    assertTrue(System.nanoTime() < deadline, "the export was never refused with 429");
                    Thread.sleep(20);
                }
                clock.advance(Duration.ofMinutes(1));
                assertTrue(observed.allSucceeded(), "the SDK's retry after the 429 failed");
                assertEquals(1, observed.results.size(), "one export, retried inside the exporter");
            }
            JsonNode events = limitedHttp.get("/api/log", limitedKey, Map.of("q", "ratelimitcase")).json().get("events");
            assertEquals(1, events.size(), "stored exactly once: " + events);
        }
    }

    @Test
    void aWrongKeyFailsTheExportAndAKeyWithoutIngestScopeToo() {
        ObservedExporter unknownKey = emit(exporterTo("larch_" + "x".repeat(43)).build(), "checkout", false, logger ->
                logger.logRecordBuilder().setBody("never stored wrongkeycase").emit());
        assertFalse(unknownKey.allSucceeded(), "an unknown key must fail the export");
        assertEquals(401, unknownKey.failedStatus());
        ObservedExporter readOnly = emit(exporterTo(readOnlyKey).build(), "checkout", false, logger ->
                logger.logRecordBuilder().setBody("never stored readonlycase").emit());
        assertFalse(readOnly.allSucceeded(), "a key without the ingest scope must fail the export");
        assertEquals(403, readOnly.failedStatus());
        assertEquals(0, http.get("/api/log", key, Map.of("q", "wrongkeycase")).json().get("events").size());
        assertEquals(0, http.get("/api/log", key, Map.of("q", "readonlycase")).json().get("events").size());
    }
}
