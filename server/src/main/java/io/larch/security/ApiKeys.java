package io.larch.security;

/** The shape of project API keys and admin tokens. */
public final class ApiKeys {
    public static final String PROJECT_KEY_PREFIX = "larch_";
    public static final String ADMIN_TOKEN_PREFIX = "larchadmin_";
    /** Characters after the type prefix shown to people to tell keys apart. */
    public static final int VISIBLE_CHARS = 8;

    private ApiKeys() {
    }

    public static String newProjectKey() {
        return Secrets.randomToken(PROJECT_KEY_PREFIX);
    }

    public static String newAdminToken() {
        return Secrets.randomToken(ADMIN_TOKEN_PREFIX);
    }

    /** Whether {@code text} has the shape of a project key: the prefix and 43 base-62 characters. */
    public static boolean isWellFormedProjectKey(String text) {
        if (text.length() != PROJECT_KEY_PREFIX.length() + Secrets.TOKEN_CHARS || !text.startsWith(PROJECT_KEY_PREFIX)) {
            return false;
        }
        for (int i = PROJECT_KEY_PREFIX.length(); i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
                return false;
            }
        }
        return true;
    }

    /** The visible prefix of a project key, e.g. {@code larch_Ab3dE9xQ}. */
    public static String visiblePrefix(String key) {
        return key.substring(0, Math.min(key.length(), PROJECT_KEY_PREFIX.length() + VISIBLE_CHARS));
    }
}
