package io.larch.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.larch.aggregate.Aggregator;
import io.larch.ingest.IngestService;
import io.larch.lifecycle.Maintenance;
import io.larch.meta.Database;
import io.larch.search.Searcher;
import io.larch.security.Authenticator;
import io.larch.security.ProjectAdmin;
import io.larch.storage.EventStore;
import io.larch.wal.WriteAheadLog;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/** Builds the HTTP server: every route file, error mapping, virtual threads. */
public final class HttpServer {
    private HttpServer() {
    }

    /** What the routes need. */
    public record Dependencies(IngestService ingest, Searcher searcher, Aggregator aggregator, EventStore store,
                               WriteAheadLog wal,
                               Authenticator authenticator,
                               ProjectAdmin projects, Maintenance maintenance, Database database, Path dataDir,
                               PrometheusMeterRegistry metrics, Map<String, String> effectiveConfig,
                               Duration queryTimeout, int queryConcurrencyPerKey, Clock clock) {
    }

    public static Javalin create(Dependencies deps, String host, int port) {
        Credentials credentials = new Credentials(deps.authenticator(), deps.projects());
        QueryGate gate = new QueryGate(deps.queryTimeout(), deps.queryConcurrencyPerKey(), deps.metrics());
        return Javalin.create(config -> {
            config.events.serverStopped(gate::close);
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            config.jetty.host = host;
            config.jetty.port = port;
            config.jsonMapper(new JavalinJackson(new ObjectMapper(), true));
            config.http.maxRequestSize = 1024 * 1024;
            config.router.ignoreTrailingSlashes = true;
            config.jetty.modifyServer(server -> server.setErrorHandler(new JettyErrorResponses()));
            ErrorMapping.install(config);
            new HealthRoutes(deps.database(), deps.dataDir(), deps.wal()).install(config);
            new IngestRoutes(deps.ingest(), credentials).install(config);
            new SearchRoutes(deps.searcher(), credentials, gate, deps.clock()).install(config);
            new AnalyticsRoutes(deps.aggregator(), credentials, gate, deps.clock()).install(config);
            new AdminRoutes(deps.projects(), deps.store(), deps.maintenance(), credentials,
                    AdminRoutes.describe(deps.effectiveConfig())).install(config);
            config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(deps.metrics().scrape()));
        });
    }
}
