package io.larch.alert;

import io.larch.model.InvalidInputException;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a rule's alerts go: a Discord or Slack webhook URL, a generic webhook (URL and optional
 * signing secret), or email addresses. Validated when a rule is made, so a typo is a 400 then,
 * not a failed delivery at 3 a.m.
 */
public record AlertChannel(Type type, String url, String secret, List<String> to) {
    /** The services a channel can be. */
    public enum Type {
        DISCORD, SLACK, WEBHOOK, EMAIL;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Type parse(String field, String text) {
            for (Type type : values()) {
                if (type.wireName().equals(text)) {
                    return type;
                }
            }
            throw new InvalidInputException(field + ": unknown channel type '" + text + "'; use discord, slack, webhook or email");
        }
    }

    private static final Pattern ADDRESS = Pattern.compile("[^@\\s,<>]+@[^@\\s,<>]+\\.[^@\\s,<>]+");
    static final int MAX_RECIPIENTS = 50;
    /** What the API shows in place of a webhook URL's path (its token) and of a secret. */
    static final String SHORTENED = "…";
    static final String HIDDEN_SECRET = "(set)";

    /**
     * A checked channel.
     *
     * @param field the field's name in error messages, e.g. {@code channels[1]}
     */
    public static AlertChannel of(String field, String type, String url, String secret, List<String> to) {
        if (type == null) {
            throw new InvalidInputException(field + ".type: say which channel this is: discord, slack, webhook or email");
        }
        Type parsed = Type.parse(field + ".type", type.trim().toLowerCase(Locale.ROOT));
        if (parsed == Type.EMAIL) {
            if (to == null || to.isEmpty() || to.size() > MAX_RECIPIENTS) {
                throw new InvalidInputException(field + ".to: an email channel needs 1-" + MAX_RECIPIENTS + " addresses");
            }
            for (String address : to) {
                if (!isAddress(address)) {
                    throw new InvalidInputException(field + ".to: '" + address + "' is not an email address");
                }
            }
            if (url != null || secret != null) {
                throw new InvalidInputException(field + ": an email channel takes only 'to'");
            }
            return new AlertChannel(parsed, null, null, List.copyOf(to));
        }
        if (url == null || url.isBlank()) {
            throw new InvalidInputException(field + ".url: a " + parsed.wireName() + " channel needs its webhook URL");
        }
        if (url.contains(SHORTENED) ) {
            throw new InvalidInputException(field + ".url: this is the shortened URL that GET shows; send the whole webhook URL");
        }
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            // Not the URL itself in the answer: it may hold the webhook's token.
            throw new InvalidInputException(field + ".url: not a valid URL");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("https") || uri.getScheme().equals("http")) || uri.getHost() == null) {
            throw new InvalidInputException(field + ".url: must be an http:// or https:// URL with a host");
        }
        if (HIDDEN_SECRET.equals(secret)) {
            throw new InvalidInputException(field + ".secret: '(set)' is how GET hides the secret; send the secret itself");
        }
        if (secret != null && parsed != Type.WEBHOOK) {
            throw new InvalidInputException(field + ".secret: only a generic webhook is signed");
        }
        if (to != null) {
            throw new InvalidInputException(field + ".to: only an email channel has recipients");
        }
        return new AlertChannel(parsed, uri.toString(), secret == null || secret.isEmpty() ? null : secret, List.of());
    }

    /**
     * The channel as the API shows it: a webhook URL is a credential (Discord's and Slack's carry
     * their token), so only its scheme, host and the start of its path are shown; a secret only as set.
     */
    public String describeTarget() {
        if (type == Type.EMAIL) {
            return String.join(", ", to);
        }
        URI uri = URI.create(url);
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + "/" + SHORTENED;
    }

    /**
     * True for an address a webhook must not reach unless the operator allows it
     * ({@code LARCH_ALERT_PRIVATE_TARGETS=on}): loopback, link-local (cloud metadata), private
     * networks. Otherwise a project's admin key could make Larch call services behind the firewall.
     */
    public static boolean isPrivate(java.net.InetAddress address) {
        if (address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] bytes = address.getAddress();
        return bytes.length == 16 && (bytes[0] & 0xfe) == 0xfc; // IPv6 unique local, fc00::/7
    }

    /** One plain address ({@code a@example.com}), as the email channel sends to. */
    static boolean isAddress(String address) {
        if (address == null || !ADDRESS.matcher(address).matches()) {
            return false;
        }
        try {
            new jakarta.mail.internet.InternetAddress(address, true);
            return true;
        } catch (jakarta.mail.internet.AddressException e) {
            return false;
        }
    }
}
