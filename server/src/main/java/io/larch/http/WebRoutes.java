package io.larch.http;

import io.javalin.http.Context;
import io.larch.security.NotFoundException;

/**
 * The dashboard ({@code /}), its files ({@code /assets/...}), the work-log widget
 * ({@code /widget/larch-work-log.js}) and its demo ({@code /demo/chat}). They are public: a page
 * holds no data, and every call it makes sends the credential the user signed in with.
 * {@code GET /} from an Elasticsearch client (a credential, or JSON asked for) is answered with
 * the cluster document instead ({@link ElasticsearchRoutes#clusterInfo}).
 * Pages get a content policy that loads scripts, styles and data from this server only.
 */
final class WebRoutes {
    /** What a dashboard page may load: its own scripts, styles and API; nothing from elsewhere. */
    static final String PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private final WebAssets assets = new WebAssets();

    void install(RouteTable routes) {
        // Fail at start, not on the first visit, when the jar was built without its pages.
        assets.require("", "index.html");
        assets.require("demo", "chat.html");
        assets.require("widget", "larch-work-log.js");
        routes.get("/", Access.PUBLIC, (ctx, grant) -> {
            // Elasticsearch clients probe "/" for the cluster's version; browsers get the dashboard.
            if (ElasticsearchRoutes.asksForClusterInfo(ctx)) {
                ElasticsearchRoutes.clusterInfo(ctx);
                return;
            }
            page(ctx, assets.require("", "index.html"));
        });
        routes.get("/demo/chat", Access.PUBLIC, (ctx, grant) -> page(ctx, assets.require("demo", "chat.html")));
        routes.get("/assets/{file}", Access.PUBLIC, (ctx, grant) -> file(ctx, "assets", ctx.pathParam("file")));
        routes.get("/widget/larch-work-log.js", Access.PUBLIC, (ctx, grant) -> {
            // Other sites embed the widget; a module script from another origin needs CORS.
            ctx.header("Access-Control-Allow-Origin", "*");
            send(ctx, assets.require("widget", "larch-work-log.js"));
        });
    }

    private void page(Context ctx, WebAssets.Asset asset) {
        ctx.header("Content-Security-Policy", PAGE_POLICY);
        send(ctx, asset);
    }

    private void file(Context ctx, String dir, String name) {
        WebAssets.Asset asset = assets.find(dir, name).orElseThrow(() ->
                new NotFoundException("no such file: /" + dir + "/" + name));
        send(ctx, asset);
    }

    /** The file, gzipped when the client takes it, revalidated by ETag (304 when unchanged). */
    private static void send(Context ctx, WebAssets.Asset asset) {
        boolean gzip = acceptsGzip(ctx.header("Accept-Encoding"));
        String etag = gzip ? asset.gzippedEtag() : asset.etag();
        ctx.header("Cache-Control", "no-cache");
        ctx.header("ETag", etag);
        String vary = ctx.res().getHeader("Vary");
        ctx.header("Vary", vary == null || vary.isBlank() ? "Accept-Encoding" : vary + ", Accept-Encoding");
        if (etag.equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        ctx.contentType(asset.contentType());
        if (gzip) {
            ctx.header("Content-Encoding", "gzip");
            ctx.result(asset.gzipped());
        } else {
            ctx.result(asset.bytes());
        }
    }

    /** Whether an Accept-Encoding header takes gzip (and does not refuse it with q=0). */
    static boolean acceptsGzip(String header) {
        if (header == null) {
            return false;
        }
        for (String part : header.split(",")) {
            String[] pieces = part.trim().split(";");
            String coding = pieces[0].trim().toLowerCase(java.util.Locale.ROOT);
            if (coding.equals("gzip") || coding.equals("*")) {
                for (int i = 1; i < pieces.length; i++) {
                    String parameter = pieces[i].trim().replace(" ", "");
                    if (parameter.matches("q=0(\\.0{0,3})?")) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }
}
