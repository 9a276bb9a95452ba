package io.larch.security;

import java.util.concurrent.atomic.LongAdder;

/**
 * The built-in detectors of {@link Redactor}, in one left-to-right pass. Each position is looked
 * at once: a table lookup on its character, and sometimes the next one ({@link #CANDIDATES}), says
 * whether a secret can start there ({@code -----BEGIN}, {@code bearer}, {@code eyJ}, {@code AKIA},
 * {@code ghp_}, {@code ://}, {@code =}, digits at a word start, ...), and only then does a switch
 * pick the few detectors that read further. Text without a trigger costs one {@code charAt} and
 * one lookup per character; nothing is allocated until a secret is found.
 * Case-insensitive triggers ({@code bearer}, keys like {@code Password}) are compared in place,
 * never by lowercasing the text.
 *
 * <p>A detector answers a "found" value packed in a {@code long} (kind, start, end) rather than
 * an object, so that the common case of a clean text allocates nothing. Detectors look back
 * (a key before {@code =}, an authorization header before {@code Bearer}) at most to
 * {@code floor}, the end of the previous redaction, so a detector never reuses replaced text.
 *
 * <p>Stateless; safe for any number of threads.
 */
final class SecretScanner {
    /** No secret starts at the position. */
    private static final long NONE = -1;
    private static final RedactionKind[] KINDS = RedactionKind.values();

    /**
     * Whether a detector may start at an ASCII character {@code c}: {@code CANDIDATES[c]} after
     * a boundary, {@code CANDIDATES[AFTER_ALPHANUMERIC + c]} after an ASCII letter or digit.
     * {@code :} and {@code =} (a key's value follows) and {@code -} (of {@code -----BEGIN}) are
     * candidates anywhere; the letters that begin {@code bearer}, {@code eyJ}, {@code AKIA},
     * {@code ghp_}, ... and card digits only at a word start, since every token detector wants a
     * boundary before it. One lookup per character, and a branch that is rarely taken, is all most
     * of a text costs; the letters inside words never reach a detector.
     */
    private static final boolean[] CANDIDATES = new boolean[256];
    private static final int AFTER_ALPHANUMERIC = 128;
    /** Per ASCII character: the offset into {@link #CANDIDATES} for the character after it. */
    private static final int[] CONTEXT_AFTER = new int[128];
    /**
     * For each candidate character {@code c}: bit {@code n} of {@code [2c]} (n < 64) or of
     * {@code [2c + 1]} (n - 64) is set when ASCII {@code n} may follow it in a secret; all set
     * for {@code :} and {@code =}, after which any value may come.
     */
    private static final long[] FOLLOWERS = new long[256];

    /** Blanks allowed around a separator ({@code password = x}) and after {@code Bearer}. */
    private static final int MAX_BLANKS = 8;
    /** A PEM label such as {@code ENCRYPTED PRIVATE KEY} or {@code PGP PRIVATE KEY BLOCK}. */
    private static final int MAX_PEM_LABEL = 40;
    /** How far back from {@code Bearer} or {@code Basic} an authorization header's name may be. */
    private static final int AUTHORIZATION_CONTEXT = 32;
    /** The longest {@code user:password} of a URL that is looked at; longer ones are not URLs in practice. */
    private static final int MAX_USER_INFO = 512;

    /**
     * How a value opens: with {@code "}, with {@code '}, with {@code \\"} (JSON inside a JSON
     * string), or bare after {@code =} or after {@code :}. A bare value after {@code =} ends at
     * {@code &} (a query string); after {@code :} it does not, since {@code &} is common in passwords.
     */
    private static final char ESCAPED_QUOTE = '\\';
    private static final char BARE_AFTER_EQUALS = '=';
    private static final char BARE_AFTER_COLON = ':';
    /** A value that is a whole text: an attribute's value, whose key is a field of its own. */
    private static final char WHOLE_TEXT = 0;
    /** Characters of an unquoted token value searched for a digit; see {@link #digitNear}. */
    private static final int DIGIT_WINDOW = 64;

    /** What kind of key precedes a separator; see {@link #secretKeyEndingAt}. */
    private static final int NOT_SECRET = 0;
    private static final int PASSWORD_KEY = 1;
    private static final int WORKING_DIRECTORY_KEY = 2;
    private static final int TOKEN_KEY = 3;
    private static final int SECRET_KEY = 4;
    private static final int AWS_SECRET_KEY = 5;

