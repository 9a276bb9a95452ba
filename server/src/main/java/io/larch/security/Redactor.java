package io.larch.security;

import io.larch.model.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Replaces secrets in event text (message and stack with {@link #redact}, attribute values with
 * {@link #redactAttribute}) by {@code [REDACTED:<kind>]} before anything is stored. The built-in detectors
 * ({@link RedactionKind}) run in one pass that looks only at trigger characters
 * (see {@link SecretScanner}); a project's extra patterns run after them, each bounded in time
 * (see {@link ExtraPattern}).
 *
 * <p>Threading: immutable after construction and safe for any number of threads. The counts are
 * {@link LongAdder}s, shared with the redactor this one was derived from by
 * {@link #withExtraPatterns}, so the counts of {@link #standard()}'s instance cover every
 * project's redactor made from it.
 */
public final class Redactor {
    /** More extra patterns per project would make every event pay for a regex scan each. */
    public static final int MAX_EXTRA_PATTERNS = 32;

    private final List<ExtraPattern> extraPatterns;
    /** Replacements made, by {@link RedactionKind#ordinal()}. */
    private final LongAdder[] countsByKind;
    /** Extra-pattern matches that ran out of budget; each also counts as a {@code custom} replacement. */
    private final LongAdder extraPatternTimeouts;

    private Redactor(List<ExtraPattern> extraPatterns, LongAdder[] countsByKind, LongAdder extraPatternTimeouts) {
        this.extraPatterns = List.copyOf(extraPatterns);
        this.countsByKind = countsByKind;
        this.extraPatternTimeouts = extraPatternTimeouts;
    }

    /** The built-in detectors only, with counts of its own starting at zero. */
    public static Redactor standard() {
        LongAdder[] counts = new LongAdder[RedactionKind.values().length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
        return new Redactor(List.of(), counts, new LongAdder());
    }

    /**
     * This redactor plus a project's own patterns (Java regular expressions; each match becomes
     * {@code [REDACTED:custom]}), sharing this one's counts.
     *
     * @throws InvalidInputException naming the first unfit pattern and what to do: it does not
     *     compile, is empty or too long, can match the empty string, or is prone to catastrophic
     *     backtracking; or there are more than {@link #MAX_EXTRA_PATTERNS}
     */
    public Redactor withExtraPatterns(List<String> regexes) {
        if (regexes.size() > MAX_EXTRA_PATTERNS) {
            throw new InvalidInputException(regexes.size() + " extra redaction patterns, at most " + MAX_EXTRA_PATTERNS
                    + " are allowed; join related ones with '|'");
        }
        List<ExtraPattern> compiled = new ArrayList<>();
        for (String regex : regexes) {
            compiled.add(ExtraPattern.compile(regex));
        }
        return withPatterns(compiled);
    }

    /** This redactor plus {@code patterns} as given (validated or not), sharing this one's counts. */
    Redactor withPatterns(List<ExtraPattern> patterns) {
        List<ExtraPattern> all = new ArrayList<>(extraPatterns);
        all.addAll(patterns);
        return new Redactor(all, countsByKind, extraPatternTimeouts);
    }

    /**
     * {@code text} with every secret replaced by {@code [REDACTED:<kind>]}. When nothing is
     * found, the very same instance is returned and nothing is allocated by the built-in
     * detectors (extra patterns allocate their matchers). Null stays null. The built-in
     * detectors leave their own output unchanged: a replacement is not taken for a secret.
     */
    public String redact(String text) {
        if (text == null) {
            return null;
        }
        return extraPatterns(SecretScanner.redact(text, countsByKind));
    }

    private String extraPatterns(String text) {
        String redacted = text;
        for (ExtraPattern pattern : extraPatterns) {
            redacted = pattern.redact(redacted, countsByKind[RedactionKind.CUSTOM.ordinal()], extraPatternTimeouts);
        }
        return redacted;
    }

    /**
     * An attribute's value. A JSON field {@code "password":"hunter2"} arrives as the attribute
     * {@code password} with the value {@code hunter2}, which alone looks like any word; so when the
     * name says it holds a secret, judged as the key before {@code =} is in text ({@code password},
     * {@code db_password}, {@code X-Api-Key}, {@code refresh_token}, {@code client_secret}, ...), the
     * whole value becomes {@code [REDACTED:secret_pair]} (or {@code aws_secret}), with the same
     * exceptions ({@code "token": null} holds nothing, {@code pwd=/home/a} is a directory).
     * Otherwise as {@link #redact}. Same instance when nothing was found; null stays null.
     */
    public String redactAttribute(String name, String value) {
        if (value == null) {
            return null;
        }
        return extraPatterns(SecretScanner.redactAttribute(name, value, countsByKind));
    }

    /** Secrets of {@code kind} replaced since the first redactor of this family was made. */
    public long redactedCount(RedactionKind kind) {
        return countsByKind[kind.ordinal()].sum();
    }

    /** Extra-pattern runs abandoned at their time budget; each replaced its whole text (fail closed). */
    public long extraPatternTimeouts() {
        return extraPatternTimeouts.sum();
    }
}
