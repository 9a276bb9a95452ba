package io.larch.alert;

/**
 * One alert channel: a Discord, Slack or generic webhook, or email. {@link #send} retries by
 * itself and never throws for a failed delivery; the dispatcher runs each channel on its own
 * thread, so one that is slow or failing delays no other.
 */
public interface Notifier {
    /** How a delivery ended: delivered, or the last status (0: no answer) and why. */
    record Result(boolean delivered, int attempts, int lastStatus, String error) {
    }

    /** The channel's type as metrics and history name it: discord, slack, webhook, email. */
    String type();

    /** Sends {@code alert}, retrying as the channel allows; returns how it ended. */
    Result send(Alert alert) throws InterruptedException;
}
