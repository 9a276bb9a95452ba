package io.larch.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.larch.ingest.protocol.ProjectIngest;
import io.larch.ingest.protocol.vercel.VercelEvents;
import io.larch.ingest.protocol.vercel.VercelFollower;
import io.larch.meta.AuditRepository;
import io.larch.meta.Database;
import io.larch.meta.VercelFollowRepository;
import io.larch.model.InvalidInputException;
import io.larch.security.AuditDetail;
import io.larch.security.AuthException;
import io.larch.security.NotFoundException;
import io.larch.security.ProjectPolicies;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code POST /ingest/vercel}: a Vercel log drain (JSON delivery: a JSON array or NDJSON). The
 * drain authenticates with a project key in a custom header it sends ({@code Authorization:
 * Bearer <key>}, or {@code X-Api-Key}), and Vercel signs each body: {@code x-vercel-signature} is
 * the hex HMAC-SHA1 of the body as sent, keyed with the drain's secret, which the project keeps
 * in its settings ({@code vercelDrainSecret}). A project without that secret, a missing or a
 * wrong signature is answered 403 and nothing is stored. Every answer to the project's key
 * carries {@code x-vercel-verify} when the project set {@code vercelVerify} (the code Vercel's
 * drain setup checks), also on {@code GET /ingest/vercel}.
 *
 * <p>{@code /admin/projects/{slug}/vercel/follow}: the pull mode ({@link VercelFollower}): POST
 * {@code {"deploymentId","token"}} follows a deployment's events, GET lists what is followed (the
 * tokens never shown), DELETE {@code .../follow/{deploymentId}} stops.
 *
 * <p>Larch's own request signing (X-Larch-Signature) is not asked of the drain: Vercel cannot
 * send it, and the Vercel signature checked here proves the same thing. So events are stored
 * through {@link ProjectIngest} (the project's redaction and limits) rather than ProtocolIngest.
 * The answer is 200 once the entries are durable; entries the validator refuses are counted in
 * the answer ({@code rejected}) and not stored (Vercel would only resend them).
 */
final class VercelRoutes {
    static final String SIGNATURE_HEADER = "x-vercel-signature";
    static final String VERIFY_HEADER = "x-vercel-verify";
    /** Javalin's request limit; Vercel's batches are far smaller. */
    static final int MAX_BODY_BYTES = 1024 * 1024;

    /** Deployment ids as Vercel makes them ({@code dpl_...}), or a deployment's host name. */
    private static final java.util.regex.Pattern DEPLOYMENT_ID = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,128}");
    /** Ids that would move the API path (and the token with it) to another endpoint. */
    private static final java.util.regex.Pattern DOTS_ONLY = java.util.regex.Pattern.compile("\\.+");
    private static final int MAX_TOKEN_CHARS = 512;

    private final ProjectIngest ingest;
    private final VercelFollower follower;
    private final VercelFollowRepository follows;
    private final Database database;
    private final AuditRepository audit;
    private final Clock clock;

    VercelRoutes(ProjectIngest ingest, VercelFollower follower, VercelFollowRepository follows, Database database,
                 AuditRepository audit, Clock clock) {
        this.ingest = ingest;
        this.follower = follower;
        this.follows = follows;
        this.database = database;
        this.audit = audit;
        this.clock = clock;
    }

    void install(RouteTable routes) {
        routes.post("/ingest/vercel", Access.INGEST, MAX_BODY_BYTES, this::drain);
        routes.get("/ingest/vercel", Access.INGEST, this::verify);
        routes.post("/admin/projects/{slug}/vercel/follow", Access.PROJECT_ADMIN, JsonBodies.MAX_ADMIN_BODY, this::follow);
        routes.get("/admin/projects/{slug}/vercel/follow", Access.PROJECT_ADMIN, this::listFollows);
        routes.delete("/admin/projects/{slug}/vercel/follow/{deploymentId}", Access.PROJECT_ADMIN, this::unfollow);
    }

    /**
     * Pull mode: Larch follows the deployment's events with the given Vercel token, from where it
     * got to when it followed it before (else from the start), until DELETE.
     */
    private void follow(Context ctx, Grant grant, byte[] raw) {
        JsonNode body = JsonBodies.object(raw, "deploymentId", "token");
        String deploymentId = JsonBodies.text(body, "deploymentId");
        String token = JsonBodies.text(body, "token");
        if (deploymentId == null || !DEPLOYMENT_ID.matcher(deploymentId.trim()).matches()) {
            throw new InvalidInputException("deploymentId: give the deployment's id (dpl_...) or host name");
        }
        if (token == null || token.isBlank() || token.trim().length() > MAX_TOKEN_CHARS
                || !token.trim().chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new InvalidInputException("token: give a Vercel access token (vercel.com/account/tokens) that can read the deployment");
        }
        long projectId = grant.project().id();
        String id = deploymentId.trim();
        if (DOTS_ONLY.matcher(id).matches()) {
            throw new InvalidInputException("deploymentId: '" + id + "' is not a deployment id (dpl_... or the deployment's host)");
        }
        long now = clock.millis();
        // A follower already running stores its pending events and moves the cursor on first:
        // the new one must start from there, or it would store them again.
        follower.stop(projectId, id);
        follows.put(projectId, id, token.trim(), VercelFollower.FOLLOWING, now);
        database.transaction(c -> {
            audit.append(c, now, grant.actor().identity(), grant.actor().clientIp(), "vercel.follow", projectId,
                    grant.project().slug(), AuditDetail.of("deploymentId", id));
            return null;
        });
        VercelFollowRepository.VercelFollow stored = find(projectId, id);
        follower.follow(new VercelFollower.Follow(projectId, id, stored.token(), stored.lastTs(), stored.lastIds()));
        ctx.status(201).json(describe(stored));
    }

    private void listFollows(Context ctx, Grant grant) {
        List<Map<String, Object>> shown = new ArrayList<>();
        for (VercelFollowRepository.VercelFollow follow : follows.list(grant.project().id())) {
            shown.add(describe(follow));
        }
        ctx.json(Map.of("follows", shown));
    }

    private void unfollow(Context ctx, Grant grant) {
        long projectId = grant.project().id();
        String id = ctx.pathParam("deploymentId");
        follower.stop(projectId, id);
        if (!follows.delete(projectId, id)) {
            throw new NotFoundException("deployment " + id + " is not followed in project " + grant.project().slug());
        }
        long now = clock.millis();
        database.transaction(c -> {
            audit.append(c, now, grant.actor().identity(), grant.actor().clientIp(), "vercel.unfollow", projectId,
                    grant.project().slug(), AuditDetail.of("deploymentId", id));
            return null;
        });
        ctx.status(204);
    }

    private VercelFollowRepository.VercelFollow find(long projectId, String deploymentId) {
        return follows.list(projectId).stream().filter(f -> f.deploymentId().equals(deploymentId)).findFirst()
                .orElseThrow(() -> new NotFoundException("deployment " + deploymentId + " is not followed"));
    }

    /** A follow as admins see it: never the token. */
    private static Map<String, Object> describe(VercelFollowRepository.VercelFollow follow) {
        Map<String, Object> shown = new LinkedHashMap<>();
        shown.put("deploymentId", follow.deploymentId());
        shown.put("status", follow.status());
        shown.put("error", follow.error());
        shown.put("eventsStored", follow.eventsStored());
        shown.put("lastEventAt", follow.lastTs() == 0 ? null : java.time.Instant.ofEpochMilli(follow.lastTs()).toString());
        shown.put("token", "(set)");
        return shown;
    }

    /** The drain setup's check: 200 with the project's x-vercel-verify code. */
    private void verify(Context ctx, Grant grant) {
        ProjectPolicies.Policy policy = ingest.policy(grant.project().id());
        answerVerify(ctx, policy);
        ctx.json(Map.of("ok", true, "vercelVerify", policy.vercelVerify() != null));
    }

    private void drain(Context ctx, Grant grant, byte[] rawBody) {
        long projectId = grant.project().id();
        ProjectPolicies.Policy policy = ingest.policy(projectId);
        answerVerify(ctx, policy);
        requireSignature(policy, grant.project().slug(), ctx.header(SIGNATURE_HEADER), rawBody);
        byte[] body = RequestBodies.decode(ctx, rawBody, MAX_BODY_BYTES);
        List<JsonNode> entries = VercelEvents.entries(body);
        List<ObjectNode> events = new ArrayList<>(entries.size());
        for (JsonNode entry : entries) {
            events.add(VercelEvents.event(entry));
        }
        ProjectIngest.Outcome outcome = ingest.store(projectId, events);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("accepted", outcome.accepted());
        response.put("rejected", outcome.rejected().size());
        if (!outcome.rejected().isEmpty()) {
            response.put("firstRejection", "entry " + outcome.rejected().getFirst().index() + ": "
                    + outcome.rejected().getFirst().reason());
        }
        ctx.status(200).json(response);
    }

    private static void answerVerify(Context ctx, ProjectPolicies.Policy policy) {
        if (policy.vercelVerify() != null) {
            ctx.header(VERIFY_HEADER, policy.vercelVerify());
        }
    }

    /** 403 unless {@code signature} is the hex HMAC-SHA1 of {@code rawBody} with the project's drain secret. */
    static void requireSignature(ProjectPolicies.Policy policy, String slug, String signature, byte[] rawBody) {
        if (policy.vercelDrainSecret() == null) {
            throw AuthException.forbidden("the project has no Vercel drain secret: set it with PUT /admin/projects/" + slug
                    + "/settings {\"vercelDrainSecret\":\"<the drain's signature secret>\"} so drain bodies can be verified");
        }
        if (signature == null || signature.isBlank()) {
            throw AuthException.forbidden(SIGNATURE_HEADER + " is missing: only Vercel's signed log drain deliveries are accepted");
        }
        byte[] expected = HexFormat.of().formatHex(hmacSha1(policy.vercelDrainSecret(), rawBody))
                .getBytes(StandardCharsets.US_ASCII);
        byte[] given = signature.trim().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        // Constant time: how much of a guess matched must not show in the answer's timing.
        if (!MessageDigest.isEqual(expected, given)) {
            throw AuthException.forbidden(SIGNATURE_HEADER + " does not match the body: check the project's vercelDrainSecret "
                    + "against the drain's signature secret in Vercel");
        }
    }

    static byte[] hmacSha1(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA1 is not available", e);
        }
    }
}
