package io.larch.alert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Deliveries to real SMTP servers on loopback: GreenMail (plain SMTP, SMTP with login, SMTPS
 * with its own certificate), a port nobody listens on, and a scripted server for the replies
 * GreenMail never gives (4xx, a refused recipient).
 */
class EmailNotifierTest {
    private static final String FROM = "Larch <alerts@larch.example>";
    private static final List<String> TO = List.of("oncall@shop.example", "lead@shop.example");
    private static final Duration TINY_BACKOFF = Duration.ofMillis(10);

    private final List<GreenMail> servers = new CopyOnWriteArrayList<>();
    private final List<ServerSocket> scripted = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws IOException {
        servers.forEach(GreenMail::stop);
        for (ServerSocket socket : scripted) {
            socket.close();
        }
    }

    /** A GreenMail server of {@code protocol} on 127.0.0.1 and a free port, started. */
    private GreenMail greenMail(String protocol) {
        GreenMail server = new GreenMail(new ServerSetup(0, "127.0.0.1", protocol));
        server.start();
        servers.add(server);
        return server;
    }

    private static int port(GreenMail server) {
        return server.getSmtp() != null ? server.getSmtp().getPort() : server.getSmtps().getPort();
    }

    private static EmailNotifier.Options options(int port, EmailNotifier.Security security) {
        return EmailNotifier.Options.of("127.0.0.1", port, security, FROM)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    private static EmailNotifier notifier(EmailNotifier.Options options) {
        return new EmailNotifier(options, TO, "http://larch.example", TINY_BACKOFF);
    }

    private static Alert alert(String ruleName, String message) {
        AlertRule rule = AlertRule.of(7, 3, ruleName, AlertRule.Kind.SPIKE, 5, 0, Duration.ofSeconds(60), null, null, null);
        LogEvent sample = new LogEvent(42, 0, 0, 3, Kind.APP, Level.ERROR, message, "api", null,
                "fp-123", null, null, null, null, null, null, Map.of());
        return new Alert(rule, Alert.Type.FIRED, "fp-123", 5, sample, 1_764_756_000_000L);
    }

    private static Alert alert() {
        return alert("checkout errors", "order 17 failed: card declined");
    }

    @Test
    void aDeliveredAlertHasTheTitleTheRecipientsTheCountTheSampleAndTheLink() throws Exception {
        GreenMail server = greenMail(ServerSetup.PROTOCOL_SMTP);
        Notifier.Result delivery = notifier(options(port(server), EmailNotifier.Security.NONE)).send(alert());

        assertEquals(new Notifier.Result(true, 1, 250, null), delivery);
        assertTrue(server.waitForIncomingEmail(5_000, TO.size()), "one copy per recipient");
        MimeMessage received = server.getReceivedMessages()[0];
        assertEquals("checkout errors: 5 events in 1 min", received.getSubject());
        assertEquals("alerts@larch.example", received.getFrom()[0].toString().replaceAll(".*<|>", ""));
        assertArrayEquals(TO.toArray(), Arrays.stream(received.getRecipients(Message.RecipientType.TO))
                .map(Address::toString).toArray());
        assertEquals("auto-generated", received.getHeader("Auto-Submitted")[0]);
        String body = (String) received.getContent();
        assertTrue(body.contains("Events:      5 in 1 min"), body);
        assertTrue(body.contains("order 17 failed: card declined"), body);
        assertTrue(body.contains("Fingerprint: fp-123"), body);
        assertTrue(body.contains("Level:       error"), body);
        assertTrue(body.contains("http://larch.example/?project=3&q=fingerprint%3Afp-123&from="), body);
    }

    @Test
    void aLineBreakInTheRuleNameStartsNoHeaderAndALongSampleIsCut() throws Exception {
        GreenMail server = greenMail(ServerSetup.PROTOCOL_SMTP);
        Alert alert = alert("checkout\r\nBcc: attacker@evil.example", "x".repeat(5_000));
        assertTrue(notifier(options(port(server), EmailNotifier.Security.NONE)).send(alert).delivered());

        assertTrue(server.waitForIncomingEmail(5_000, TO.size()));
        MimeMessage received = server.getReceivedMessages()[0];
        assertEquals("checkout Bcc: attacker@evil.example: 5 events in 1 min", received.getSubject());
        assertNull(received.getHeader("Bcc"));
        assertEquals(TO.size(), server.getReceivedMessages().length, "nobody else got it");
        String body = (String) received.getContent();
        assertTrue(body.contains("x".repeat(AlertText.MAX_SAMPLE)), "the sample's first 1000 characters");
        assertFalse(body.contains("x".repeat(AlertText.MAX_SAMPLE + 1)), "and no more");
    }

    @Test
    void theRightPasswordDeliversAndAWrongOneIsRefusedAtOnce() throws Exception {
        GreenMail server = greenMail(ServerSetup.PROTOCOL_SMTP);
        server.setUser("alerts@larch.example", "alerts", "s3cret");

        Notifier.Result right = notifier(options(port(server), EmailNotifier.Security.NONE).withLogin("alerts", "s3cret"))
                .send(alert());
        assertTrue(right.delivered(), right.toString());
        assertTrue(server.waitForIncomingEmail(5_000, TO.size()));

        Notifier.Result wrong = notifier(options(port(server), EmailNotifier.Security.NONE).withLogin("alerts", "guess"))
                .send(alert());
        assertFalse(wrong.delivered());
        assertEquals(1, wrong.attempts(), "bad credentials are not tried again");
        assertEquals(535, wrong.lastStatus());
        assertTrue(wrong.error().startsWith("answered 535"), wrong.error());
        assertEquals(TO.size(), server.getReceivedMessages().length, "nothing more arrived");
    }

    @Test
    void smtpsDeliversToATrustedHostAndRefusesAnUntrustedCertificate() throws Exception {
        GreenMail server = greenMail(ServerSetup.PROTOCOL_SMTPS);
        EmailNotifier.Options tls = options(port(server), EmailNotifier.Security.TLS);

        Notifier.Result trusted = notifier(tls.withTrustedHost("127.0.0.1")).send(alert());
        assertTrue(trusted.delivered(), trusted.toString());
        assertTrue(server.waitForIncomingEmail(5_000, TO.size()));
        assertEquals("checkout errors: 5 events in 1 min", server.getReceivedMessages()[0].getSubject());

        // By default GreenMail's self-signed certificate fails the JVM's checks, and that is final.
        Notifier.Result checked = notifier(tls).send(alert());
        assertFalse(checked.delivered());
        assertEquals(1, checked.attempts(), checked.toString());
        assertTrue(checked.error().startsWith("certificate refused"), checked.error());
    }

    @Test
    void aServerThatIsDownIsTriedFiveTimesQuickly() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        long started = System.nanoTime();
        Notifier.Result delivery = notifier(options(closedPort, EmailNotifier.Security.NONE)).send(alert());

        assertFalse(delivery.delivered());
        assertEquals(EmailNotifier.MAX_ATTEMPTS, delivery.attempts());
        assertEquals(0, delivery.lastStatus());
        assertTrue(delivery.error().startsWith("no answer") && delivery.error().contains("Connection refused"),
                delivery.error());
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(5), "backoff 10+20+40+80 ms, no timeouts");
    }

    @Test
    void starttlsRequiredIsRefusedByAServerThatDoesNotOfferIt() throws Exception {
        // GreenMail's SMTP does not offer STARTTLS in its EHLO answer.
        GreenMail server = greenMail(ServerSetup.PROTOCOL_SMTP);
        Notifier.Result delivery = notifier(options(port(server), EmailNotifier.Security.STARTTLS)
                .withLogin("alerts", "s3cret")).send(alert());

        assertFalse(delivery.delivered());
        assertEquals(1, delivery.attempts(), "a missing STARTTLS does not appear by trying again");
        assertTrue(delivery.error().contains("STARTTLS is required"), delivery.error());
        assertEquals(0, server.getReceivedMessages().length, "nothing went in plain text");
    }

    @Test
    void aBusyServerIsTriedAgainAndARefusedRecipientIsFinal() throws Exception {
        int[] busyThenFine = {0};
        int port = scriptedServer(command -> command.startsWith("MAIL") && busyThenFine[0]++ == 0
                ? "451 4.3.2 try again later" : null);
        Notifier.Result retried = notifier(options(port, EmailNotifier.Security.NONE)).send(alert());
        assertEquals(new Notifier.Result(true, 2, 250, null), retried);

        int refusing = scriptedServer(command -> command.startsWith("RCPT") ? "550 5.1.1 no such user" : null);
        Notifier.Result refused = notifier(options(refusing, EmailNotifier.Security.NONE)).send(alert());
        assertFalse(refused.delivered());
        assertEquals(1, refused.attempts());
        assertEquals(550, refused.lastStatus());
        assertTrue(refused.error().contains("no such user"), refused.error());

        int alwaysBusy = scriptedServer(command -> command.startsWith("DATA") ? "452 4.3.1 out of storage" : null);
        Notifier.Result gaveUp = notifier(options(alwaysBusy, EmailNotifier.Security.NONE)).send(alert());
        assertFalse(gaveUp.delivered());
        assertEquals(EmailNotifier.MAX_ATTEMPTS, gaveUp.attempts());
        assertEquals(452, gaveUp.lastStatus());
    }

    @Test
    void badOptionsNameTheirField() {
        EmailNotifier.Options fine = options(25, EmailNotifier.Security.NONE);
        Function<Runnable, String> message = make -> assertThrows(IllegalArgumentException.class, make::run).getMessage();

        assertTrue(message.apply(() -> new EmailNotifier(fine, List.of(), "http://x", TINY_BACKOFF)).startsWith("to: "));
        assertTrue(message.apply(() -> new EmailNotifier(fine, List.of("oncall"), "http://x", TINY_BACKOFF))
                .startsWith("to: "));
        assertTrue(message.apply(() -> new EmailNotifier(fine, List.of("a@x.example, b@x.example"), "http://x",
                TINY_BACKOFF)).startsWith("to: "), "one address per entry");
        assertTrue(message.apply(() -> EmailNotifier.Options.of("127.0.0.1", 25, EmailNotifier.Security.NONE, "larch @x"))
                .startsWith("from: "));
        assertTrue(message.apply(() -> EmailNotifier.Options.of("127.0.0.1", 25, EmailNotifier.Security.NONE, null))
                .startsWith("from: "));
        assertTrue(message.apply(() -> EmailNotifier.Options.of("", 25, EmailNotifier.Security.NONE, FROM))
                .startsWith("host: "));
        assertTrue(message.apply(() -> EmailNotifier.Options.of("127.0.0.1", 0, EmailNotifier.Security.NONE, FROM))
                .startsWith("port: "));
        assertTrue(message.apply(() -> fine.withLogin(null, "s3cret")).startsWith("password: "));
        assertTrue(message.apply(() -> fine.withTimeouts(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .startsWith("connectTimeout: "));
        assertFalse(fine.withLogin("alerts", "s3cret").toString().contains("s3cret"), "options can be logged");
        assertEquals("email", notifier(fine).type());
    }

    /**
     * An SMTP server on loopback that accepts everything except where {@code refusal} answers a
     * command (the line the client sent) with a reply of its own; returns its port.
     */
    private int scriptedServer(Function<String, String> refusal) throws IOException {
        ServerSocket listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        scripted.add(listener);
        Thread.ofVirtual().start(() -> {
            while (!listener.isClosed()) {
                try (Socket client = listener.accept()) {
                    converse(client, refusal);
                } catch (IOException e) {
                    // listener closed at the end of the test, or the client hung up
                }
            }
        });
        return listener.getLocalPort();
    }

    private static void converse(Socket client, Function<String, String> refusal) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
        PrintWriter out = new PrintWriter(client.getOutputStream(), true, StandardCharsets.US_ASCII);
        out.print("220 scripted ESMTP\r\n");
        out.flush();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String command = line.toUpperCase(java.util.Locale.ROOT);
            String refused = refusal.apply(command);
            if (refused != null) {
                out.print(refused + "\r\n");
            } else if (command.startsWith("EHLO") || command.startsWith("HELO")) {
                out.print("250 scripted\r\n");
            } else if (command.startsWith("DATA")) {
                out.print("354 go ahead\r\n");
                out.flush();
                for (String data = in.readLine(); data != null && !data.equals("."); data = in.readLine()) {
                    // the message itself is not looked at here; GreenMail's tests read it
                }
                out.print("250 2.0.0 queued\r\n");
            } else if (command.startsWith("QUIT")) {
                out.print("221 bye\r\n");
                out.flush();
                return;
            } else {
                out.print("250 ok\r\n");
            }
            out.flush();
        }
    }
}
