package io.larch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class MaskingFingerprinterTest {
    private final MaskingFingerprinter fingerprinter = new MaskingFingerprinter();

    private static void check(String message, String template) {
        assertEquals(template, MaskingFingerprinter.template(message), "template of '" + message + "'");
    }

    private void same(String a, String b) {
        assertEquals(fingerprinter.fingerprint(1, "svc", a, null), fingerprinter.fingerprint(1, "svc", b, null),
                "'" + a + "' and '" + b + "' should group");
    }

    private void different(String a, String b) {
        assertNotEquals(fingerprinter.fingerprint(1, "svc", a, null), fingerprinter.fingerprint(1, "svc", b, null),
                "'" + a + "' and '" + b + "' should not group");
    }

    @Test
    void masksVariableParts() {
        check("order 123 failed", "order <num> failed");
        check("took 12.5ms", "took <num>ms");
        check("user 550e8400-e29b-41d4-a716-446655440000 logged in", "user <uuid> logged in");
        check("connect to 10.0.0.12:5432 refused", "connect to <ip> refused");
        check("from 2001:db8::ff00:42:8329 ok", "from <ip> ok");
        check("mail to bob@example.com bounced", "mail to <email> bounced");
        check("GET https://api.example.com/v1/users?id=7 failed", "GET <url> failed");
        check("open /var/log/app/current.log: denied", "open <path>: denied");
        check("commit 9fceb02d0ae598e95dc970b74767f19372d61af8 pushed", "commit <hex> pushed");
        check("value 0x7ffe3a is bad", "value <hex> is bad");
        check("user \"alice smith\" not found", "user \"*\" not found");
        check("key 'abc' missing", "key '*' missing");
        check("retry=3 host=db-1", "retry=<num> host=db-<num>");
        check("request_id=0af7651916cd43dd8448eb211c80319c done", "request_id=<hex> done");
        check("  spaces   collapse  ", "spaces collapse");
    }

    @Test
    void keepsOrdinaryWords() {
        check("payment declined by issuer", "payment declined by issuer");
        check("cafe facade accepted", "cafe facade accepted");
        check("it's fine", "it's fine");
    }

    @Test
    void groupsMessagesThatDifferOnlyInVariables() {
        same("order 123 failed", "order 124 failed");
        same("user 42 not found in tenant 7", "user 9 not found in tenant 1000");
        same("timeout after 30s calling 10.1.2.3:443", "timeout after 5s calling 192.168.0.1:8443");
        same("deleted '/tmp/a' and 'b'", "deleted '/var/x' and 'zzz'");
        different("order 123 failed", "order 123 shipped");
        different("user not found", "user found");
    }

    @Test
    void sourceAndStackFramesCountButLineNumbersDoNot() {
        String stackA = "java.lang.IllegalStateException: boom\n\tat com.shop.Cart.add(Cart.java:42)\n\tat com.shop.Api.post(Api.java:10)";
        String stackB = "java.lang.IllegalStateException: boom\n\tat com.shop.Cart.add(Cart.java:57)\n\tat com.shop.Api.post(Api.java:11)";
        String stackC = "java.lang.IllegalStateException: boom\n\tat com.shop.Order.place(Order.java:42)";
        assertEquals(fingerprinter.fingerprint(1, "api", "boom", stackA), fingerprinter.fingerprint(1, "api", "boom", stackB));
        assertNotEquals(fingerprinter.fingerprint(1, "api", "boom", stackA), fingerprinter.fingerprint(1, "api", "boom", stackC));
        assertNotEquals(fingerprinter.fingerprint(1, "api", "boom", null), fingerprinter.fingerprint(1, "worker", "boom", null));
        assertEquals(fingerprinter.fingerprint(1, null, "boom", null), fingerprinter.fingerprint(1, "", "boom", null));
    }

    @Test
    void fingerprintIsHexSha1() {
        assertEquals(40, fingerprinter.fingerprint(1, "svc", "x", null).length());
    }
}
