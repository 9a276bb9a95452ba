package io.larch.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.HandlerType;
import io.javalin.json.JavalinJackson;
import io.larch.aggregate.Aggregator;
import io.larch.alert.AlertRules;
import io.larch.alert.Alerting;
import io.larch.meta.AlertRepository;
import io.larch.datadir.DiskSpace;
import io.larch.ingest.FingerprintMerges;
import io.larch.ingest.IngestService;
import io.larch.ingest.protocol.ProjectIngest;
import io.larch.lifecycle.BuildLogArchiver;
import io.larch.lifecycle.Eraser;
import io.larch.lifecycle.Maintenance;
import io.larch.lifecycle.RetentionPolicies;
import io.larch.meta.AuditRepository;
import io.larch.meta.Database;
import io.larch.meta.FingerprintRepository;
import io.larch.search.Searcher;
import io.larch.security.Authenticator;
import io.larch.security.ClientAddress;
import io.larch.security.ClusterSecret;
import io.larch.security.ProjectPolicies;
import io.larch.security.RateLimiter;
import io.larch.security.RateLimits;
import io.larch.security.RequestSignatures;
import io.larch.security.TrustedProxies;
import io.larch.security.ProjectAdmin;
import io.larch.security.ViewerTokens;
import io.larch.storage.EventStore;
import io.larch.tail.StreamSession;
import io.larch.tail.TailHub;
import io.larch.wal.WriteAheadLog;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds the HTTP server: every route file, error mapping, hardening, virtual threads. */
public final class HttpServer {
    /** Jetty's limit on request line plus headers; beyond it a request gets 431. */
    static final int MAX_HEADER_BYTES = 16 * 1024;
    /** A request body slower than this is cut off (512 KB, the largest, may take 8.5 minutes). */
    static final long MIN_REQUEST_BYTES_PER_SECOND = 1024;

