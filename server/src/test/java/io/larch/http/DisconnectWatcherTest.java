package io.larch.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Lines of the kernel's socket tables read as whole connections, not as port pairs. */
class DisconnectWatcherTest {
    @Test
    void socketTableAddressesAreReadWithTheirHosts() throws Exception {
        check("0100007F:1F90", "0100007F:C350", "127.0.0.1", 8080, "127.0.0.1", 50000);
        check("0100007F:1F90", "0A01A8C0:C350", "127.0.0.1", 8080, "192.168.1.10", 50000);
        check("0000000000000000FFFF00000100007F:1F90", "0000000000000000FFFF00000100007F:D431",
                "127.0.0.1", 8080, "127.0.0.1", 54321);
        check("00000000000000000000000001000000:1F90", "00000000000000000000000001000000:D431", "::1", 8080, "::1", 54321);
    }

    @Test
    void theSameRemotePortOnAnotherHostIsAnotherConnection() throws Exception {
        assertNotEquals(DisconnectWatcher.connection("0100007F:1F90", "0A01A8C0:C350"),
                DisconnectWatcher.connection("0100007F:1F90", "0B01A8C0:C350"));
    }

    private static void check(String local, String remote, String localHost, int localPort, String remoteHost,
                              int remotePort) throws Exception {
        assertEquals(new DisconnectWatcher.Connection(InetAddress.getByName(localHost), localPort,
                InetAddress.getByName(remoteHost), remotePort), DisconnectWatcher.connection(local, remote),
                local + " " + remote);
    }
}