    /**
     * Normalized key endings (lower case, without {@code _ - .}) and their class, most specific
     * first: {@code aws_secret_access_key} must be taken for AWS before {@code secret_key}.
     * An ending, not a whole key, so that {@code db_password}, {@code X-Api-Key},
     * {@code refresh_token} and {@code clientSecret} are all caught.
     */
    private static final String[] KEY_ENDINGS = {"secretaccesskey", "awssecretkey", "secretkey", "privatekey",
            "apikey", "password", "passwd", "passphrase", "pwd", "secret", "token"};
    private static final int[] KEY_ENDING_CLASSES = {AWS_SECRET_KEY, AWS_SECRET_KEY, SECRET_KEY, SECRET_KEY,
            SECRET_KEY, PASSWORD_KEY, PASSWORD_KEY, PASSWORD_KEY, WORKING_DIRECTORY_KEY, SECRET_KEY, TOKEN_KEY};
    /** Values that say there is no secret ({@code "password": null}). */
    private static final String[] NO_SECRET_VALUES = {"null", "nil", "none", "true", "false", "undefined"};

    static {
        for (char c = 0; c < 128; c++) {
            CONTEXT_AFTER[c] = isAlphanumeric(c) ? AFTER_ALPHANUMERIC : 0;
        }
        candidateAnywhere(':', null);
        candidateAnywhere('=', null);
        candidateAnywhere('-', "-");
        candidateAtWordStart("bB", "eEaA"); // bearer, basic
        candidateAtWordStart("e", "y"); // eyJ
        candidateAtWordStart("A", "KSI"); // AKIA, ASIA, AIza
        candidateAtWordStart("g", "hil"); // gh?_, github_pat_, glpat-
        candidateAtWordStart("xh", "o"); // xox?-, hooks.slack.com
        candidateAtWordStart("sr", "k"); // sk_live_, sk-, rk_live_
        // Card numbers start with 2 to 6 (Mastercard 2-series, Amex/Diners/JCB, Visa, Mastercard, Discover/UnionPay).
        candidateAtWordStart("23456", "0123456789");
    }

    private SecretScanner() {
    }

    /** {@code text} itself when it holds no secret, else a copy with each secret replaced; each replacement counted. */
    static String redact(String text, LongAdder[] countsByKind) {
        StringBuilder redacted = null;
        int copiedUpTo = 0;
        int position = 0;
        int context = 0;
        while (position < text.length()) {
            char c = text.charAt(position);
            if (c >= 128) {
                context = 0; // a letter of another script is a boundary: 令牌ghp_... is a token
                position++;
                continue;
            }
            long found = CANDIDATES[context + c] && nextFits(text, position, c) ? secretAt(text, c, position, copiedUpTo) : NONE;
            if (found == NONE) {
                context = CONTEXT_AFTER[c];
                position++;
                continue;
            }
            RedactionKind kind = KINDS[(int) (found >>> 48)];
            int start = position + (int) ((found >>> 32) & 0xFFFF);
            int end = (int) found;
            if (redacted == null) {
                redacted = new StringBuilder(text.length() + 16);
            }
            redacted.append(text, copiedUpTo, start).append(kind.replacement());
            countsByKind[kind.ordinal()].increment();
            copiedUpTo = end;
            position = end;
            char last = text.charAt(end - 1);
            context = last < 128 ? CONTEXT_AFTER[last] : 0;
        }
        return redacted == null ? text : redacted.append(text, copiedUpTo, text.length()).toString();
    }

    /**
     * An attribute's value under {@code name}: the whole value when the name is a secret's key, as
     * before {@code =} in a text ({@code attrs.password}, {@code attrs.X-Api-Key}); else as {@link #redact}.
     */
    static String redactAttribute(String name, String value, LongAdder[] countsByKind) {
        int keyClass = name == null || name.isEmpty() ? NOT_SECRET : secretKeyEndingAt(name, name.length() - 1, 0);
        if (keyClass == NOT_SECRET || value.isEmpty() || !holdsSecret(value, 0, WHOLE_TEXT, keyClass)) {
            return redact(value, countsByKind);
        }
        boolean awsSecret = keyClass == AWS_SECRET_KEY && value.length() == 40 && isBase64(value, 0, 40);
        RedactionKind kind = awsSecret ? RedactionKind.AWS_SECRET : RedactionKind.SECRET_PAIR;
        countsByKind[kind.ordinal()].increment();
        return kind.replacement();
    }

    private static long secretAt(String text, char c, int at, int floor) {
        return switch (c) {
            case '-' -> privateKey(text, at);
            case 'b', 'B' -> authorizationCredentials(text, at, floor);
            case 'e' -> jsonWebToken(text, at);
            case 'A' -> amazonOrGoogleKey(text, at);
            case 'g' -> gitHubOrGitLabToken(text, at);
            case 'x' -> slackToken(text, at);
            case 'h' -> slackWebhook(text, at);
            case 's', 'r' -> stripeOrOpenAiKey(text, at);
            case ':' -> at + 2 < text.length() && text.charAt(at + 1) == '/' && text.charAt(at + 2) == '/'
                    ? urlPassword(text, at) : keyValue(text, at, floor);
            case '=' -> keyValue(text, at, floor);
            default -> creditCard(text, at);
        };
    }

