package io.larch.part;

import io.larch.model.LogEvent;
import io.larch.model.Tokenizer;

/**
 * The hashes an event contributes to a token filter: every token of its message, source and
 * stack ({@link TokenBloom#hash}), and the whole value of each of {@link TokenBloom#INDEXED_FIELDS}
 * ({@link TokenBloom#fieldHash}).
 */
public final class RowTokens {
    private static final long SOURCE_STATE = TokenBloom.fieldPrefixState(PartColumns.SOURCE);
    private static final long USER_STATE = TokenBloom.fieldPrefixState(PartColumns.USER_ID);
    private static final long CONVERSATION_STATE = TokenBloom.fieldPrefixState(PartColumns.CONVERSATION_ID);
    private static final long BUILD_STATE = TokenBloom.fieldPrefixState(PartColumns.BUILD_ID);
    private static final long DEPLOYMENT_STATE = TokenBloom.fieldPrefixState(PartColumns.DEPLOYMENT_ID);
    private static final long TRACE_STATE = TokenBloom.fieldPrefixState(PartColumns.TRACE_ID);
    private static final long FINGERPRINT_STATE = TokenBloom.fieldPrefixState(PartColumns.FINGERPRINT);
    private static final long STATUS_STATE = TokenBloom.fieldPrefixState(PartColumns.STATUS);

    private RowTokens() {
    }

    /** Adds every hash of {@code event} to {@code into}. */
    public static void addTo(LogEvent event, LongHashSet into) {
        addTokens(event.message(), into);
        addTokens(event.source(), into);
        addTokens(event.stack(), into);
        addFieldValues(event, into);
    }

    /** The most posted values an event has: one per {@link TokenBloom#POSTED_FIELDS}. */
    public static final int MAX_FIELD_VALUES = 6;

    /** Adds the {@link TokenBloom#fieldHash} of each indexed field {@code event} has a value for. */
    private static void addFieldValues(LogEvent event, LongHashSet into) {
        addField(SOURCE_STATE, event.source(), into);
        addField(USER_STATE, event.userId(), into);
        addField(CONVERSATION_STATE, event.conversationId(), into);
        addField(BUILD_STATE, event.buildId(), into);
        addField(DEPLOYMENT_STATE, event.deploymentId(), into);
        addField(TRACE_STATE, event.traceId(), into);
        addField(FINGERPRINT_STATE, event.fingerprint(), into);
        addField(STATUS_STATE, event.status(), into);
    }

    private static void addField(long prefixState, String value, LongHashSet into) {
        if (value != null) {
            into.add(TokenBloom.fieldHashFrom(prefixState, value));
        }
    }

    /**
     * Writes the {@link TokenBloom#fieldHash} of each posted field ({@link TokenBloom#POSTED_FIELDS}) {@code event} has a value for
     * into {@code into} (at least {@link #MAX_FIELD_VALUES} long) and returns how many. They are
     * distinct: each field's hashes start from its own name.
     */
    public static int fieldValueHashes(LogEvent event, long[] into) {
        int n = 0;
        n = field(USER_STATE, event.userId(), into, n);
        n = field(CONVERSATION_STATE, event.conversationId(), into, n);
        n = field(BUILD_STATE, event.buildId(), into, n);
        n = field(DEPLOYMENT_STATE, event.deploymentId(), into, n);
        n = field(TRACE_STATE, event.traceId(), into, n);
        return field(FINGERPRINT_STATE, event.fingerprint(), into, n);
    }

    private static int field(long prefixState, String value, long[] into, int n) {
        if (value == null) {
            return n;
        }
        into[n] = TokenBloom.fieldHashFrom(prefixState, value);
        return n + 1;
    }

    /**
     * Adds the hash of every token of {@code text}, hashing as it scans (one pass, no allocation)
     * for ASCII tokens; a token with a non-ASCII character goes through {@link TokenBloom#hashToken}.
     */
    private static void addTokens(String text, LongHashSet into) {
        if (text == null) {
            return;
        }
        int length = text.length();
        int start = -1;
        long h = TokenBloom.FNV_OFFSET;
        boolean ascii = true;
        for (int i = 0; i <= length; i++) {
            char c = i < length ? text.charAt(i) : ' ';
            if (Tokenizer.isTokenChar(c)) {
                if (start < 0) {
                    start = i;
                    h = TokenBloom.FNV_OFFSET;
                    ascii = true;
                }
                if (c >= 0x80) {
                    ascii = false;
                } else {
                    h ^= c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
                    h *= TokenBloom.FNV_PRIME;
                }
            } else if (start >= 0) {
                into.add(ascii ? TokenBloom.finish(h) : TokenBloom.hashToken(text, start, i));
                start = -1;
            }
        }
    }
}
