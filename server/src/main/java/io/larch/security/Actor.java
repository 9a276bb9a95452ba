package io.larch.security;

/** Who does an admin action, as the audit trail records it: the caller's identity and client address. */
public record Actor(String identity, String clientIp) {
    /** Actions Larch does by itself (start-up, rules files). */
    public static final Actor SYSTEM = new Actor("system", null);
}