    /** {@code followers} null: any character may follow, or none (the end of the text). */
    private static void candidateAnywhere(char c, String followers) {
        CANDIDATES[c] = true;
        CANDIDATES[AFTER_ALPHANUMERIC + c] = true;
        follow(c, followers);
    }

    private static void candidateAtWordStart(String starts, String followers) {
        for (char c : starts.toCharArray()) {
            CANDIDATES[c] = true;
            follow(c, followers);
        }
    }

    private static void follow(char c, String followers) {
        if (followers == null) {
            FOLLOWERS[2 * c] = -1;
            FOLLOWERS[2 * c + 1] = -1;
            return;
        }
        for (char follower : followers.toCharArray()) {
            FOLLOWERS[2 * c + follower / 64] |= 1L << (follower % 64);
        }
    }

    /** Whether the character after the candidate {@code c} at {@code at} may follow it in a secret; see {@link #FOLLOWERS}. */
    private static boolean nextFits(String text, int at, char c) {
        long any = FOLLOWERS[2 * c] & FOLLOWERS[2 * c + 1];
        if (any == -1) {
            return true;
        }
        char next = at + 1 < text.length() ? text.charAt(at + 1) : 0;
        return next < 128 && (FOLLOWERS[2 * c + next / 64] >>> (next % 64) & 1) != 0;
    }

    /** {@code start - at} must be below 2^16: every detector caps how far after its trigger a secret may start. */
    private static long found(RedactionKind kind, int at, int start, int end) {
        return (long) kind.ordinal() << 48 | (long) (start - at) << 32 | end;
    }

    /**
     * A PEM private key, from BEGIN to the end of its END line; without an END line (a truncated
     * log line) to the end of the text, because whatever follows may still be key material.
     * Certificates and public keys are not secrets and are left alone.
     */
    private static long privateKey(String text, int at) {
        if (!text.startsWith("-----BEGIN ", at)) {
            return NONE;
        }
        int labelStart = at + 11;
        int labelEnd = indexWithin(text, "-----", labelStart, labelStart + MAX_PEM_LABEL);
        if (labelEnd < 0 || indexWithin(text, "PRIVATE KEY", labelStart, labelEnd) < 0) {
            return NONE;
        }
        int endLine = text.indexOf("-----END ", labelEnd + 5);
        int endLineEnd = endLine < 0 ? -1 : indexWithin(text, "-----", endLine + 9, endLine + 9 + MAX_PEM_LABEL);
        return found(RedactionKind.PRIVATE_KEY, at, at, endLineEnd < 0 ? text.length() : endLineEnd + 5);
    }

    /**
     * The credentials after {@code Bearer} or {@code Basic}. After an authorization header's name
     * (or a token key) in the few characters before, any credential of 8+ characters or with a
     * digit is taken. Elsewhere only a Bearer credential that looks generated (16+ characters,
     * letters and digits) is, so that "Bearer token expired" stays readable. Basic credentials
     * count as a {@code secret_pair}: they are a user and password.
     */
    private static long authorizationCredentials(String text, int at, int floor) {
        if (at > 0 && isAlphanumeric(text.charAt(at - 1))) {
            return NONE;
        }
        boolean bearer = text.regionMatches(true, at, "bearer", 0, 6);
        if (!bearer && !text.regionMatches(true, at, "basic", 0, 5)) {
            return NONE;
        }
        int schemeEnd = at + (bearer ? 6 : 5);
        int start = skipBlanks(text, schemeEnd);
        if (start == schemeEnd) {
            return NONE;
        }
        int end = start;
        while (end < text.length() && isCredentialChar(text.charAt(end))) {
            end++;
        }
        while (end < text.length() && text.charAt(end) == '=') {
            end++;
        }
        if (end == start) {
            return NONE;
        }
        boolean taken = authorizationContextBefore(text, at, floor)
                ? end - start >= 8 || containsDigit(text, start, end)
                : bearer && end - start >= 16 && containsDigit(text, start, end) && containsLetter(text, start, end);
        return taken ? found(bearer ? RedactionKind.BEARER : RedactionKind.SECRET_PAIR, at, start, end) : NONE;
    }

