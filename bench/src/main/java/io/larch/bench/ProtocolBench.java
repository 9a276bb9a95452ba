package io.larch.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Events/s through each shipper protocol against the native endpoint, same server, same events,
 * one after the other: native first and last, so drift over the run shows.
 */
@Command(name = "protocols", description = "Ingest through each protocol adapter (OTLP, Loki, Elasticsearch bulk, Vercel) against POST /api/log.")
final class ProtocolBench extends BenchMain.Common implements Callable<Integer> {
    /** Each protocol: how a generated batch becomes its request. */
    static final Map<String, Function<String, ProtocolBodies.Request>> PROTOCOLS = new LinkedHashMap<>();

    static {
        PROTOCOLS.put("native", ProtocolBodies::nativeJson);
        PROTOCOLS.put("otlp-json", batch -> ProtocolBodies.otlpJson(ProtocolBodies.events(batch)));
        PROTOCOLS.put("otlp-protobuf", batch -> ProtocolBodies.otlpProtobuf(ProtocolBodies.events(batch)));
        PROTOCOLS.put("loki-json", batch -> ProtocolBodies.lokiJson(ProtocolBodies.events(batch)));
        PROTOCOLS.put("loki-protobuf", batch -> ProtocolBodies.lokiProtobuf(ProtocolBodies.events(batch)));
        PROTOCOLS.put("elasticsearch", batch -> ProtocolBodies.elasticsearchBulk(ProtocolBodies.events(batch)));
        PROTOCOLS.put("vercel", batch -> ProtocolBodies.vercelDrain(ProtocolBodies.events(batch)));
    }

    @CommandLine.Mixin
    BenchMain.IngestLoad load;

    @Option(names = "--protocols", split = ",", description = "which, in order (default: all; native runs first and last)")
    List<String> protocols;

    @Option(names = "--durability", defaultValue = "fsync", description = "LARCH_WAL_DURABILITY for the server")
    String durability;

    @Override
    public Integer call() throws Exception {
        List<String> order = new ArrayList<>(List.of("native"));
        for (String name : protocols == null ? PROTOCOLS.keySet() : protocols) {
            if (!PROTOCOLS.containsKey(name)) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--protocols: unknown '" + name
                        + "'; choose from " + PROTOCOLS.keySet());
            }
            if (!name.equals("native")) {
                order.add(name);
            }
        }
        order.add("native");
        Path dir = dataDirOrTemp();
        List<String> loghubLines = EventGenerator.loadLoghub(loghub);
        try (LarchProcess larch = LarchProcess.start(jar, dir, Map.of("LARCH_WAL_DURABILITY", durability))) {
            String key = BenchMain.createProject(larch.url());
            new BenchHttp(larch.url()).put("/admin/projects/" + BenchMain.PROJECT + "/settings", LarchProcess.ADMIN_TOKEN,
                    "{\"vercelDrainSecret\":\"" + ProtocolBodies.VERCEL_DRAIN_SECRET + "\"}");
            List<Map<String, Object>> runs = new ArrayList<>();
            StringBuilder table = new StringBuilder("| run | protocol | events/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|\n");
            int run = 0;
            for (String protocol : order) {
                List<List<Object>> bodies = bodies(PROTOCOLS.get(protocol), loghubLines);
                ThreadLocal<BenchHttp> http = ThreadLocal.withInitial(() -> new BenchHttp(larch.url()));
                IngestBench.Result result = IngestBench.run(bodies, body -> {
                    ProtocolBodies.Request request = (ProtocolBodies.Request) body;
                    http.get().postAs(request.path(), key, request.contentType(), request.body(),
                            request.headers().toArray(String[]::new));
                }, load.batch, Duration.ofSeconds(load.warmupSeconds), Duration.ofSeconds(load.seconds));
                Map<String, Object> entry = new LinkedHashMap<>(result.toMap());
                entry.put("protocol", protocol);
                runs.add(entry);
                table.append(String.format(Locale.ROOT, "| %d | %s | %,.0f | %.1f | %.1f | %d |%n", ++run, protocol,
                        result.eventsPerSecond(), result.p50Millis(), result.p99Millis(), result.errors()));
            }
            Map<String, Object> results = new LinkedHashMap<>();
            results.put("benchmark", "protocols");
            results.put("durability", durability);
            results.put("runs", runs);
            write(results);
            System.out.println(table);
        } finally {
            cleanUp(dir);
        }
        return 0;
    }

    /** Per client, 40 requests of {@code load.batch} generated events each, in the protocol's format. */
    private List<List<Object>> bodies(Function<String, ProtocolBodies.Request> format, List<String> loghubLines) {
        List<List<Object>> bodies = new ArrayList<>();
        int perClient = 40;
        long total = (long) load.clients * perClient * load.batch;
        for (int c = 0; c < load.clients; c++) {
            EventGenerator generator = new EventGenerator(1000 + c, loghubLines, Instant.now().minus(Duration.ofHours(1)),
                    Duration.ofHours(1).toMillis(), (long) c * perClient * load.batch);
            List<Object> mine = new ArrayList<>();
            for (int b = 0; b < perClient; b++) {
                mine.add(format.apply(generator.batch(load.batch, total)));
            }
            bodies.add(mine);
        }
        return bodies;
    }
}
