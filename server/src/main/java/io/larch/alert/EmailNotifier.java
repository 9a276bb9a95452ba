package io.larch.alert;

import io.larch.model.LogEvent;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * Delivers alerts as plain-text email through an SMTP server (Angus Mail): the subject is the
 * alert's title, the body its rule, counts, window, sample event and the dashboard link, all in
 * the words {@link AlertText} gives every channel.
 *
 * <p>{@link #send} tries up to {@link #MAX_ATTEMPTS} times with a doubling backoff (at most
 * {@link #MAX_WAIT}) when a failure may pass: no connection, a timeout, a lost connection, or an
 * SMTP 4xx reply (the server is busy or greylisting). A 5xx reply (a refused recipient or sender,
 * bad credentials) and a refusal without a code (STARTTLS required but not offered, no
 * authentication mechanism in common, a certificate that fails its check) are final: sending
 * again changes nothing. Each attempt has connection, read and write timeouts, so a server that
 * hangs costs at most {@code MAX_ATTEMPTS} times their sum plus the waits.
 *
 * <p>Threading: a notifier may be used from several threads; each {@link #send} opens its own
 * connection. The dispatcher runs each channel on its own thread, so one slow server delays no
 * other channel.
 */
public final class EmailNotifier implements Notifier {
    /** How the connection to the SMTP server is protected. */
    public enum Security {
        /** Plain SMTP, for a relay on the same host or network. */
        NONE,
        /** Plain SMTP upgraded by STARTTLS (usually port 587); a server that does not offer it is refused. */
        STARTTLS,
        /** TLS from the first byte, "SMTPS" (usually port 465). */
        TLS
    }

    /**
     * How to reach the SMTP server, checked when made.
     *
     * @param username    log in with this name (AUTH); null or blank: no authentication
     * @param password    the password for {@code username}; null without one
     * @param from        the sender, an address with an optional name ("Larch &lt;alerts@example.com&gt;")
     * @param trustedHost a host whose certificate is accepted unchecked (a test server's own
     *                    certificate); null, the default: certificates and host names are checked
     *                    against the JVM's trusted authorities
     * @throws IllegalArgumentException naming the field that is wrong ("from: ...")
     */
    public record Options(String host, int port, Security security, String username, String password, String from,
                          Duration connectTimeout, Duration readTimeout, Duration writeTimeout, String trustedHost) {
        public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
        public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
        public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(30);

        public Options {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host: the SMTP server's host name is missing");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port: between 1 and 65535, not " + port);
            }
            if (security == null) {
                throw new IllegalArgumentException("security: one of none, starttls, tls");
            }
            if (username != null && username.isBlank()) {
                username = null;
            }
            if (password != null && username == null) {
                throw new IllegalArgumentException("password: given without a username");
            }
            parseAddress("from", from);
            requirePositive("connectTimeout", connectTimeout);
            requirePositive("readTimeout", readTimeout);
            requirePositive("writeTimeout", writeTimeout);
        }

        /** A server without login, with the default timeouts and normal certificate checks. */
        public static Options of(String host, int port, Security security, String from) {
            return new Options(host, port, security, null, null, from, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT,
                    DEFAULT_WRITE_TIMEOUT, null);
        }

        /** These options, logging in as {@code username}. */
        public Options withLogin(String username, String password) {
            return new Options(host, port, security, username, password, from, connectTimeout, readTimeout, writeTimeout,
                    trustedHost);
        }

        /** These options with other timeouts. */
        public Options withTimeouts(Duration connect, Duration read, Duration write) {
            return new Options(host, port, security, username, password, from, connect, read, write, trustedHost);
        }

        /** These options, accepting {@code host}'s certificate unchecked (tests against a self-signed server). */
        public Options withTrustedHost(String host) {
            return new Options(this.host, port, security, username, password, from, connectTimeout, readTimeout,
                    writeTimeout, host);
        }

        /** Without the password, so options can be logged. */
        @Override
        public String toString() {
            return "Options[host=" + host + ", port=" + port + ", security=" + security + ", username=" + username
                    + ", password=" + (password == null ? "none" : "***") + ", from=" + from + ", connectTimeout="
                    + connectTimeout + ", readTimeout=" + readTimeout + ", writeTimeout=" + writeTimeout
                    + ", trustedHost=" + trustedHost + "]";
        }

        private static void requirePositive(String field, Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(field + ": a duration above 0");
            }
        }
    }

    static final int MAX_ATTEMPTS = 5;
    static final Duration MAX_WAIT = Duration.ofSeconds(60);

    private final Options options;
    private final InternetAddress from;
    private final InternetAddress[] to;
    private final String dashboardBase;
    private final Duration firstBackoff;
    private final Session session;

    /**
     * @param to            the recipients, one address each (at least one)
     * @param dashboardBase the dashboard's base URL for links to the matching events (no trailing /)
     * @param firstBackoff  the wait after the first transient failure; it doubles after each
     * @throws IllegalArgumentException naming the field that is wrong ("to: ...")
     */
    public EmailNotifier(Options options, List<String> to, String dashboardBase, Duration firstBackoff) {
        if (to == null || to.isEmpty()) {
            throw new IllegalArgumentException("to: at least one recipient");
        }
        this.options = options;
        this.from = parseAddress("from", options.from());
        this.to = to.stream().map(address -> parseAddress("to", address)).toArray(InternetAddress[]::new);
        this.dashboardBase = dashboardBase;
        this.firstBackoff = firstBackoff;
        this.session = Session.getInstance(properties(options));
    }

    @Override
    public String type() {
        return "email";
    }

    /** Sends {@code alert}, retrying as the class says; never throws for a failed delivery. */
    @Override
    public Result send(Alert alert) throws InterruptedException {
        MimeMessage message;
        try {
            message = message(alert);
        } catch (MessagingException e) {
            return new Result(false, 0, 0, "could not write the message: " + e.getMessage());
        }
        Duration backoff = firstBackoff;
        int lastStatus = 0;
        String error = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            SMTPTransport transport = null;
            try {
                transport = (SMTPTransport) session.getTransport("smtp");
                transport.connect(options.host(), options.port(), options.username(), options.password());
                transport.sendMessage(message, to);
                return new Result(true, attempt, transport.getLastReturnCode(), null);
            } catch (MessagingException e) {
                Failure failure = Failure.of(e, transport);
                lastStatus = failure.replyCode();
                error = failure.description();
                if (!failure.retryable()) {
                    return new Result(false, attempt, lastStatus, error);
                }
            } finally {
                close(transport);
            }
            if (attempt < MAX_ATTEMPTS) {
                Thread.sleep(min(backoff, MAX_WAIT).toMillis());
                backoff = min(backoff.multipliedBy(2), MAX_WAIT);
            }
        }
        return new Result(false, MAX_ATTEMPTS, lastStatus, error);
    }

    /**
     * Why an attempt failed and whether another may succeed.
     *
     * @param replyCode the SMTP reply code of the refusal, 0 when the server gave none
     */
    private record Failure(int replyCode, boolean retryable, String description) {
        static Failure of(MessagingException failure, SMTPTransport transport) {
            int replyCode = replyCode(failure, transport);
            String reason = AlertText.abbreviate(messages(failure));
            if (replyCode >= 400) {
                return new Failure(replyCode, replyCode < 500, "answered " + replyCode + ": " + reason);
            }
            if (has(failure, CertificateException.class)) {
                return new Failure(0, false, "certificate refused: " + reason);
            }
            // -1 is Angus's code for a connection closed before the reply: the server went away.
            boolean connectionLost = transport != null && transport.getLastReturnCode() == -1;
            if (has(failure, IOException.class) || connectionLost) {
                return new Failure(0, true, "no answer: " + reason);
            }
            if (failure instanceof AuthenticationFailedException) {
                return new Failure(0, false, "login refused: " + reason);
            }
            return new Failure(0, false, "refused: " + reason);
        }

        /**
         * The code of the reply that refused: a refused sender, recipient or message carries its
         * own; the transport's last code counts only if it is a refusal (after a refused RCPT it
         * has sent RSET, whose 250 says nothing).
         */
        private static int replyCode(MessagingException failure, SMTPTransport transport) {
            for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
                int code = switch (cause) {
                    case SMTPAddressFailedException refused -> refused.getReturnCode();
                    case SMTPSenderFailedException refused -> refused.getReturnCode();
                    case SMTPSendFailedException refused -> refused.getReturnCode();
                    default -> 0;
                };
                if (code >= 400) {
                    return code;
                }
            }
            int last = transport == null ? 0 : transport.getLastReturnCode();
            return last >= 400 && last < 600 ? last : 0;
        }

        /** Each distinct message along the chain of causes, e.g. "Couldn't connect to host...: Connection refused". */
        private static String messages(Throwable failure) {
            List<String> messages = new ArrayList<>();
            for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
                String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage().strip();
                if (messages.stream().noneMatch(seen -> seen.contains(message))) {
                    messages.add(message);
                }
            }
            return String.join(": ", messages);
        }

        private static boolean has(Throwable failure, Class<? extends Throwable> type) {
            for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
                if (type.isInstance(cause)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The email for {@code alert}, written once and sent as is on every attempt. */
    MimeMessage message(Alert alert) throws MessagingException {
        MimeMessage message = new MimeMessage(session);
        message.setFrom(from);
        message.setRecipients(Message.RecipientType.TO, to);
        // A rule's name is the admin's text: a line break in it must not start a header of its own.
        message.setSubject(oneLine(AlertText.title(alert)), "UTF-8");
        message.setSentDate(new Date(alert.at()));
        // RFC 3834: an automatic message, so vacation responders do not answer the alert.
        message.setHeader("Auto-Submitted", "auto-generated");
        message.setText(body(alert), "UTF-8");
        message.saveChanges();
        return message;
    }

    /** The plain-text body: what fired, how often over which window, the sample event, the link. */
    String body(Alert alert) {
        AlertRule rule = alert.rule();
        StringBuilder body = new StringBuilder();
        body.append(AlertText.title(alert)).append("\n\n");
        body.append("Rule:        ").append(rule.name()).append(" (").append(kindName(rule.kind())).append(")\n");
        switch (alert.type()) {
            case FIRED -> body.append("Events:      ").append(alert.count()).append(" in ")
                    .append(AlertText.describe(rule.window())).append('\n');
            case SUMMARY -> body.append("Suppressed:  ").append(alert.count()).append(" more in the last ")
                    .append(AlertText.describe(rule.suppress())).append(" (window ")
                    .append(AlertText.describe(rule.window())).append(")\n");
        }
        body.append("Group:       ").append(alert.group()).append('\n');
        body.append("At:          ").append(Instant.ofEpochMilli(alert.at())).append('\n');
        LogEvent sample = alert.sample();
        if (sample != null) {
            body.append("\nLatest event\n");
            body.append("Level:       ").append(sample.level().name().toLowerCase(Locale.ROOT)).append('\n');
            if (sample.fingerprint() != null) {
                body.append("Fingerprint: ").append(sample.fingerprint()).append('\n');
            }
            body.append("Message:\n").append(AlertText.abbreviate(sample.message()).indent(2));
        }
        body.append("\nShow the events: ").append(AlertText.link(dashboardBase, alert)).append('\n');
        return body.toString();
    }

    /** Angus Mail's properties for {@code options}; see the package docs of org.eclipse.angus.mail.smtp. */
    private static Properties properties(Options options) {
        Properties properties = new Properties();
        properties.setProperty("mail.smtp.connectiontimeout", Long.toString(options.connectTimeout().toMillis()));
        properties.setProperty("mail.smtp.timeout", Long.toString(options.readTimeout().toMillis()));
        properties.setProperty("mail.smtp.writetimeout", Long.toString(options.writeTimeout().toMillis()));
        properties.setProperty("mail.smtp.auth", Boolean.toString(options.username() != null));
        switch (options.security()) {
            case NONE -> { }
            case STARTTLS -> {
                properties.setProperty("mail.smtp.starttls.enable", "true");
                // Without this Angus would carry on in plain text, password included, when the offer is missing.
                properties.setProperty("mail.smtp.starttls.required", "true");
            }
            case TLS -> properties.setProperty("mail.smtp.ssl.enable", "true");
        }
        if (options.trustedHost() != null) {
            properties.setProperty("mail.smtp.ssl.trust", options.trustedHost());
            // A trusted host's certificate is taken as it is, whatever names it carries.
            properties.setProperty("mail.smtp.ssl.checkserveridentity", "false");
        } else {
            properties.setProperty("mail.smtp.ssl.checkserveridentity", "true");
        }
        return properties;
    }

    /** {@code address} checked strictly (RFC 822 syntax, a domain), or why not, naming {@code field}. */
    private static InternetAddress parseAddress(String field, String address) {
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException(field + ": an email address is missing");
        }
        try {
            InternetAddress parsed = new InternetAddress(address, true);
            parsed.validate();
            return parsed;
        } catch (AddressException e) {
            throw new IllegalArgumentException(field + ": not an email address: " + address + " (" + e.getMessage() + ")");
        }
    }

    private static String kindName(AlertRule.Kind kind) {
        return kind.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    private static String oneLine(String text) {
        return text.replaceAll("[\\r\\n\\t]+", " ");
    }

    private static void close(Transport transport) {
        if (transport == null) {
            return;
        }
        try {
            transport.close();
        } catch (MessagingException e) {
            // the message went or did not; a failed QUIT changes neither
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