    /** "authorization", or "auth" or "token" as a word end ({@code X-Auth:}, {@code auth_header=}), shortly before {@code at}. */
    private static boolean authorizationContextBefore(String text, int at, int floor) {
        for (int k = at - 4; k >= Math.max(floor, at - AUTHORIZATION_CONTEXT); k--) {
            char first = (char) (text.charAt(k) | 0x20);
            if (first == 'a' && text.regionMatches(true, k, "auth", 0, 4)
                    && (text.regionMatches(true, k, "authorization", 0, 13) || !isLetter(text.charAt(k + 4)))) {
                return true;
            }
            if (first == 't' && k + 5 < at && text.regionMatches(true, k, "token", 0, 5) && !isLetter(text.charAt(k + 5))) {
                return true;
            }
        }
        return false;
    }

    /** A JWT (or JWE): a base64url header starting {@code eyJ} ({@code {"}), then 2 to 4 more dot-separated segments. */
    private static long jsonWebToken(String text, int at) {
        if (!text.startsWith("eyJ", at) || at > 0 && isBase64UrlChar(text.charAt(at - 1))) {
            return NONE;
        }
        int headerEnd = base64UrlRun(text, at);
        if (headerEnd - at < 10 || headerEnd >= text.length() || text.charAt(headerEnd) != '.') {
            return NONE;
        }
        int payloadEnd = base64UrlRun(text, headerEnd + 1);
        if (payloadEnd - headerEnd - 1 < 4 || payloadEnd >= text.length() || text.charAt(payloadEnd) != '.') {
            return NONE;
        }
        // The signature may be empty (alg "none"); a JWE has two segments more.
        int end = base64UrlRun(text, payloadEnd + 1);
        for (int segments = 3; segments < 5 && end + 1 < text.length() && text.charAt(end) == '.'
                && isBase64UrlChar(text.charAt(end + 1)); segments++) {
            end = base64UrlRun(text, end + 1);
        }
        return found(RedactionKind.JWT, at, at, end);
    }

    /** AWS access key ids ({@code AKIA}/{@code ASIA} + 16) and Google API keys ({@code AIza} + 35), exactly that long. */
    private static long amazonOrGoogleKey(String text, int at) {
        if (at > 0 && isAlphanumeric(text.charAt(at - 1))) {
            return NONE;
        }
        if (text.startsWith("AKIA", at) || text.startsWith("ASIA", at)) {
            int end = at + 20;
            if (end > text.length() || end < text.length() && isAlphanumeric(text.charAt(end))) {
                return NONE;
            }
            for (int k = at + 4; k < end; k++) {
                char c = text.charAt(k);
                if (!(c >= 'A' && c <= 'Z' || isDigit(c))) {
                    return NONE;
                }
            }
            return found(RedactionKind.AWS_ACCESS_KEY, at, at, end);
        }
        // The run is read at most one character past the key: "AIza-AIza-AIza-..." must not rescan the rest at each one.
        if (text.startsWith("AIza", at) && base64UrlRun(text, at + 4, at + 40) == at + 39) {
            return found(RedactionKind.GOOGLE_API_KEY, at, at, at + 39);
        }
        return NONE;
    }

    /** {@code gh[pousr]_} + 36 or more, {@code github_pat_} + 22 or more, {@code glpat-} + 20 or more. */
    private static long gitHubOrGitLabToken(String text, int at) {
        if (at > 0 && isWordChar(text.charAt(at - 1)) || at + 4 > text.length()) {
            return NONE;
        }
        if (text.charAt(at + 1) == 'h' && "pousr".indexOf(text.charAt(at + 2)) >= 0 && text.charAt(at + 3) == '_') {
            int end = alphanumericRun(text, at + 4);
            return end - at - 4 >= 36 ? found(RedactionKind.GITHUB_TOKEN, at, at, end) : NONE;
        }
        if (text.startsWith("github_pat_", at)) {
            int end = wordRun(text, at + 11);
            return end - at - 11 >= 22 ? found(RedactionKind.GITHUB_TOKEN, at, at, end) : NONE;
        }
        if (text.startsWith("glpat-", at)) {
            int end = base64UrlRun(text, at + 6);
            return end - at - 6 >= 20 ? found(RedactionKind.GITLAB_TOKEN, at, at, end) : NONE;
        }
        return NONE;
    }

    /** {@code xox[abprs]-} and 10 or more letters, digits or dashes. */
    private static long slackToken(String text, int at) {
        if (at > 0 && isAlphanumeric(text.charAt(at - 1)) || at + 5 > text.length() || !text.startsWith("xox", at)
                || "abprs".indexOf(text.charAt(at + 3)) < 0 || text.charAt(at + 4) != '-') {
            return NONE;
        }
        int end = at + 5;
        while (end < text.length() && (isAlphanumeric(text.charAt(end)) || text.charAt(end) == '-')) {
            end++;
        }
        return end - at - 5 >= 10 ? found(RedactionKind.SLACK_TOKEN, at, at, end) : NONE;
    }

