package io.larch.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place routes are declared: each with its method, path and {@link Access}. The rate
 * limits and the access check run before any handler; a route cannot be added without naming
 * who may call it.
 * Handlers of routes with a body get the raw bytes (read, capped, before the credential is
 * checked: a shipper with a wrong key gets its 401 rather than a connection closed mid-upload;
 * and signatures are computed over exactly these bytes).
 */
final class RouteTable {
    /** A handler that was let in. */
    @FunctionalInterface
    interface Handler {
        void handle(Context ctx, Grant grant) throws Exception;
    }

    /** A handler of a request body, as received (still compressed when it was sent so). */
    @FunctionalInterface
    interface BodyHandler {
        void handle(Context ctx, Grant grant, byte[] rawBody) throws Exception;
    }

    private final JavalinConfig config;
    private final Credentials credentials;
    private final RequestAdmission admission;
    private final List<DeclaredRoute> routes = new ArrayList<>();

    RouteTable(JavalinConfig config, Credentials credentials, RequestAdmission admission) {
        this.config = config;
        this.credentials = credentials;
        this.admission = admission;
    }

    void get(String path, Access access, Handler handler) {
        add(HandlerType.GET, path, access, handler);
    }

    void delete(String path, Access access, Handler handler) {
        add(HandlerType.DELETE, path, access, handler);
    }

    void post(String path, Access access, int maxBodyBytes, BodyHandler handler) {
        addWithBody(HandlerType.POST, path, access, maxBodyBytes, handler);
    }

    void put(String path, Access access, int maxBodyBytes, BodyHandler handler) {
        addWithBody(HandlerType.PUT, path, access, maxBodyBytes, handler);
    }

    /** Every route declared so far. */
    List<DeclaredRoute> routes() {
        return List.copyOf(routes);
    }

    private void add(HandlerType method, String path, Access access, Handler handler) {
        routes.add(new DeclaredRoute(method.name(), path, access.name()));
        config.routes.addHttpHandler(method, path, ctx -> handler.handle(ctx, admit(ctx, access)));
    }

    private void addWithBody(HandlerType method, String path, Access access, int maxBodyBytes, BodyHandler handler) {
        routes.add(new DeclaredRoute(method.name(), path, access.name()));
        config.routes.addHttpHandler(method, path, ctx -> {
            // The address limit comes before the body is read, so a flood of uploads is refused unread.
            String clientIp = beforeCredential(ctx, access);
            byte[] raw = RequestBodies.readRaw(ctx, maxBodyBytes);
            handler.handle(ctx, afterCredential(ctx, access, clientIp), raw);
        });
    }

    /** Rate limits and the credential check, in that order; the probes are never limited. */
    private Grant admit(Context ctx, Access access) {
        return afterCredential(ctx, access, beforeCredential(ctx, access));
    }

    /** The client's address, taken from the per-address limit (except on the probes). */
    private String beforeCredential(Context ctx, Access access) {
        String clientIp = credentials.clientIp(ctx);
        if (access != Access.PUBLIC) {
            admission.beforeCredential(clientIp);
        }
        return clientIp;
    }

    private Grant afterCredential(Context ctx, Access access, String clientIp) {
        Grant grant = credentials.grant(ctx, access, clientIp);
        if (access != Access.PUBLIC) {
            admission.afterCredential(grant.project());
        }
        return grant;
    }
}
