package io.larch.search;

import io.larch.model.InvalidInputException;
import io.larch.query.Query;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Where a newest-first page ended: the (ts, id) of its last event. The next page holds events
 * strictly older in that order, so pages neither repeat nor skip events that existed when the
 * first page was read. Rendered as an opaque URL-safe string.
 */
public record Cursor(long ts, long id) {
    private static final String VERSION = "v1";

    public String encode() {
        String plain = VERSION + ":" + ts + ":" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /** Parses {@link #encode} output; throws InvalidInputException with a user-facing reason otherwise. */
    public static Cursor decode(String text) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(text.trim()), StandardCharsets.UTF_8);
            String[] parts = plain.split(":");
            if (parts.length != 3 || !parts[0].equals(VERSION)) {
                throw new InvalidInputException("bad cursor");
            }
            return new Cursor(Long.parseLong(parts[1]), Long.parseLong(parts[2]));
        } catch (IllegalArgumentException | InvalidInputException e) {
            throw new InvalidInputException(
                    "cursor: not a cursor from this server; pass the 'next' value of the previous page unchanged");
        }
    }

    public Query asQuery() {
        return new Query.OlderThan(ts, id);
    }
}