    /**
     * On stop, the longest requests in progress may take to finish: an ingest waits for one
     * fsync, a query for at most LARCH_QUERY_TIMEOUT (30 s by default, so a longer query is cut).
     */
    public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);

    private HttpServer() {
    }

    /** What the routes need. */
    public record Dependencies(IngestService ingest, Searcher searcher, Aggregator aggregator, EventStore store,
                               WriteAheadLog wal, Authenticator authenticator, ViewerTokens viewerTokens,
                               ProjectAdmin projects, ProjectPolicies policies, RequestSignatures signatures,
                               RateLimiter limiter, TailHub tail, AuditRepository audit, Maintenance maintenance,
                               RetentionPolicies retention, Eraser eraser, Database database,
                               Path dataDir, PrometheusMeterRegistry metrics, Map<String, String> effectiveConfig,
                               Options options, Clock clock, DiskSpace disk, BuildLogArchiver buildLogs,
                               FingerprintRepository fingerprintRecords, FingerprintMerges fingerprintMerges,
                               AlertRules alertRules, Alerting alerting, AlertRepository alertRecords,
                               io.larch.ingest.protocol.vercel.VercelFollower vercelFollower,
                               io.larch.meta.VercelFollowRepository vercelFollows, Cluster cluster) {
    }

    /** This node among several: its id (what its own events carry) and the secret the others present. */
    public record Cluster(int nodeId, ClusterSecret secret) {
    }

    /**
     * The HTTP settings.
     *
     * @param idleTimeout a connection that sends nothing for this long is closed (slow clients, slowloris)
     */
    public record Options(String host, int port, Duration queryTimeout, int queryConcurrencyPerKey,
                          Duration viewerTokenMaxTtl, Set<String> corsOrigins, Duration idleTimeout,
                          TrustedProxies trustedProxies, RateLimits rateLimits, StreamSession.Timing streamTiming) {
    }

    /** A built server and the routes it declares. */
    public record Built(Javalin javalin, List<DeclaredRoute> routes) {
    }

    /** Every X-Forwarded-For line joined in order: a proxy may add its own line after the client's. */
    private static String forwardedFor(io.javalin.http.Context ctx) {
        java.util.Enumeration<String> lines = ctx.req().getHeaders("X-Forwarded-For");
        if (lines == null || !lines.hasMoreElements()) {
            return null;
        }
        return String.join(",", java.util.Collections.list(lines));
    }

    public static Built create(Dependencies deps) {
        Options options = deps.options();
        Credentials credentials = new Credentials(deps.authenticator(), deps.projects(), ctx -> ClientAddress.resolve(
                ctx.req().getRemoteAddr(), forwardedFor(ctx), options.trustedProxies()), deps.cluster().secret());
        RequestAdmission admission = new RequestAdmission(deps.limiter(), options.rateLimits(), deps.policies());
        QueryGate gate = new QueryGate(options.queryTimeout(), options.queryConcurrencyPerKey(), deps.metrics());
        Cors cors = new Cors(options.corsOrigins());
        RouteTable[] table = new RouteTable[1];
        Javalin javalin = Javalin.create(config -> {
            config.events.serverStopped(gate::close);
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            // Our own connector, as Javalin's default would be, but with the idle timeout: a
            // client that stalls mid-request (slowloris) is cut off after it.
            config.jetty.addConnector((server, httpConfiguration) -> {
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfiguration));
                connector.setHost(options.host());
                connector.setPort(options.port());
                connector.setIdleTimeout(options.idleTimeout().toMillis());
                return connector;
            });
            config.jsonMapper(new JavalinJackson(new ObjectMapper(), true));
            config.http.maxRequestSize = 1024 * 1024;
            config.router.ignoreTrailingSlashes = true;
            config.jetty.modifyServer(server -> {
                server.setErrorHandler(new JettyErrorResponses());
                // Graceful stop: connectors stop accepting, requests in progress finish (an ingest
                // gets its 202 once its batch is durable), up to DRAIN_TIMEOUT. Javalin puts its
                // servlet context inside this wrapper. Live streams would hold it to the end, so
                // the tail hub ends them first (Larch.close).
                server.setHandler(new GracefulHandler());
                server.setStopTimeout(DRAIN_TIMEOUT.toMillis());
            });
            config.jetty.modifyHttpConfiguration(http -> {
                http.setRequestHeaderSize(MAX_HEADER_BYTES);
                http.setSendServerVersion(false);
                // A body trickled in a byte at a time would reset the idle timeout forever.
                http.setMinRequestDataRate(MIN_REQUEST_BYTES_PER_SECOND);
            });
            ErrorMapping.install(config, deps.metrics(), deps.ingest().counters());
            config.routes.before(ctx -> {
                SecurityHeaders.apply(ctx);
                if (cors.apply(ctx)) {
                    ctx.skipRemainingHandlers();
                }
            });
            RouteTable routes = new RouteTable(config, credentials, admission);
            table[0] = routes;
            config.routes.addHttpHandler(HandlerType.OPTIONS, "/*", ctx -> {
                if (ctx.status().getCode() != 204) {
                    ctx.status(204);
                }
            });
            new HealthRoutes(deps.database(), deps.dataDir(), deps.wal(), deps.disk()).install(routes);
            routes.get("/metrics", Access.PUBLIC, (ctx, grant) -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(deps.metrics().scrape()));
            new IngestRoutes(deps.ingest(), deps.policies(), deps.signatures()).install(routes);
            SearchRoutes search = new SearchRoutes(deps.searcher(), gate, deps.clock());
            search.install(routes);
            new WorkLogRoutes(search, deps, gate).install(routes);
            StreamRoutes streams = new StreamRoutes(deps.tail(), deps.searcher(), gate, credentials,
                    options.streamTiming(), deps.clock());
            config.events.serverStopped(streams::close);
            streams.install(routes);
            new BuildLogRoutes(deps.searcher(), gate, deps.buildLogs(), deps.dataDir(),
                    deps.buildLogs() == null ? BuildLogArchiver.Options.DEFAULTS : deps.buildLogs().options())
                    .install(routes);
            new TokenRoutes(deps.viewerTokens(), options.viewerTokenMaxTtl(), deps.clock()).install(routes);
            new AnalyticsRoutes(deps.aggregator(), gate, deps.clock()).install(routes);
            new FingerprintRoutes(deps.aggregator(), gate, deps.fingerprintRecords(), deps.fingerprintMerges(),
                    deps.database(), deps.audit(), deps.clock()).install(routes);
            new AdminRoutes(deps.projects(), deps.store(), AdminRoutes.describe(deps.effectiveConfig()),
                    deps.alertRules()::ensureDefaults).install(routes);
            new AlertRoutes(deps.alertRules(), deps.alerting(), deps.alertRecords()).install(routes);
            new AuditRoutes(deps.audit(), deps.projects()).install(routes);
            new LifecycleRoutes(deps.maintenance(), deps.retention()).install(routes);
            new EraseRoutes(deps.eraser(), deps.projects()).install(routes);
            new ProjectSettingsRoutes(deps.policies(), options.rateLimits()).install(routes);
            // clients: what a client library reads with its ingest key (the Logback appender)
            new ClientConfigRoutes().install(routes);
            // The shippers' protocols: each adapter maps its wire format onto events stored by ProtocolIngest.
            ProjectIngest projectIngest = new ProjectIngest(deps.ingest(), deps.policies(), deps.limiter());
            ProtocolIngest protocolIngest = new ProtocolIngest(projectIngest, deps.policies(), deps.signatures());
            // protocol: otlp
            new OtlpRoutes(protocolIngest).install(routes);
            // protocol: loki
            new LokiRoutes(protocolIngest, deps.metrics()).install(routes);
            // protocol: elasticsearch
            new ElasticsearchRoutes(protocolIngest).install(routes);
            // protocol: vercel
            new VercelRoutes(projectIngest, deps.vercelFollower(),
                    deps.vercelFollows(), deps.database(), deps.audit(), deps.clock()).install(routes);
            // several nodes: what the other nodes fetch from this one
            new InternalRoutes(deps.cluster().nodeId(), deps.tail(), deps.searcher(), gate, deps.clock()).install(routes);
            new SessionRoutes().install(routes);
            new WebRoutes().install(routes);
        });
        return new Built(javalin, table[0].routes());
    }
}