    /** The path of a Slack incoming-webhook URL is its secret; the host is kept so the line still says what it was. */
    private static long slackWebhook(String text, int at) {
        if (!text.startsWith("hooks.slack.com/services/", at)) {
            return NONE;
        }
        int start = at + 25;
        int end = start;
        while (end < text.length() && (isBase64UrlChar(text.charAt(end)) || text.charAt(end) == '/')) {
            end++;
        }
        return end - start >= 10 ? found(RedactionKind.SLACK_TOKEN, at, start, end) : NONE;
    }

    /**
     * Stripe {@code sk_live_ sk_test_ rk_live_ rk_test_} + 16 or more; {@code sk-} + 20 or more
     * with letters and digits (OpenAI's {@code sk-...}, {@code sk-proj-...}), so that a word such
     * as {@code sk-learn-compatible-estimators} is not taken for a key.
     */
    private static long stripeOrOpenAiKey(String text, int at) {
        if (at > 0 && isAlphanumeric(text.charAt(at - 1)) || at + 3 > text.length() || text.charAt(at + 1) != 'k') {
            return NONE;
        }
        char separator = text.charAt(at + 2);
        if (separator == '_' && (text.startsWith("live_", at + 3) || text.startsWith("test_", at + 3))) {
            int end = alphanumericRun(text, at + 8);
            return end - at - 8 >= 16 ? found(RedactionKind.STRIPE_KEY, at, at, end) : NONE;
        }
        // Not inside a run ("my_sk-", "sk-sk-sk-..."), which would be rescanned to its end at each "sk-".
        if (separator == '-' && text.charAt(at) == 's' && (at == 0 || !isBase64UrlChar(text.charAt(at - 1)))) {
            int end = base64UrlRun(text, at + 3);
            boolean generated = end - at - 3 >= 20 && containsDigit(text, at + 3, end) && containsLetter(text, at + 3, end);
            return generated ? found(RedactionKind.OPENAI_KEY, at, at, end) : NONE;
        }
        return NONE;
    }

    /**
     * The password of {@code scheme://user:password@host}, at {@code ://}. The last {@code @}
     * before the path ends it, because passwords are often pasted into URLs without escaping
     * their {@code @}.
     */
    private static long urlPassword(String text, int at) {
        if (at == 0 || !isAlphanumeric(text.charAt(at - 1))) {
            return NONE;
        }
        int firstColon = -1;
        int lastAt = -1;
        int limit = Math.min(text.length(), at + 3 + MAX_USER_INFO);
        for (int k = at + 3; k < limit; k++) {
            char c = text.charAt(k);
            if (c == '@') {
                lastAt = k;
            } else if (c == ':' && firstColon < 0) {
                firstColon = k;
            } else if (endsAuthority(c)) {
                break;
            }
        }
        if (lastAt < 0 || firstColon < 0 || firstColon + 1 >= lastAt || text.startsWith("[REDACTED", firstColon + 1)) {
            return NONE;
        }
        return found(RedactionKind.URL_PASSWORD, at, firstColon + 1, lastAt);
    }

    /**
     * The value after a secret-like key and {@code =}, {@code =>} or {@code :}: {@code password=x},
     * {@code "token": "x"}, {@code \"secret\":\"x\"}, {@code ?token=x&y=1}. A quoted value runs
     * to its closing quote (to the end of the text if there is none: truncated lines keep
     * nothing of it), an unquoted one to a blank or a delimiter.
     */
    private static long keyValue(String text, int at, int floor) {
        int keyLast = at - 1;
        while (keyLast >= floor && at - keyLast <= MAX_BLANKS && isBlank(text.charAt(keyLast))) {
            keyLast--;
        }
        boolean blanksBefore = keyLast < at - 1;
        if (keyLast >= floor && (text.charAt(keyLast) == '"' || text.charAt(keyLast) == '\'')) {
            keyLast--;
            if (keyLast >= floor && text.charAt(keyLast) == '\\') {
                keyLast--;
            }
        }
        if (keyLast < floor) {
            return NONE;
        }
        int keyClass = secretKeyEndingAt(text, keyLast, floor);
        if (keyClass == NOT_SECRET) {
            return NONE;
        }
        int valueAt = at + 1;
        if (text.charAt(at) == '=' && valueAt < text.length() && text.charAt(valueAt) == '>') {
            valueAt++;
        }
        // "password: x" and "password = x", but "ruser= rhost=h" (PAM, logfmt) is an empty value, not "rhost=h".
        if (text.charAt(at) == ':' || blanksBefore) {
            valueAt = skipBlanks(text, valueAt);
        }
        if (valueAt >= text.length()) {
            return NONE;
        }
        char opening = text.charAt(valueAt);
        char quote = opening == '"' || opening == '\'' ? opening
                : opening == '\\' && text.startsWith("\"", valueAt + 1) ? ESCAPED_QUOTE
                : text.charAt(at) == ':' ? BARE_AFTER_COLON : BARE_AFTER_EQUALS;
        boolean bare = quote == BARE_AFTER_COLON || quote == BARE_AFTER_EQUALS;
        int start = valueAt + (bare ? 0 : quote == ESCAPED_QUOTE ? 2 : 1);
        if (endsValue(text, start, quote) || !holdsSecret(text, start, quote, keyClass)) {
            return NONE;
        }
        int end = valueEnd(text, start, quote);
        boolean awsSecret = keyClass == AWS_SECRET_KEY && end - start == 40 && isBase64(text, start, end);
        return found(awsSecret ? RedactionKind.AWS_SECRET : RedactionKind.SECRET_PAIR, at, start, end);
    }

