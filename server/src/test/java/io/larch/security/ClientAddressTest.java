package io.larch.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClientAddressTest {
    private final TrustedProxies proxies = TrustedProxies.parse("10.0.0.0/8, 192.168.1.7, fd00::/8");

    private void check(String peer, String forwardedFor, String client) {
        assertEquals(client, ClientAddress.resolve(peer, forwardedFor, proxies), peer + " / " + forwardedFor);
    }

    @Test
    void forwardedForIsBelievedOnlyFromATrustedPeer() {
        check("203.0.113.5", "198.51.100.1", "203.0.113.5");
        check("203.0.113.5", null, "203.0.113.5");
        check("10.1.2.3", null, "10.1.2.3");
        check("10.1.2.3", "198.51.100.1", "198.51.100.1");
        check("192.168.1.7", "198.51.100.1", "198.51.100.1");
        check("192.168.1.8", "198.51.100.1", "192.168.1.8");
        check("fd12::1", "2001:db8::5", "2001:db8::5");
        check("fe80::1", "2001:db8::5", "fe80::1");
    }

    @Test
    void theRightmostUntrustedHopIsTheClient() {
        check("10.0.0.1", "1.1.1.1, 198.51.100.1, 10.0.0.2", "198.51.100.1");
        check("10.0.0.1", "spoofed, 198.51.100.1", "198.51.100.1");
        check("10.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3");
        check("10.0.0.1", "garbage", "10.0.0.1");
        check("10.0.0.1", "198.51.100.1, garbage", "10.0.0.1");
        check("10.0.0.1", "999.1.1.1", "10.0.0.1");
        check("10.0.0.1", "example.com", "10.0.0.1");
        check("10.0.0.1", "", "10.0.0.1");
        check("10.0.0.1", "[2001:db8::9]", "[2001:db8::9]");
    }

    @Test
    void nothingIsTrustedByDefault() {
        assertEquals("203.0.113.5", ClientAddress.resolve("203.0.113.5", "1.2.3.4", TrustedProxies.NONE));
        assertEquals("10.0.0.1", ClientAddress.resolve("10.0.0.1", "1.2.3.4", TrustedProxies.parse("")));
    }

    @Test
    void cidrEdges() {
        TrustedProxies narrow = TrustedProxies.parse("192.168.4.0/22, 0.0.0.0/0");
        assertTrue(narrow.contains("192.168.7.255") && narrow.contains("8.8.8.8"));
        TrustedProxies exact = TrustedProxies.parse("192.168.4.0/22");
        assertTrue(exact.contains("192.168.4.0") && exact.contains("192.168.7.255"));
        assertTrue(!exact.contains("192.168.8.0") && !exact.contains("192.168.3.255"));
        assertTrue(!exact.contains("::ffff:1:1") && !exact.contains("nonsense"));
    }

    @Test
    void badEntriesAreRefusedByName() {
        for (String bad : new String[] {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0/8", "proxy.internal", "256.0.0.1", "fd00::/129",
                "10.0.0.0/8/8", "10.0.0.0/x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void ipv6ClientsAreLimitedPerSlash64() {
        assertEquals("2001:db8:1:2::/64", ClientAddress.rateLimitKey("2001:db8:1:2:aaaa::1"));
        assertEquals("2001:db8:1:2::/64", ClientAddress.rateLimitKey("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assertEquals("2001:db8:1:3::/64", ClientAddress.rateLimitKey("2001:db8:1:3::1"));
        assertEquals("203.0.113.5", ClientAddress.rateLimitKey("203.0.113.5"));
        assertEquals("not:an:address:zz", ClientAddress.rateLimitKey("not:an:address:zz"));
    }
}
