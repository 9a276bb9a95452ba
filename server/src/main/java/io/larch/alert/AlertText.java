package io.larch.alert;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The words every channel uses for an alert, so a webhook, a chat message and an email say the
 * same thing: its one-line title, the dashboard link to the events it counted, and how long a
 * sample message may be.
 */
final class AlertText {
    /** A sample message is cut here: enough to recognise it, short enough for any channel's limits. */
    static final int MAX_SAMPLE = 1000;

    private AlertText() {
    }

    /** The alert in one line, e.g. "checkout errors: 5 events in 1 min". */
    static String title(Alert alert) {
        String rule = alert.rule().name();
        return switch (alert.type()) {
            case FIRED -> switch (alert.rule().kind()) {
                case ABSENCE -> rule + ": only " + alert.count() + " events in " + describe(alert.rule().window());
                case NEW_FINGERPRINT -> rule + ": a new kind of error";
                case BUILD_FAILURES -> rule + ": " + alert.count() + " of the last " + alert.rule().minEvents() + " builds failed";
                case DEPLOY_FAILURE -> rule + ": deployment " + alert.group() + " failed";
                default -> rule + ": " + alert.count() + " events in " + describe(alert.rule().window());
            };
            case SUMMARY -> alert.rule().kind() == AlertRule.Kind.NEW_FINGERPRINT
                    ? rule + ": and " + alert.count() + " more new kinds of error in the last " + describe(alert.rule().suppress())
                    : rule + ": and " + alert.count() + " more in the last " + describe(alert.rule().suppress());
            case TEST -> "[TEST] " + rule + ": a test alert from Larch; nothing is wrong";
        };
    }

    /**
     * The dashboard search that shows what the rule counted: the fingerprint for spikes and new
     * fingerprints, the deployment or the failed builds, the rule's query otherwise.
     *
     * @param dashboardBase the dashboard's base URL (no trailing /)
     */
    /** How far before (at least) and after an alert its link's search reaches. */
    static final java.time.Duration LINK_MARGIN = java.time.Duration.ofMinutes(15);

    static String link(String dashboardBase, Alert alert) {
        String ruleQuery = alert.rule().query() == null ? "" : alert.rule().query();
        String query = switch (alert.rule().kind()) {
            case SPIKE -> "fingerprint:" + alert.group();
            case NEW_FINGERPRINT -> alert.sample() == null ? ruleQuery : "fingerprint:" + alert.sample().fingerprint();
            case DEPLOY_FAILURE -> "deployment:" + alert.group();
            case BUILD_FAILURES -> ("kind:build status:failed " + ruleQuery).strip();
            default -> ruleQuery;
        };
        // The time around the alert, so the link still shows its events when it is opened hours later.
        long margin = Math.max(alert.rule().window().toMillis(), LINK_MARGIN.toMillis());
        return dashboardBase + "/?project=" + alert.rule().projectId() + "&q="
                + URLEncoder.encode(query, StandardCharsets.UTF_8)
                + "&from=" + java.time.Instant.ofEpochMilli(alert.at() - margin)
                + "&to=" + java.time.Instant.ofEpochMilli(alert.at() + LINK_MARGIN.toMillis());
    }

    /** "1 min" for whole minutes, else "90 s". */
    static String describe(Duration duration) {
        return duration.toSeconds() % 60 == 0 ? duration.toMinutes() + " min" : duration.toSeconds() + " s";
    }

    /** {@code text} cut to {@link #MAX_SAMPLE} characters, marked with an ellipsis when it was. */
    static String abbreviate(String text) {
        return text.length() <= MAX_SAMPLE ? text : text.substring(0, MAX_SAMPLE) + "…";
    }
}