    /**
     * Whether a value after a secret-like key is worth hiding, or says itself that it holds
     * nothing. Decided from the value's first characters only, without finding its end: a text
     * of many keys whose values are refused (1 MB of {@code token:atoken:a...}) must stay linear.
     */
    private static boolean holdsSecret(String text, int start, char quote, int keyClass) {
        if (text.startsWith("[REDACTED", start) || isWholeValue(text, start, quote, asteriskRun(text, start))) {
            return false; // already hidden, by us or by the sender: redacting again would only change the count
        }
        for (String none : NO_SECRET_VALUES) {
            if (text.regionMatches(true, start, none, 0, none.length()) && isWholeValue(text, start, quote, none.length())) {
                return false;
            }
        }
        if (text.startsWith("-----BEGIN", start)) {
            return false; // the private-key detector takes the whole block, not just its first word
        }
        boolean bare = quote == BARE_AFTER_COLON || quote == BARE_AFTER_EQUALS;
        if (bare && (text.regionMatches(true, start, "bearer", 0, 6) && isWholeValue(text, start, quote, 6)
                || text.regionMatches(true, start, "basic", 0, 5) && isWholeValue(text, start, quote, 5))) {
            return false; // token: Bearer x -- the credentials detector takes x and keeps the scheme readable
        }
        if (keyClass == WORKING_DIRECTORY_KEY && (text.charAt(start) == '/' || text.charAt(start) == '~')) {
            return false; // PWD=/home/alice in sudo and shell logs is a directory, not a password
        }
        if (keyClass == TOKEN_KEY && bare) {
            // "Token: Token { kind: ContainerToken }" (Hadoop), "invalid token: expired": after a colon, in prose and in
            // object dumps, an unquoted token value is a word; generated tokens hold digits. After '=' any value counts.
            return !(quote == BARE_AFTER_COLON && !digitNear(text, start, quote) || isObjectDescription(text, start));
        }
        return true;
    }

