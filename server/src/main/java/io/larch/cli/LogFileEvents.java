package io.larch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The events in a log file, for {@code larch ingest}: a line holding a JSON object is one event
 * as it is; any other line is a message whose level is read from the common ways of writing one
 * ({@link #levelOf}), with a leading ISO-8601 timestamp as its time. The lines of a Java stack
 * trace ({@code \tat ...}, {@code Caused by: ...}, {@code ... 12 more}, and the exception line
 * before the first frame) and of a Python traceback ({@code Traceback (most recent call last):},
 * its indented lines, chained tracebacks, and the final {@code SomeError: ...} line) are joined
 * into the stack of the event of the line before them; an event with a stack and no level found
 * is an error.
 *
 * <p>Not thread-safe: one reader, one caller.
 */
final class LogFileEvents {
    static final int MAX_MESSAGE_CHARS = 32 * 1024 / 3;
    static final int MAX_STACK_CHARS = 64 * 1024 / 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Pattern JAVA_FRAME = Pattern.compile("^\\s+at \\S");
    private static final Pattern JAVA_CONTINUATION = Pattern.compile(
            "^(\\s+at \\S|\\s*\\.\\.\\. \\d+ (more|common frames omitted)|\\s*Caused by: |\\s+Suppressed: )");
    private static final Pattern JAVA_EXCEPTION_LINE = Pattern.compile(
            "^(Exception in thread \"[^\"]*\" )?([a-zA-Z_$][\\w$]*\\.)+[\\w$]*(Exception|Error|Throwable)(: .*)?$");
    private static final String PYTHON_TRACEBACK = "Traceback (most recent call last):";
    private static final Pattern PYTHON_CHAINING = Pattern.compile(
            "^(During handling of the above exception, another exception occurred:|"
                    + "The above exception was the direct cause of the following exception:)$");

    private static final Pattern KEY_VALUE_LEVEL = Pattern.compile(
            "(?i)(?:^|[\\s,{\"'])(?:level|lvl|severity|loglevel)\"?\\s*[=:]\\s*\"?([a-z]+)");
    private static final Pattern BRACKETED_LEVEL = Pattern.compile(
            "(?i)[\\[<(](trace|debug|verbose|info|notice|warn|warning|error|err|severe|fatal|critical|crit|panic|emerg|alert)[\\]>)]");
    private static final Pattern ANDROID_LEVEL = Pattern.compile(
            "^(?:\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+\\s+\\d+\\s+\\d+\\s+([VDIWEFA])\\s|([VDIWEFA])/[^(:]+\\(\\s*\\d+\\):)");
    private static final Pattern SYSLOG_PRIORITY = Pattern.compile("^<(\\d{1,3})>");
    private static final Pattern UPPERCASE_LEVEL = Pattern.compile(
            "\\b(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|SEVERE|FATAL|CRITICAL|PANIC)\\b");
    private static final Pattern PREFIXED_LEVEL = Pattern.compile("(?i)\\b(error|warning|warn|fatal|panic):");
    private static final Pattern LEADING_TIMESTAMP = Pattern.compile(
            "^\\[?(\\d{4}-\\d\\d-\\d\\d)[T ](\\d\\d:\\d\\d:\\d\\d(?:[.,]\\d{1,9})?)(Z|[+-]\\d\\d:?\\d\\d)?");

    /** One event and the lines of the file it came from (1-based, inclusive). */
    record Event(ObjectNode json, long firstLine, long lastLine) {
    }

    private final BufferedReader reader;
    private final String source;
    private final String kind;
    /** Lines read from the reader (to look ahead) but not taken yet, in order. */
    private final ArrayDeque<String> ahead = new ArrayDeque<>();
    /** Lines taken so far: the number of the last line taken. */
    private long lineNumber;

    // The plain event being assembled.
    private String message;
    private String level;
    private Long ts;
    private StringBuilder stack;
    private long firstLine;
    private boolean inPythonTraceback;

    /** @param source the {@code source} of events that have none, or null; @param kind likewise for {@code kind} */
    LogFileEvents(BufferedReader reader, String source, String kind) {
        this.reader = reader;
        this.source = source;
        this.kind = kind;
    }

    /** Lines read so far. */
    long linesRead() {
        return lineNumber;
    }

    /** The next event, or null at the end of the input. */
    Event next() throws IOException {
        while (true) {
            String line = take();
            if (line == null) {
                return stack == null && message == null ? null : finish(lineNumber);
            }
            if (message == null && stack == null) {
                Event json = startEvent(line);
                if (json != null) {
                    return json;
                }
                continue;
            }
            if (continues(line)) {
                appendToStack(line);
                continue;
            }
            if (inPythonTraceback) {
                // The line that ends a traceback: the exception itself, unless another is chained to it.
                appendToStack(line);
                if (message == null) {
                    message = line.trim();
                }
                if (PYTHON_CHAINING.matcher(peek(0)).matches()
                        || (peek(0).isBlank() && PYTHON_CHAINING.matcher(peek(1)).matches())) {
                    continue;
                }
                return finish(lineNumber);
            }
            pushBack(line);
            return finish(lineNumber);
        }
    }

    /** Starts an event with {@code line}: returns it if it is complete (a JSON line), else null. */
    private Event startEvent(String line) {
        if (line.isBlank()) {
            return null;
        }
        firstLine = lineNumber;
        String trimmed = line.trim();
        if (trimmed.startsWith("{")) {
            try {
                JsonNode parsed = JSON.readTree(trimmed);
                if (parsed instanceof ObjectNode object) {
                    if (source != null && !object.has("source")) {
                        object.put("source", source);
                    }
                    if (kind != null && !object.has("kind")) {
                        object.put("kind", kind);
                    }
                    return new Event(object, lineNumber, lineNumber);
                }
            } catch (IOException notJson) {
                // a plain line that starts with a brace
            }
        }
        if (trimmed.equals(PYTHON_TRACEBACK)) {
            appendToStack(line);
            inPythonTraceback = true;
            return null;
        }
        message = line;
        level = levelOf(line);
        ts = leadingTimestamp(line);
        return null;
    }

    /** Whether {@code line} belongs to the stack of the event being assembled. */
    private boolean continues(String line) throws IOException {
        if (inPythonTraceback) {
            if (!line.isEmpty() && Character.isWhitespace(line.charAt(0))) {
                return true;
            }
            if (PYTHON_CHAINING.matcher(line).matches() || line.equals(PYTHON_TRACEBACK)) {
                return true;
            }
            // A blank line inside a chained traceback ("...\n\nDuring handling of ...").
            return line.isBlank() && (PYTHON_CHAINING.matcher(peek(0)).matches() || peek(0).equals(PYTHON_TRACEBACK));
        }
        if (line.trim().equals(PYTHON_TRACEBACK)) {
            inPythonTraceback = true;
            return true;
        }
        if (JAVA_CONTINUATION.matcher(line).find()) {
            return true;
        }
        return JAVA_EXCEPTION_LINE.matcher(line.trim()).matches() && JAVA_FRAME.matcher(peek(0)).find();
    }

    private void appendToStack(String line) {
        if (stack == null) {
            stack = new StringBuilder();
        } else {
            stack.append('\n');
        }
        if (stack.length() < MAX_STACK_CHARS) {
            stack.append(line, 0, Math.min(line.length(), MAX_STACK_CHARS - stack.length()));
        }
    }

    private Event finish(long lastLine) {
        ObjectNode json = JSON.createObjectNode();
        String text = message == null ? "(traceback)" : message;
        json.put("message", text.length() > MAX_MESSAGE_CHARS ? text.substring(0, MAX_MESSAGE_CHARS) : text);
        String eventLevel = level != null ? level : stack != null ? "error" : null;
        if (eventLevel != null) {
            json.put("level", eventLevel);
        }
        if (ts != null) {
            json.put("ts", ts);
        }
        if (stack != null) {
            json.put("stack", stack.toString());
        }
        if (source != null) {
            json.put("source", source);
        }
        if (kind != null) {
            json.put("kind", kind);
        }
        Event event = new Event(json, firstLine, Math.max(firstLine, lastLine));
        message = null;
        level = null;
        ts = null;
        stack = null;
        inPythonTraceback = false;
        return event;
    }

    private String take() throws IOException {
        String line = ahead.isEmpty() ? reader.readLine() : ahead.pollFirst();
        if (line != null) {
            lineNumber++;
        }
        return line;
    }

    /** Gives back the line just taken: the next {@link #take} returns it again. */
    private void pushBack(String line) {
        ahead.addFirst(line);
        lineNumber--;
    }

    /** The line {@code index} places after the last one taken, without taking it ("" past the end). */
    private String peek(int index) throws IOException {
        while (ahead.size() <= index) {
            String line = reader.readLine();
            if (line == null) {
                return "";
            }
            ahead.addLast(line);
        }
        Iterator<String> lines = ahead.iterator();
        for (int i = 0; i < index; i++) {
            lines.next();
        }
        return lines.next();
    }

    /**
     * The level a plain log line states, as Larch names it, or null: {@code level=error} and
     * {@code "level":"warn"}, {@code [ERROR]}/{@code <warn>}, Android's {@code E/Tag( 123):} and
     * logcat's threadtime format, a syslog {@code <PRI>}, an uppercase word ({@code WARN},
     * {@code ERROR}), or {@code error:}/{@code warning:} as a prefix.
     */
    static String levelOf(String line) {
        Matcher keyValue = KEY_VALUE_LEVEL.matcher(line);
        while (keyValue.find()) {
            String level = normalize(keyValue.group(1));
            if (level != null) {
                return level;
            }
        }
        Matcher bracketed = BRACKETED_LEVEL.matcher(line);
        if (bracketed.find()) {
            return normalize(bracketed.group(1));
        }
        Matcher android = ANDROID_LEVEL.matcher(line);
        if (android.find()) {
            return normalize(android.group(1) != null ? android.group(1) : android.group(2));
        }
        Matcher syslog = SYSLOG_PRIORITY.matcher(line);
        if (syslog.find()) {
            int severity = Integer.parseInt(syslog.group(1)) % 8;
            return severity <= 2 ? "fatal" : severity == 3 ? "error" : severity == 4 ? "warn" : severity == 7 ? "debug" : "info";
        }
        Matcher uppercase = UPPERCASE_LEVEL.matcher(line);
        if (uppercase.find()) {
            return normalize(uppercase.group(1));
        }
        Matcher prefixed = PREFIXED_LEVEL.matcher(line);
        if (prefixed.find()) {
            return normalize(prefixed.group(1));
        }
        return null;
    }

    /** Larch's level for a spelling of one (a single letter is Android's), or null if it names none. */
    static String normalize(String spelled) {
        return switch (spelled.toLowerCase(Locale.ROOT)) {
            case "trace", "v", "verbose" -> "trace";
            case "debug", "d" -> "debug";
            case "info", "i", "notice", "information" -> "info";
            case "warn", "w", "warning" -> "warn";
            case "error", "e", "err", "severe" -> "error";
            case "fatal", "f", "a", "critical", "crit", "panic", "emerg", "emergency", "alert" -> "fatal";
            default -> null;
        };
    }

    /** Epoch milliseconds of an ISO-8601 timestamp at the start of the line (no offset: UTC), or null. */
    static Long leadingTimestamp(String line) {
        Matcher matcher = LEADING_TIMESTAMP.matcher(line);
        if (!matcher.find()) {
            return null;
        }
        String text = matcher.group(1) + "T" + matcher.group(2).replace(',', '.');
        try {
            String offset = matcher.group(3);
            if (offset == null) {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC).toEpochMilli();
            }
            if (!offset.equals("Z") && offset.length() == 5) {
                offset = offset.substring(0, 3) + ":" + offset.substring(3);
            }
            return OffsetDateTime.parse(text + offset).toInstant().toEpochMilli();
        } catch (DateTimeParseException notADate) {
            return null;
        }
    }
}
