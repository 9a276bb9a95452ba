package io.larch.http;

/**
 * Who may call a route. Every route names exactly one in {@link RouteTable}, which checks it
 * before the handler runs; the authorization matrix test walks every route with every kind of
 * credential against this declaration.
 */
enum Access {
    /** Anyone: health probes and metrics. */
    PUBLIC("anyone"),
    /** The admin token or any project key (not a viewer token): who am I, for the dashboard's sign-in. */
    SIGNED_IN("the admin token or a project key"),
    /** The server's admin token only. */
    ADMIN_TOKEN("the admin token"),
    /** A key with the ingest scope, or the admin token naming ?project=. */
    INGEST("a key with the ingest scope (or the admin token with ?project=)"),
    /** A key with the read scope, or the admin token naming ?project=. */
    READ("a key with the read scope (or the admin token with ?project=)"),
    /** A key with the read or the admin scope: minting viewer tokens. */
    MINT_TOKEN("a key with the read or admin scope"),
    /** A viewer token (its own user's work logs only), a key with the read scope, or the admin token. */
    WORK_LOG_READ("a viewer token, a key with the read scope, or the admin token with ?project="),
    /** Another node of the same Larch: the cluster secret (LARCH_CLUSTER_SECRET), and nothing else. */
    CLUSTER("the cluster secret (LARCH_CLUSTER_SECRET) of another node"),
    /** A key with the admin scope of the project named by the path or ?project=, or the admin token. */
    PROJECT_ADMIN("a key with the admin scope of that project (or the admin token)");

    private final String who;

    Access(String who) {
        this.who = who;
    }

    /** Who may call, for error messages. */
    String who() {
        return who;
    }
}
