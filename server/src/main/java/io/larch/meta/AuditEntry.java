package io.larch.meta;

/**
 * One admin action: who ({@code actor}: "admin" or "key &lt;prefix&gt;"), from where, what
 * ({@code action}, e.g. {@code key.revoke}), on which project and object, with a short JSON
 * {@code detail}. {@code projectId} is null for server-wide actions.
 */
public record AuditEntry(long id, long at, String actor, String clientIp, String action, Long projectId, String target,
                         String detail) {
}
