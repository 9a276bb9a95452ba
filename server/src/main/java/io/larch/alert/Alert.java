package io.larch.alert;

import io.larch.model.LogEvent;

/**
 * What an evaluator tells the channels.
 *
 * @param group  what the rule counted by: a fingerprint (spike, new fingerprint) or the rule's name
 * @param count  events that made it fire (fired), or that it suppressed since (summary)
 * @param sample the latest event that counted; null for absence
 */
public record Alert(AlertRule rule, Type type, String group, long count, LogEvent sample, long at) {
    /**
     * The first message of an occurrence, the one summary of what its quiet time suppressed, or a
     * test (POST /admin/alerts/{id}/test) that says it is one.
     */
    public enum Type {
        FIRED, SUMMARY, TEST;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
