package io.larch.model;

/**
 * A unique event id that sorts by time: 42 bits of epoch milliseconds, 10 bits of node id and
 * 12 bits of sequence, packed into a long and rendered as 13 Crockford base-32 characters, so the
 * string form sorts the same way as the number.
 */
public final class EventId {
    public static final int NODE_BITS = 10;
    public static final int SEQUENCE_BITS = 12;
    public static final int MAX_NODE = (1 << NODE_BITS) - 1;
    public static final int MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1;
    public static final int TEXT_LENGTH = 13;

    /** The 32 digits of the text form, in value order (SQL that formats ids uses it too). */
    public static final String DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final char[] ALPHABET = DIGITS.toCharArray();
    private static final byte[] DECODE = new byte[128];

    static {
        java.util.Arrays.fill(DECODE, (byte) -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            DECODE[ALPHABET[i]] = (byte) i;
            DECODE[Character.toLowerCase(ALPHABET[i])] = (byte) i;
        }
    }

    private EventId() {
    }

    public static long pack(long epochMillis, int node, int sequence) {
        return (epochMillis << (NODE_BITS + SEQUENCE_BITS)) | ((long) node << SEQUENCE_BITS) | sequence;
    }

    public static long millisOf(long id) {
        return id >>> (NODE_BITS + SEQUENCE_BITS);
    }

    public static int nodeOf(long id) {
        return (int) (id >>> SEQUENCE_BITS) & MAX_NODE;
    }

    /** 13 characters; 64 bits are split as 4 + 12 * 5, so the first character is 0-F. */
    public static String format(long id) {
        char[] out = new char[TEXT_LENGTH];
        for (int i = TEXT_LENGTH - 1; i >= 0; i--) {
            out[i] = ALPHABET[(int) (id & 31)];
            id >>>= 5;
        }
        return new String(out);
    }

    /** Parses {@link #format} output (case-insensitive). Throws IllegalArgumentException otherwise. */
    public static long parse(String text) {
        if (text == null || text.length() != TEXT_LENGTH) {
            throw new IllegalArgumentException("an event id has " + TEXT_LENGTH + " characters");
        }
        long id = 0;
        for (int i = 0; i < TEXT_LENGTH; i++) {
            char c = text.charAt(i);
            int value = c < 128 ? DECODE[c] : -1;
            if (value < 0 || (i == 0 && value > 15)) {
                throw new IllegalArgumentException("not an event id: " + text);
            }
            id = (id << 5) | value;
        }
        return id;
    }
}
