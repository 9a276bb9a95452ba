package io.larch.model;

import java.util.List;
import java.util.Locale;

/**
 * How a build or a deployment ended, read from the {@code status} of its kind=build or
 * kind=deploy event (case-insensitive: the normaliser keeps statuses as sent). The build-log
 * archive and the build and deploy alert rules read it the same way.
 */
public enum BuildOutcome {
    SUCCESS, FAILED;

    /** The statuses that end a build or a deployment. */
    public static final List<String> END_STATUSES = List.of("success", "failed", "error");

    /** How {@code event} ends its build or deployment, or null when it ends none. */
    public static BuildOutcome of(LogEvent event) {
        boolean build = event.kind() == Kind.BUILD && event.buildId() != null;
        boolean deploy = event.kind() == Kind.DEPLOY && event.deploymentId() != null;
        if (!(build || deploy) || event.status() == null) {
            return null;
        }
        return switch (event.status().trim().toLowerCase(Locale.ROOT)) {
            case "success" -> SUCCESS;
            case "failed", "error" -> FAILED;
            default -> null;
        };
    }
}
