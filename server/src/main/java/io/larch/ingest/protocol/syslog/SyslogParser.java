package io.larch.ingest.protocol.syslog;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.Month;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Parses one syslog message (one frame, already cut out of its transport): RFC 5424
 * ({@code <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG}) or RFC 3164
 * ({@code <PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG}, and the common variant without a
 * hostname that util-linux {@code logger} writes). Pure: the current time is given, for RFC 3164
 * timestamps that have no year and no zone. Never throws: text that is not syslog comes back as
 * {@link SyslogMessage.Format#UNPARSED} with the whole text as the message, and a structured data
 * part that is cut short is kept as part of the message.
 */
public final class SyslogParser {
    /** RFC 3164 leaves the year out: a timestamp that would be further ahead than this is last year's. */
    static final Duration MAX_FUTURE = Duration.ofDays(1);
    private static final char BOM = '\uFEFF';
    private static final Pattern TAG = Pattern.compile("[^\\s:\\[\\]]+(\\[[^\\s\\]]*\\])?:");

    private SyslogParser() {
    }

    /** {@code text} as a syslog message, with RFC 3164 timestamps read as UTC relative to {@code now}. */
    public static SyslogMessage parse(String text, Instant now) {
        String line = stripTrailingNewline(text);
        int close = priEnd(line);
        if (close < 0) {
            return unparsed(line);
        }
        int pri = Integer.parseInt(line, 1, close, 10);
        int facility = pri / 8;
        int severity = pri % 8;
        String rest = line.substring(close + 1);
        if (rest.startsWith("1 ")) {
            SyslogMessage parsed = rfc5424(facility, severity, rest.substring(2));
            if (parsed != null) {
                return parsed;
            }
        }
        return rfc3164(facility, severity, rest, now);
    }

    /** The index of the '>' closing a valid PRI ({@code <0>} to {@code <191>}, 1-3 digits), or -1. */
    private static int priEnd(String line) {
        if (line.length() < 3 || line.charAt(0) != '<') {
            return -1;
        }
        int close = line.indexOf('>');
        if (close < 2 || close > 4) {
            return -1;
        }
        for (int i = 1; i < close; i++) {
            if (!Character.isDigit(line.charAt(i))) {
                return -1;
            }
        }
        int pri = Integer.parseInt(line, 1, close, 10);
        return pri <= 191 ? close : -1;
    }

    /** Everything after {@code <PRI>1 }; null when the header is not RFC 5424 after all. */
    private static SyslogMessage rfc5424(int facility, int severity, String rest) {
        Cursor cursor = new Cursor(rest);
        String timestampText = cursor.token();
        String hostname = cursor.token();
        String appName = cursor.token();
        String procId = cursor.token();
        String msgId = cursor.token();
        if (msgId == null) {
            return null;
        }
        Instant timestamp = null;
        if (!timestampText.equals("-")) {
            try {
                timestamp = OffsetDateTime.parse(timestampText).toInstant();
            } catch (DateTimeException e) {
                return null;
            }
        }
        List<SyslogMessage.Element> elements = new ArrayList<>();
        if (cursor.peek() == '-') {
            cursor.position++;
        } else {
            int start = cursor.position;
            while (cursor.peek() == '[') {
                SyslogMessage.Element element = element(cursor);
                if (element == null) {
                    // A cut-short SD: keep the text rather than guess where it ends.
                    elements.clear();
                    cursor.position = start;
                    break;
                }
                elements.add(element);
            }
        }
        if (cursor.peek() == ' ') {
            cursor.position++;
        }
        String message = stripBom(rest.substring(Math.min(cursor.position, rest.length())));
        return new SyslogMessage(SyslogMessage.Format.RFC5424, facility, severity, timestamp, nil(hostname), nil(appName),
                nil(procId), nil(msgId), List.copyOf(elements), message);
    }

    /** {@code [id name="value" ...]} at the cursor, values unescaped ({@code \" \\ \]}); null when malformed. */
    private static SyslogMessage.Element element(Cursor cursor) {
        String text = cursor.text;
        int i = cursor.position + 1;
        int idStart = i;
        while (i < text.length() && text.charAt(i) != ' ' && text.charAt(i) != ']' && text.charAt(i) != '=') {
            i++;
        }
        if (i == idStart || i >= text.length()) {
            return null;
        }
        String id = text.substring(idStart, i);
        List<SyslogMessage.Param> params = new ArrayList<>();
        while (i < text.length() && text.charAt(i) == ' ') {
            i++;
            int nameStart = i;
            while (i < text.length() && text.charAt(i) != '=' && text.charAt(i) != ' ' && text.charAt(i) != ']') {
                i++;
            }
            if (i + 1 >= text.length() || text.charAt(i) != '=' || text.charAt(i + 1) != '"' || i == nameStart) {
                return null;
            }
            String name = text.substring(nameStart, i);
            i += 2;
            StringBuilder value = new StringBuilder();
            while (i < text.length() && text.charAt(i) != '"') {
                char c = text.charAt(i);
                if (c == '\\' && i + 1 < text.length() && "\"\\]".indexOf(text.charAt(i + 1)) >= 0) {
                    value.append(text.charAt(i + 1));
                    i += 2;
                } else {
                    // RFC 5424 6.3.3: a backslash before any other character is kept as is.
                    value.append(c);
                    i++;
                }
            }
            if (i >= text.length()) {
                return null;
            }
            i++;
            params.add(new SyslogMessage.Param(name, value.toString()));
        }
        if (i >= text.length() || text.charAt(i) != ']') {
            return null;
        }
        cursor.position = i + 1;
        return new SyslogMessage.Element(id, List.copyOf(params));
    }

    /** Everything after {@code <PRI>}: {@code Mmm dd hh:mm:ss HOSTNAME TAG: MSG}, each part optional but in order. */
    private static SyslogMessage rfc3164(int facility, int severity, String rest, Instant now) {
        Instant timestamp = bsdTimestamp(rest, now);
        String afterTime = rest;
        String hostname = null;
        if (timestamp != null) {
            afterTime = rest.length() > 15 && rest.charAt(15) == ' ' ? rest.substring(16) : rest.substring(15);
            int space = afterTime.indexOf(' ');
            // The hostname is the word before the tag; a first word ending in ':' (or '[pid]:') is the tag itself.
            if (space > 0 && !isTag(afterTime.substring(0, space))) {
                hostname = afterTime.substring(0, space);
                afterTime = afterTime.substring(space + 1);
            }
        }
        String tag = null;
        String procId = null;
        String message = afterTime;
        int space = afterTime.indexOf(' ');
        String firstWord = space < 0 ? afterTime : afterTime.substring(0, space);
        if (isTag(firstWord)) {
            String name = firstWord.substring(0, firstWord.length() - 1);
            int bracket = name.indexOf('[');
            if (bracket > 0 && name.endsWith("]")) {
                procId = name.substring(bracket + 1, name.length() - 1);
                name = name.substring(0, bracket);
            }
            tag = name;
            message = space < 0 ? "" : afterTime.substring(space + 1);
        }
        return new SyslogMessage(SyslogMessage.Format.RFC3164, facility, severity, timestamp, hostname, tag, procId,
                null, List.of(), stripBom(message));
    }

    /** A TAG as it ends: {@code name:} or {@code name[pid]:} (RFC 3164 says at most 32 characters; 64 allowed). */
    private static boolean isTag(String word) {
        return word.length() <= 65 && TAG.matcher(word).matches();
    }

    /**
     * {@code Mmm dd hh:mm:ss} (day padded with a space or a zero) at the start of {@code text},
     * in UTC, in the year that puts it at most {@link #MAX_FUTURE} after {@code now}; null when absent.
     */
    static Instant bsdTimestamp(String text, Instant now) {
        if (text.length() < 15 || text.charAt(3) != ' ' || text.charAt(6) != ' ' || text.charAt(9) != ':'
                || text.charAt(12) != ':') {
            return null;
        }
        Month month = month(text.substring(0, 3));
        if (month == null) {
            return null;
        }
        try {
            int day = Integer.parseInt(text.substring(4, 6).trim());
            int hour = Integer.parseInt(text, 7, 9, 10);
            int minute = Integer.parseInt(text, 10, 12, 10);
            int second = Integer.parseInt(text, 13, 15, 10);
            int year = now.atOffset(ZoneOffset.UTC).getYear();
            Instant candidate = LocalDateTime.of(year, month, day, hour, minute, second).toInstant(ZoneOffset.UTC);
            if (candidate.isAfter(now.plus(MAX_FUTURE))) {
                candidate = LocalDateTime.of(year - 1, month, day, hour, minute, second).toInstant(ZoneOffset.UTC);
            }
            return candidate;
        } catch (NumberFormatException | DateTimeException e) {
            return null;
        }
    }

    private static Month month(String abbreviation) {
        for (Month month : Month.values()) {
            String name = month.name();
            String expected = name.charAt(0) + name.substring(1, 3).toLowerCase(Locale.ROOT);
            if (expected.equals(abbreviation)) {
                return month;
            }
        }
        return null;
    }

    private static SyslogMessage unparsed(String line) {
        return new SyslogMessage(SyslogMessage.Format.UNPARSED, -1, -1, null, null, null, null, null, List.of(),
                stripBom(line));
    }

    private static String nil(String field) {
        return field == null || field.equals("-") ? null : field;
    }

    private static String stripBom(String message) {
        return !message.isEmpty() && message.charAt(0) == BOM ? message.substring(1) : message;
    }

    /** A frame's trailing LF (or CR LF) is framing, not message. */
    private static String stripTrailingNewline(String text) {
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r' || text.charAt(end - 1) == 0)) {
            end--;
        }
        return text.substring(0, end);
    }

    /** A position in the text of an RFC 5424 header, reading space-separated fields. */
    private static final class Cursor {
        final String text;
        int position;

        Cursor(String text) {
            this.text = text;
        }

        /** The next field, the cursor after the space that ends it; null at the end of the text. */
        String token() {
            if (position >= text.length()) {
                return null;
            }
            int space = text.indexOf(' ', position);
            if (space < 0) {
                return null;
            }
            String token = text.substring(position, space);
            position = space + 1;
            return token.isEmpty() ? null : token;
        }

        char peek() {
            return position < text.length() ? text.charAt(position) : 0;
        }
    }
}
