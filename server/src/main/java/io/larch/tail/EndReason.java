package io.larch.tail;

import java.util.Locale;

/** Why the server ended a stream; counted per reason, and told to the client with a message. */
public enum EndReason {
    /** Its queue overflowed in {@link Subscription#MAX_STRIKES} batches in a row. */
    TOO_SLOW,
    /** The same end user opened more work-log streams than allowed; the oldest goes. */
    REPLACED,
    /** Nothing was delivered for the idle limit. */
    IDLE,
    /** The key was revoked or the viewer token expired. */
    CREDENTIAL,
    /** The client closed the connection (seen in the kernel's socket table before a write failed). */
    CLIENT_GONE,
    /** Reading the store to catch up failed (a query timed out, parts were unreadable): resume later. */
    FAILED,
    /** The server is shutting down. */
    SERVER_STOPPING;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
