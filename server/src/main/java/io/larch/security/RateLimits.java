package io.larch.security;

/**
 * Per-minute rate limits; 0 means no limit. The server's come from config; a project's own
 * overrides replace single fields ({@link #with}).
 */
public record RateLimits(long projectEventsPerMinute, long projectRequestsPerMinute, long ipRequestsPerMinute,
                         long workLogPerUserPerMinute) {

    /** These limits with a project's overrides applied (null fields keep the server's value). */
    public RateLimits with(ProjectPolicies.LimitOverrides overrides) {
        return new RateLimits(
                overrides.eventsPerMinute() == null ? projectEventsPerMinute : overrides.eventsPerMinute(),
                overrides.requestsPerMinute() == null ? projectRequestsPerMinute : overrides.requestsPerMinute(),
                ipRequestsPerMinute,
                overrides.workLogPerUserPerMinute() == null ? workLogPerUserPerMinute : overrides.workLogPerUserPerMinute());
    }
}
