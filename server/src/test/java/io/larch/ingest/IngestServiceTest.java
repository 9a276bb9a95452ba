package io.larch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.security.Debouncer;
import io.larch.security.RateLimiter;
import io.larch.security.RateLimits;
import io.larch.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IngestServiceTest {
    private final MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");
    private final List<LogEvent> stored = new ArrayList<>();
    private final List<List<LogEvent>> appends = new ArrayList<>();
    private final IngestService ingest = new IngestService(new EventSink() {
        @Override
        public void append(List<LogEvent> events) {
            appends.add(List.copyOf(events));
            stored.addAll(events);
        }

        @Override
        public void checkAccepting() {
        }
    }, new StoredOrder(new IdGenerator(clock, 0), released -> { }), new MaskingFingerprinter(), new FingerprintMerges(List.of()), new RateLimiter(clock, 1000),
            new Debouncer(clock, Debouncer.DEFAULT_WINDOW, 1000), clock);
    private static final RateLimits NO_LIMITS = new RateLimits(0, 0, 0, 0);

    private IngestResult store(byte[] body, String contentType) {
        return ingest.ingest(new IngestRequest(7, body, contentType, null, NO_LIMITS));
    }

    @Test
    void aBatchOfSeveralKindsIsHandedOnAsOneUnit() {
        store("[{\"message\":\"a\",\"kind\":\"app\"},{\"message\":\"w\",\"kind\":\"work\"},"
                .concat("{\"message\":\"b\",\"kind\":\"build\"}]").getBytes(StandardCharsets.UTF_8), "application/json");
        assertEquals(1, appends.size(), "one append, so the sink can store it atomically");
        assertEquals(List.of(Kind.APP, Kind.WORK, Kind.BUILD), appends.getFirst().stream().map(LogEvent::kind).toList());
    }

    @Test
    void countsWhatItWritesByKindAndWhatItRefusesByReason() {
        IngestCounters counters = ingest.counters();
        store("[{\"message\":\"a\"},{\"message\":\"w\",\"kind\":\"work\"},{\"message\":\"b\"}]"
                .getBytes(StandardCharsets.UTF_8), "application/json");
        assertEquals(List.of(2L, 1L, 0L), List.of(counters.written(Kind.APP), counters.written(Kind.WORK),
                counters.written(Kind.BUILD)), "each event under its own kind, whatever the batch is filed under");
        refuse("[{\"message\":\"ok\"},{\"level\":\"loud\",\"message\":\"x\"},{}]", "application/json");
        refuse("not json", "application/json");
        refuse("[{\"message\":\"a\"}]", "text/csv");
        StringBuilder tooMany = new StringBuilder("[");
        for (int i = 0; i <= IngestLimits.MAX_EVENTS; i++) {
            tooMany.append(i == 0 ? "" : ",").append("{\"message\":\"m\"}");
        }
        refuse(tooMany.append("]").toString(), "application/json");
        assertEquals(2, counters.dropped(IngestCounters.DropReason.INVALID), "the two bad events, not the good one");
        assertEquals(2, counters.dropped(IngestCounters.DropReason.MALFORMED), "unreadable bodies: one per request");
        assertEquals(0, counters.dropped(IngestCounters.DropReason.TOO_LARGE), "a 413 is counted where it is answered");
        assertThrows(io.larch.security.RateLimitedException.class, () -> ingest.ingest(new IngestRequest(8,
                "[{\"message\":\"a\"},{\"message\":\"b\"}]".getBytes(StandardCharsets.UTF_8), "application/json", null,
                new RateLimits(1, 0, 0, 0))));
        assertEquals(2, counters.dropped(IngestCounters.DropReason.RATE_LIMITED), "the events the limit refused");
        String work = "{\"kind\":\"work\",\"userId\":\"u1\",\"status\":\"working\",\"message\":\"thinking\"}";
        store(("[" + work + "," + work + "]").getBytes(StandardCharsets.UTF_8), "application/json");
        assertEquals(1, counters.dropped(IngestCounters.DropReason.DEBOUNCED));
        assertEquals(4, counters.written(Kind.APP) + counters.written(Kind.WORK), "nothing refused was written");
    }

    private void refuse(String body, String contentType) {
        assertThrows(RuntimeException.class, () -> store(body.getBytes(StandardCharsets.UTF_8), contentType));
    }

    private LogEvent one(String json) {
        stored.clear();
        store(json.getBytes(StandardCharsets.UTF_8), "application/json");
        assertEquals(1, stored.size());
        return stored.getFirst();
    }

    private List<EventError> errors(String json) {
        InvalidBatchException e = assertThrows(InvalidBatchException.class,
                () -> store(json.getBytes(StandardCharsets.UTF_8), "application/json"));
        return e.errors();
    }

    private String error(String json) {
        List<EventError> errors = errors(json);
        assertEquals(1, errors.size(), errors.toString());
        return errors.getFirst().reason();
    }

    private static long ms(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    @Test
    void appliesDefaults() {
        LogEvent e = one("{\"message\":\"hi\"}");
        assertEquals(Level.INFO, e.level());
        assertEquals(Kind.APP, e.kind());
        assertEquals(clock.millis(), e.ts());
        assertEquals(clock.millis(), e.receivedAt());
        assertEquals(7, e.projectId());
        assertEquals(40, e.fingerprint().length());
        assertEquals(Map.of(), e.attrs());
    }

    @Test
    void readsTimestampsInEveryCommonForm() {
        assertEquals(ms("2026-11-22T09:00:00Z"), one("{\"message\":\"x\",\"ts\":\"2026-11-22T09:00:00Z\"}").ts());
        assertEquals(ms("2026-11-22T07:00:00Z"), one("{\"message\":\"x\",\"ts\":\"2026-11-22T09:00:00+02:00\"}").ts());
        assertEquals(ms("2026-11-22T09:00:00.123Z"), one("{\"message\":\"x\",\"ts\":\"2026-11-22 09:00:00.123\"}").ts());
        assertEquals(ms("2026-11-22T09:00:00Z"), one("{\"message\":\"x\",\"ts\":" + ms("2026-11-22T09:00:00Z") + "}").ts());
        assertEquals(ms("2026-11-22T09:00:00Z"), one("{\"message\":\"x\",\"ts\":" + ms("2026-11-22T09:00:00Z") / 1000 + "}").ts());
        assertEquals(ms("2026-11-22T09:00:00.5Z"), one("{\"message\":\"x\",\"ts\":" + ms("2026-11-22T09:00:00Z") / 1000 + ".5}").ts());
        assertEquals(ms("2026-11-22T09:00:00Z"), one("{\"message\":\"x\",\"ts\":" + ms("2026-11-22T09:00:00Z") * 1_000_000 + "}").ts());
        assertEquals(ms("2026-11-22T09:00:00Z"), one("{\"message\":\"x\",\"timestamp\":\"2026-11-22T09:00:00Z\"}").ts());
        assertEquals(ms("2026-11-22T09:00:00Z"), one("{\"message\":\"x\",\"@timestamp\":\"2026-11-22T09:00:00Z\"}").ts());
    }

    @Test
    void acceptsCommonAliasesAndNumericIds() {
        LogEvent e = one("{\"msg\":\"hi\",\"severity\":\"WARNING\",\"user_id\":42,\"traceId\":\"t1\",\"kind\":\"Work\"}");
        assertEquals("hi", e.message());
        assertEquals(Level.WARN, e.level());
        assertEquals("42", e.userId());
        assertEquals("t1", e.traceId());
        assertEquals(Kind.WORK, e.kind());
    }

    @Test
    void keepsUnknownFieldsAsFlatAttrs() {
        LogEvent e = one("{\"message\":\"x\",\"attrs\":{\"duration\":523,\"ok\":true,\"http\":{\"status\":500,\"path\":\"/a\"},"
                + "\"tags\":[\"a\",\"b\"],\"gone\":null},\"region\":\"eu\"}");
        assertEquals(Map.of("duration", "523", "ok", "true", "http.status", "500", "http.path", "/a",
                "tags", "[\"a\",\"b\"]", "region", "eu"), e.attrs());
    }

    @Test
    void usesTheClientFingerprintWhenGiven() {
        assertEquals("checkout-timeout", one("{\"message\":\"x\",\"fingerprint\":\"checkout-timeout\"}").fingerprint());
    }

    @Test
    void explainsEachInvalidField() {
        assertEquals("message is required", error("{\"level\":\"info\"}"));
        assertEquals("message is empty", error("{\"message\":\"  \"}"));
        assertEquals("message must be a string, got a number", error("{\"message\":5}"));
        assertEquals("unknown level 'verbosest'; use one of trace, debug, info, warn, error, fatal",
                error("{\"message\":\"x\",\"level\":\"verbosest\"}"));
        assertEquals("level must be a string like \"error\", got a number", error("{\"message\":\"x\",\"level\":3}"));
        assertEquals("unknown kind 'job'; use one of app, work, build, deploy, system, action, lifecycle",
                error("{\"message\":\"x\",\"kind\":\"job\"}"));
        assertEquals("ts 'yesterday' is not ISO-8601 (like 2026-11-22T10:15:30.123Z) or epoch milliseconds",
                error("{\"message\":\"x\",\"ts\":\"yesterday\"}"));
        assertEquals("ts must be an ISO-8601 string or epoch milliseconds, got a boolean",
                error("{\"message\":\"x\",\"ts\":true}"));
        assertEquals("ts is more than 24 hours in the future; check the sender's clock and units",
                error("{\"message\":\"x\",\"ts\":\"2027-01-01T00:00:00Z\"}"));
        assertEquals("userId must be a string or an integer, got an object", error("{\"message\":\"x\",\"userId\":{}}"));
        assertEquals("attrs must be an object of key-value pairs, got a string", error("{\"message\":\"x\",\"attrs\":\"a=b\"}"));
        assertEquals("event must be a JSON object, got a string", error("[\"just text\"]"));
        assertEquals("message is longer than 32 KB", error("{\"message\":\"" + "x".repeat(32 * 1024 + 1) + "\"}"));
    }

    @Test
    void reportsEveryBadEventAndStoresNothing() {
        stored.clear();
        List<EventError> errors = errors("[{\"message\":\"ok\"},{\"level\":\"x\"},{\"message\":\"ok\"},{\"message\":1}]");
        assertEquals(List.of(1, 1, 3), errors.stream().map(EventError::index).toList());
        assertTrue(stored.isEmpty());
    }

    @Test
    void returnsIdsInSendOrder() {
        IngestResult result = store("{\"message\":\"a\"}\n{\"message\":\"b\",\"kind\":\"build\"}\n{\"message\":\"c\"}"
                .getBytes(StandardCharsets.UTF_8), "application/x-ndjson");
        assertEquals(3, result.accepted());
        assertTrue(result.ids().get(0) < result.ids().get(1) && result.ids().get(1) < result.ids().get(2));
    }

    @Test
    void plainTextLinesBecomeMessages() {
        stored.clear();
        store("first line\r\n\nsecond line\n".getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
        assertEquals(List.of("first line", "second line"), stored.stream().map(LogEvent::message).toList());
        assertNull(stored.getFirst().source());
    }

    @Test
    void aBatchTheSinkFailsCostsNoTokensAndNoDebounceSoItsRetryPasses() {
        boolean[] failNext = {true};
        List<LogEvent> kept = new ArrayList<>();
        IngestService flaky = new IngestService(new EventSink() {
            @Override
            public void append(List<LogEvent> events) {
                if (failNext[0]) {
                    failNext[0] = false;
                    throw new IllegalStateException("disk full");
                }
                kept.addAll(events);
            }

            @Override
            public void checkAccepting() {
            }
        }, new StoredOrder(new IdGenerator(clock, 0), released -> { }), new MaskingFingerprinter(), new FingerprintMerges(List.of()), new RateLimiter(clock, 1000),
                new Debouncer(clock, Debouncer.DEFAULT_WINDOW, 1000), clock);
        byte[] batch = ("[{\"message\":\"thinking\",\"kind\":\"work\",\"userId\":\"u1\"},{\"message\":\"a\"},"
                + "{\"message\":\"b\"}]").getBytes(StandardCharsets.UTF_8);
        IngestRequest request = new IngestRequest(7, batch, "application/json", null, new RateLimits(3, 0, 0, 1));
        assertThrows(IllegalStateException.class, () -> flaky.ingest(request));
        IngestResult retried = flaky.ingest(request);
        assertEquals(3, retried.accepted(), "the three tokens and the work log's debounce mark came back");
        assertEquals(0, retried.debounced());
        assertEquals(3, kept.size());
    }
}
