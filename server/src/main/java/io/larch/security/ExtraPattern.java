package io.larch.security;

import io.larch.model.InvalidInputException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One of a project's own redaction patterns (Java regular expression syntax): validated when
 * made, bounded when run. Each match is replaced whole by {@code [REDACTED:custom]}; to keep a
 * key readable, match the value alone with a look-behind ({@code (?<=order_secret=)\w+}).
 *
 * <p>Validation rejects, with a message naming the pattern and what to do: a pattern that does
 * not compile, one longer than {@link #MAX_LENGTH}, one that nests a variable repetition inside a
 * repeated group ({@code (a+)+}, the usual cause of catastrophic backtracking), one that matches
 * the empty string, and one that overruns its read budget on short adversarial probes
 * ({@code aaaa...!}), which catches overlapping alternatives such as {@code (a|aa)+$}.
 *
 * <p>Run time is bounded for every input, validated or not: the match reads the text through a
 * {@link BudgetedCharSequence} allowing {@link #MIN_READS} plus {@link #READS_PER_CHAR} reads per
 * character. A match that runs out of budget fails <em>closed</em>: the whole text becomes
 * {@code [REDACTED:custom]} and the timeout is counted. The project wrote the pattern because such
 * text must not be stored, and a pattern that could not finish cannot vouch that the text is
 * clean; a stored secret cannot be taken back (WAL, parts, archives), one lost message can.
 *
 * <p>Immutable and thread-safe.
 */
final class ExtraPattern {
    /** Longer patterns are unreadable and slow; several shorter ones do the same. */
    static final int MAX_LENGTH = 512;
    /**
     * Character reads per input character. A linear pattern reads a handful per position; 200
     * leaves room for ordinary local backtracking and stops anything that grows faster than the
     * input long before it delays ingest (a 32 KB message: at most 6.5 M reads, a few ms).
     */
    static final long READS_PER_CHAR = 200;
    /** Reads any text is allowed, so short texts are not cut off by a budget of a few hundred. */
    static final long MIN_READS = 10_000;

    /** Units repeated to make the probes; a backtracking pattern is slow on a long run of what it repeats. */
    private static final String[] PROBE_UNITS = {"a", "z", "A", "Z", "0", "9", " ", "-", "_", ".", "/", ":", "=",
            "\"", "ab", "a1", "aA", "a "};
    private static final int PROBE_REPEATS = 64;
    /** Probe endings that no repetition matches, forcing the engine to try every way before failing. */
    private static final String[] PROBE_ENDINGS = {"!", "\u0000"};
    private static final List<String> PROBES = probes();

    private final String source;
    private final Pattern pattern;

    private ExtraPattern(String source, Pattern pattern) {
        this.source = source;
        this.pattern = pattern;
    }

    /** A validated pattern; {@link InvalidInputException} naming the pattern and the fix when it is unfit. */
    static ExtraPattern compile(String regex) {
        if (regex == null || regex.isBlank()) {
            throw new InvalidInputException("extra redaction pattern must not be empty; give a regular expression that matches the secret");
        }
        if (regex.length() > MAX_LENGTH) {
            throw invalid(regex, "is " + regex.length() + " characters long, at most " + MAX_LENGTH
                    + " are allowed; split it into several patterns");
        }
        Pattern pattern;
        try {
            pattern = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw invalid(regex, "does not compile: " + e.getDescription() + " near index " + e.getIndex()
                    + "; fix it (Java regular expression syntax)");
        }
        String nested = nestedRepetition(regex);
        if (nested != null) {
            throw invalid(regex, "repeats a group that itself repeats ('" + nested + "'), which can take exponential time"
                    + "; rewrite it without the nesting, or make the inner repetition possessive ('a++') or the group atomic ('(?>...)')");
        }
        ExtraPattern extra = new ExtraPattern(regex, pattern);
        extra.probe();
        return extra;
    }

    /** Unchecked: the run-time bound alone. For tests of that bound, which validation would otherwise hide. */
    static ExtraPattern unvalidated(String regex) {
        return new ExtraPattern(regex, Pattern.compile(regex));
    }

    /**
     * {@code text} itself when nothing matches, else a copy with each non-empty match replaced;
     * when the budget runs out, the whole text replaced (see the class comment). Each replacement
     * is counted in {@code redactions}, each overrun also in {@code timeouts}.
     */
    String redact(String text, LongAdder redactions, LongAdder timeouts) {
        Matcher matcher = pattern.matcher(new BudgetedCharSequence(text, budget(text.length())));
        StringBuilder redacted = null;
        int copiedUpTo = 0;
        try {
            while (matcher.find()) {
                if (matcher.end() == matcher.start()) {
                    continue; // an empty match hides nothing; validation rejects patterns that do this on plain input
                }
                if (redacted == null) {
                    redacted = new StringBuilder(text.length() + 16);
                }
                redacted.append(text, copiedUpTo, matcher.start()).append(RedactionKind.CUSTOM.replacement());
                redactions.increment();
                copiedUpTo = matcher.end();
            }
        } catch (BudgetedCharSequence.BudgetExceeded | StackOverflowError e) {
            // Deep recursion in java.util.regex (long alternations under a repetition) is the same failure: no answer in bounded work.
            redactions.increment();
            timeouts.increment();
            return RedactionKind.CUSTOM.replacement();
        }
        return redacted == null ? text : redacted.append(text, copiedUpTo, text.length()).toString();
    }

    static long budget(int length) {
        return MIN_READS + READS_PER_CHAR * length;
    }

    /** Runs the probes with the run-time budget: an empty match or an overrun rejects the pattern. */
    private void probe() {
        for (String probe : PROBES) {
            Matcher matcher = pattern.matcher(new BudgetedCharSequence(probe, budget(probe.length())));
            try {
                while (matcher.find()) {
                    if (matcher.end() == matcher.start()) {
                        throw invalid(source, "matches the empty string (in '" + printable(probe) + "')"
                                + "; make it require at least one character, e.g. '+' instead of '*'");
                    }
                }
            } catch (BudgetedCharSequence.BudgetExceeded | StackOverflowError e) {
                throw invalid(source, "backtracks catastrophically: more than " + budget(probe.length())
                        + " character reads on the " + probe.length() + "-character probe '" + printable(probe)
                        + "'; rewrite it without overlapping alternatives or nested repetition");
            }
        }
    }

    /**
     * The first group that is repeated (at most more than once) while containing a variable,
     * backtracking repetition, as written ({@code (a+)+}, {@code (\w+\s?)*}, {@code (.*a){20}}); null
     * when there is none. Possessive repetitions ({@code a++}) and atomic groups ({@code (?>...)})
     * do not backtrack into themselves, so they are allowed.
     */
    static String nestedRepetition(String regex) {
        // Per open group: its start index, whether it contains a backtracking repetition, whether it is atomic.
        Deque<int[]> groups = new ArrayDeque<>();
        groups.push(new int[] {0, 0, 0});
        int i = 0;
        while (i < regex.length()) {
            char c = regex.charAt(i);
            if (c == '(') {
                groups.push(new int[] {i, 0, regex.startsWith("(?>", i) ? 1 : 0});
                i = afterGroupOpening(regex, i);
                continue;
            }
            int[] closed = null;
            if (c == ')' && groups.size() > 1) {
                closed = groups.pop();
                i++;
            } else if (c == '\\') {
                i = afterEscape(regex, i);
            } else if (c == '[') {
                i = afterCharacterClass(regex, i);
            } else {
                i++;
            }
            int quantifierEnd = afterQuantifier(regex, i);
            Repetition repetition = repetition(regex, i, quantifierEnd);
            int[] enclosing = groups.peek();
            if (closed != null) {
                boolean innerBacktracks = closed[1] == 1 && closed[2] == 0;
                if (innerBacktracks && repetition.repeats() && !repetition.possessive()) {
                    return regex.substring(closed[0], quantifierEnd);
                }
                if (innerBacktracks) {
                    enclosing[1] = 1;
                }
            }
            if (repetition.variable() && !repetition.possessive()) {
                enclosing[1] = 1;
            }
            i = quantifierEnd;
        }
        return null;
    }

    /** A quantifier as read: may it match more than once, a variable number of times, and is it possessive. */
    private record Repetition(boolean repeats, boolean variable, boolean possessive) {
    }

    private static Repetition repetition(String regex, int start, int end) {
        if (start == end) {
            return new Repetition(false, false, false);
        }
        boolean possessive = regex.charAt(end - 1) == '+' && end - start > 1;
        char kind = regex.charAt(start);
        if (kind == '*' || kind == '+') {
            return new Repetition(true, true, possessive);
        }
        if (kind == '?') {
            return new Repetition(false, true, possessive);
        }
        String[] bounds = regex.substring(start + 1, regex.indexOf('}', start)).split(",", -1);
        int min = Integer.parseInt(bounds[0].trim());
        int max = bounds.length == 1 ? min : bounds[1].isBlank() ? Integer.MAX_VALUE : Integer.parseInt(bounds[1].trim());
        return new Repetition(max > 1, max > min, possessive);
    }

    /** After {@code *}, {@code +}, {@code ?} or {@code {n,m}} at {@code i} and its lazy or possessive mark; {@code i} when none. */
    private static int afterQuantifier(String regex, int i) {
        if (i >= regex.length()) {
            return i;
        }
        char c = regex.charAt(i);
        int end;
        if (c == '*' || c == '+' || c == '?') {
            end = i + 1;
        } else if (c == '{' && regex.indexOf('}', i) > i + 1 && regex.substring(i + 1, regex.indexOf('}', i)).matches("\\s*\\d+\\s*(,\\s*\\d*\\s*)?")) {
            end = regex.indexOf('}', i) + 1;
        } else {
            return i;
        }
        return end < regex.length() && (regex.charAt(end) == '+' || regex.charAt(end) == '?') ? end + 1 : end;
    }

    /** Past {@code (} and a group construct such as {@code ?:}, {@code ?>}, {@code ?<name>}, {@code ?<=}, {@code ?i:}. */
    private static int afterGroupOpening(String regex, int i) {
        int k = i + 1;
        if (k < regex.length() && regex.charAt(k) == '?') {
            k++;
            while (k < regex.length() && (Character.isLetterOrDigit(regex.charAt(k)) || "<>=!:-".indexOf(regex.charAt(k)) >= 0)) {
                char c = regex.charAt(k++);
                if (c == ':' || c == '>' || c == '=' || c == '!') {
                    break;
                }
            }
        }
        return k;
    }

    /** Past {@code \x}, {@code \p{...}}, {@code \x{...}}, {@code \k<name>} and {@code \Q...\E}. */
    private static int afterEscape(String regex, int i) {
        if (i + 1 >= regex.length()) {
            return regex.length();
        }
        char escaped = regex.charAt(i + 1);
        if (escaped == 'Q') {
            int end = regex.indexOf("\\E", i + 2);
            return end < 0 ? regex.length() : end + 2;
        }
        if (i + 2 < regex.length() && regex.charAt(i + 2) == '{' && "pPxN".indexOf(escaped) >= 0) {
            return regex.indexOf('}', i + 2) + 1;
        }
        if (escaped == 'k' && i + 2 < regex.length() && regex.charAt(i + 2) == '<') {
            return regex.indexOf('>', i + 2) + 1;
        }
        return i + 2;
    }

    /** Past a character class, nested classes ({@code [a-z&&[^q]]}) and escapes included. */
    private static int afterCharacterClass(String regex, int i) {
        int k = i + 1;
        if (k < regex.length() && regex.charAt(k) == '^') {
            k++;
        }
        if (k < regex.length() && regex.charAt(k) == ']') {
            k++; // a ']' first in the class is a literal
        }
        int depth = 1;
        while (k < regex.length() && depth > 0) {
            char c = regex.charAt(k);
            if (c == '\\') {
                k++;
            } else if (c == '[') {
                depth++;
            } else if (c == ']') {
                depth--;
            }
            k++;
        }
        return k;
    }

    private static List<String> probes() {
        List<String> probes = new ArrayList<>();
        probes.add("");
        for (String unit : PROBE_UNITS) {
            for (String ending : PROBE_ENDINGS) {
                probes.add(unit.repeat(PROBE_REPEATS) + ending);
            }
        }
        return List.copyOf(probes);
    }

    private static String printable(String probe) {
        String shown = probe.replace("\u0000", "\\0");
        return shown.length() <= 24 ? shown : shown.substring(0, 8) + "..." + shown.substring(shown.length() - 4);
    }

    private static InvalidInputException invalid(String regex, String problem) {
        String shown = regex.length() <= 80 ? regex : regex.substring(0, 77) + "...";
        return new InvalidInputException("extra redaction pattern '" + shown + "' " + problem);
    }
}
