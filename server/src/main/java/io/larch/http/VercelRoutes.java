package io.larch.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.larch.ingest.protocol.ProjectIngest;
import io.larch.ingest.protocol.vercel.VercelEvents;
import io.larch.security.AuthException;
import io.larch.security.ProjectPolicies;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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

    private final ProjectIngest ingest;

    VercelRoutes(ProjectIngest ingest) {
        this.ingest = ingest;
    }

    void install(RouteTable routes) {
        routes.post("/ingest/vercel", Access.INGEST, MAX_BODY_BYTES, this::drain);
        routes.get("/ingest/vercel", Access.INGEST, this::verify);
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