    /**
     * Android and Java print object handles after token keys: {@code token=Token{a64f992 ...}},
     * {@code wtoken = AppWindowToken{9f4ef63}}, {@code token: android.os.BinderProxy@2bd79ce}.
     * A class name followed by {@code {}, {@code (} or {@code @} is such a handle, not a credential.
     */
    private static boolean isObjectDescription(String text, int start) {
        if (!isLetter(text.charAt(start))) {
            return false;
        }
        for (int k = start + 1; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c == '{' || c == '(' || c == '@') {
                return true;
            }
            if (!isWordChar(c) && c != '.' && c != '$') {
                return false;
            }
        }
        return false;
    }

    /** A digit among the first {@link #DIGIT_WINDOW} characters of the value: a generated token has one, with near certainty. */
    private static boolean digitNear(String text, int start, char quote) {
        for (int k = start; k < start + DIGIT_WINDOW && !endsValue(text, k, quote); k++) {
            if (isDigit(text.charAt(k))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the value starting at {@code start} is exactly {@code length} characters long. */
    private static boolean isWholeValue(String text, int start, char quote, int length) {
        return length > 0 && endsValue(text, start + length, quote);
    }

    /** Whether the value that opened with {@code quote} ends at {@code k}: its closing quote, a delimiter, or the text's end. */
    private static boolean endsValue(String text, int k, char quote) {
        if (k >= text.length()) {
            return true;
        }
        char c = text.charAt(k);
        return switch (quote) {
            case BARE_AFTER_EQUALS -> endsBareValue(c);
            case BARE_AFTER_COLON -> c != '&' && endsBareValue(c);
            case WHOLE_TEXT -> false;
            case ESCAPED_QUOTE -> text.startsWith("\\\"", k);
            default -> c == quote;
        };
    }

    /**
     * Where the value ends: at its closing quote (the end of the text if there is none, so a
     * truncated line keeps nothing of it), or for a bare one at a blank or a delimiter.
     */
    private static int valueEnd(String text, int start, char quote) {
        return switch (quote) {
            case BARE_AFTER_EQUALS, BARE_AFTER_COLON -> {
                int k = start;
                while (!endsValue(text, k, quote)) {
                    k++;
                }
                yield k;
            }
            case ESCAPED_QUOTE -> orEnd(text, text.indexOf("\\\"", start));
            case '"' -> closingQuote(text, start);
            default -> orEnd(text, text.indexOf(quote, start));
        };
    }

    /**
     * The class of the key whose last character is at {@code last}, by its normalized ending
     * ({@link #KEY_ENDINGS}); {@link #NOT_SECRET} for any other key. Every secret key ends in
     * d, e, t, n or y, which rejects most of the keys in a log line at their last character.
     */
    private static int secretKeyEndingAt(String text, int last, int floor) {
        char lastChar = (char) (text.charAt(last) | 0x20);
        if (lastChar != 'd' && lastChar != 'e' && lastChar != 't' && lastChar != 'n' && lastChar != 'y') {
            return NOT_SECRET;
        }
        for (int i = 0; i < KEY_ENDINGS.length; i++) {
            if (keyEndsWith(text, last, floor, KEY_ENDINGS[i])) {
                return KEY_ENDING_CLASSES[i];
            }
        }
        return NOT_SECRET;
    }

    /** Whether the key ending at {@code last}, read backwards in lower case and without {@code _ - .}, ends with {@code ending}. */
    private static boolean keyEndsWith(String text, int last, int floor, String ending) {
        int k = last;
        for (int e = ending.length() - 1; e >= 0; e--) {
            while (k >= floor && isKeySeparator(text.charAt(k))) {
                k--;
            }
            if (k < floor || Character.toLowerCase(text.charAt(k)) != ending.charAt(e)) {
                return false;
            }
            k--;
        }
        return true;
    }

    /**
     * 13 to 19 digits, solid or grouped by single spaces or dashes (a first group of 4, then
     * groups of 3 to 6: 4-4-4-4, Amex 4-6-5, Diners 4-6-4), with a card network's prefix and
     * length and a valid Luhn check digit. Digits glued to a word ({@code blk_-3886...},
     * {@code id42...}), to a decimal point or to more digits are ids or numbers, not cards.
     */
    private static long creditCard(String text, int at) {
        if (at > 0) {
            char before = text.charAt(at - 1);
            if (isWordChar(before) || before == '.' || before == '-' && at > 1 && isWordChar(text.charAt(at - 2))) {
                return NONE;
            }
        }
        int end = digitRun(text, at);
        int digits = end - at;
        if (digits != 4 || end + 1 >= text.length() || text.charAt(end) != ' ' && text.charAt(end) != '-') {
            return endsNumber(text, end) && isCardNumber(text, at, end, digits) ? found(RedactionKind.CREDIT_CARD, at, at, end) : NONE;
        }
        char separator = text.charAt(end);
        while (end + 1 < text.length() && text.charAt(end) == separator) {
            int groupEnd = digitRun(text, end + 1);
            int group = groupEnd - end - 1;
            if (group < 3 || group > 6 || digits + group > 19) {
                break;
            }
            digits += group;
            end = groupEnd;
        }
        // Grouped digits may run on into a number that follows ("4111 1111 1111 1111 207 left"):
        // try the longest grouping first, then drop groups from the right.
        while (digits >= 13) {
            if (endsNumber(text, end) && isCardNumber(text, at, end, digits)) {
                return found(RedactionKind.CREDIT_CARD, at, at, end);
            }
            int previousEnd = text.lastIndexOf(separator, end - 1);
            digits -= end - previousEnd - 1;
            end = previousEnd;
        }
        return NONE;
    }

    /** Whether a number ends at {@code end}: not glued to a word, and not the integer part of a decimal. */
    private static boolean endsNumber(String text, int end) {
        if (end == text.length()) {
            return true;
        }
        char after = text.charAt(end);
        return !isWordChar(after) && !(after == '.' && end + 1 < text.length() && isDigit(text.charAt(end + 1)));
    }

    private static boolean isCardNumber(String text, int start, int end, int digits) {
        return digits >= 13 && digits <= 19 && hasCardPrefix(text, start, digits) && luhnValid(text, start, end);
    }

    /** Visa, Mastercard, Amex, Discover, Diners, JCB and UnionPay prefixes with their lengths. {@code at} starts 4 digits. */
    private static boolean hasCardPrefix(String text, int at, int digits) {
        int prefix = Integer.parseInt(text, at, at + 4, 10);
        int two = prefix / 100;
        int three = prefix / 10;
        if (two / 10 == 4) {
            return digits == 13 || digits == 16 || digits == 19;
        }
        if (two >= 51 && two <= 55 || prefix >= 2221 && prefix <= 2720) {
            return digits == 16;
        }
        if (two == 34 || two == 37) {
            return digits == 15;
        }
        if (prefix == 6011 || two == 65 || three >= 644 && three <= 649 || two == 62 || prefix >= 3528 && prefix <= 3589) {
            return digits >= 16;
        }
        if (three >= 300 && three <= 305 || two == 36 || two == 38) {
            return digits == 14 || digits == 16;
        }
        return false;
    }

    private static boolean luhnValid(String text, int start, int end) {
        int sum = 0;
        boolean doubled = false;
        for (int k = end - 1; k >= start; k--) {
            char c = text.charAt(k);
            if (!isDigit(c)) {
                continue;
            }
            int digit = c - '0';
            if (doubled) {
                digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
            }
            sum += digit;
            doubled = !doubled;
        }
        return sum % 10 == 0;
    }

    private static int closingQuote(String text, int from) {
        for (int k = from; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c == '\\') {
                k++;
            } else if (c == '"') {
                return k;
            }
        }
        return text.length();
    }

    /** Where {@code literal} starts in {@code [from, limit)} of the text, or -1; never reads past {@code limit} plus the literal. */
    private static int indexWithin(String text, String literal, int from, int limit) {
        for (int k = from; k <= limit && k + literal.length() <= text.length(); k++) {
            if (text.startsWith(literal, k)) {
                return k;
            }
        }
        return -1;
    }

    private static int orEnd(String text, int index) {
        return index < 0 ? text.length() : index;
    }

    private static int skipBlanks(String text, int from) {
        int k = from;
        while (k < text.length() && k - from < MAX_BLANKS && isBlank(text.charAt(k))) {
            k++;
        }
        return k;
    }

    private static int digitRun(String text, int from) {
        int k = from;
        while (k < text.length() && isDigit(text.charAt(k))) {
            k++;
        }
        return k;
    }

    private static int alphanumericRun(String text, int from) {
        int k = from;
        while (k < text.length() && isAlphanumeric(text.charAt(k))) {
            k++;
        }
        return k;
    }

    private static int wordRun(String text, int from) {
        int k = from;
        while (k < text.length() && isWordChar(text.charAt(k))) {
            k++;
        }
        return k;
    }

    private static int base64UrlRun(String text, int from) {
        return base64UrlRun(text, from, text.length());
    }

    private static int base64UrlRun(String text, int from, int limit) {
        int k = from;
        while (k < Math.min(limit, text.length()) && isBase64UrlChar(text.charAt(k))) {
            k++;
        }
        return k;
    }

    private static boolean containsDigit(String text, int start, int end) {
        for (int k = start; k < end; k++) {
            if (isDigit(text.charAt(k))) {
                return true;
            }
        }
        return false;
    }

    private static boolean containsLetter(String text, int start, int end) {
        for (int k = start; k < end; k++) {
            if (isLetter(text.charAt(k))) {
                return true;
            }
        }
        return false;
    }

    private static int asteriskRun(String text, int start) {
        int k = start;
        while (k < text.length() && text.charAt(k) == '*') {
            k++;
        }
        return k - start;
    }

    private static boolean isBase64(String text, int start, int end) {
        for (int k = start; k < end; k++) {
            char c = text.charAt(k);
            if (!isAlphanumeric(c) && c != '+' && c != '/' && c != '=') {
                return false;
            }
        }
        return true;
    }

    private static boolean endsAuthority(char c) {
        return c == '/' || c == '?' || c == '#' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\'
                || Character.isWhitespace(c);
    }

    private static boolean endsBareValue(char c) {
        return c == '&' || c == ',' || c == ';' || c == '"' || c == '\'' || c == ')' || c == ']' || c == '}'
                || c == '<' || c == '>' || Character.isWhitespace(c);
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** ASCII only: a letter of another script next to a token is a boundary, so {@code 令牌ghp_...} is still found. */
    private static boolean isLetter(char c) {
        char lower = (char) (c | 0x20);
        return lower >= 'a' && lower <= 'z';
    }

    private static boolean isAlphanumeric(char c) {
        return isLetter(c) || isDigit(c);
    }

    private static boolean isWordChar(char c) {
        return isAlphanumeric(c) || c == '_';
    }

    private static boolean isBase64UrlChar(char c) {
        return isWordChar(c) || c == '-';
    }

    private static boolean isKeySeparator(char c) {
        return c == '_' || c == '-' || c == '.';
    }

    /** RFC 6750 b64token characters, without the trailing {@code =} padding. */
    private static boolean isCredentialChar(char c) {
        return isAlphanumeric(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    }
}
