package io.larch.security;

import java.util.Locale;

/**
 * What kind of secret a redaction replaced. The wire name appears in the replacement text
 * ({@code [REDACTED:jwt]}) and in metrics, so it must not change once released.
 */
public enum RedactionKind {
    /** A PEM private key block, {@code -----BEGIN ... PRIVATE KEY-----} to its END line. */
    PRIVATE_KEY,
    /** The credentials of an {@code Authorization: Bearer} header, or a token-looking word after {@code Bearer}. */
    BEARER,
    /** A JSON Web Token: base64url segments whose header starts {@code eyJ}. */
    JWT,
    /** An AWS access key id, {@code AKIA} or {@code ASIA} and 16 upper-case letters or digits. */
    AWS_ACCESS_KEY,
    /** 40 base64 characters after an {@code aws_secret_access_key}-like key. */
    AWS_SECRET,
    /** {@code ghp_ gho_ ghu_ ghs_ ghr_} and {@code github_pat_} tokens. */
    GITHUB_TOKEN,
    /** {@code glpat-} personal access tokens. */
    GITLAB_TOKEN,
    /** {@code xoxb- xoxp- xoxa- xoxr- xoxs-} tokens and the secret path of {@code hooks.slack.com/services/} URLs. */
    SLACK_TOKEN,
    /** Stripe secret and restricted keys: {@code sk_live_ sk_test_ rk_live_ rk_test_}. */
    STRIPE_KEY,
    /** {@code AIza} and 35 characters. */
    GOOGLE_API_KEY,
    /** {@code sk-} keys (OpenAI's {@code sk-...} and {@code sk-proj-...}, and others in that shape). */
    OPENAI_KEY,
    /** The password of {@code scheme://user:password@host}; scheme, user and host are kept. */
    URL_PASSWORD,
    /** The value after a password-, secret-, token- or api-key-like key ({@code =}, {@code :}, JSON). */
    SECRET_PAIR,
    /** 13 to 19 digits (optionally grouped by spaces or dashes) with a card prefix and a valid Luhn check digit. */
    CREDIT_CARD,
    /** A match of one of a project's own extra patterns. */
    CUSTOM;

    private final String wireName = name().toLowerCase(Locale.ROOT);
    private final String replacement = "[REDACTED:" + wireName + "]";

    public String wireName() {
        return wireName;
    }

    /** The text that stands in for a secret of this kind. */
    public String replacement() {
        return replacement;
    }
}
