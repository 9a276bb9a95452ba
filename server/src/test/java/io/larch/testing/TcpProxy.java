package io.larch.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP forwarder on 127.0.0.1 to a real server, whose open connections a test can cut at once
 * ({@link #cutAll()}), as a network drop would, while it keeps accepting new ones.
 */
public final class TcpProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    /** Sockets of the open connections, both sides. Guarded by {@code this}. */
    private final List<Socket> open = new ArrayList<>();
    private volatile int targetPortOverride = -1;

    public TcpProxy(int targetPort) {
        this.targetPort = targetPort;
        try {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().name("proxy-accept").start(this::acceptLoop);
    }

    public int port() {
        return listener.getLocalPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** New connections go to {@code port} from now on (a server started again elsewhere). */
    public void retarget(int port) {
        targetPortOverride = port;
    }

    /** Closes every open connection, both sides; the proxy keeps accepting. Returns how many were cut. */
    public synchronized int cutAll() {
        int cut = 0;
        for (Socket socket : open) {
            try {
                socket.close();
                cut++;
            } catch (IOException ignored) {
                // closed already
            }
        }
        open.clear();
        return cut / 2;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket upstream = new Socket();
                try {
                    int port = targetPortOverride > 0 ? targetPortOverride : targetPort;
                    upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
                } catch (IOException refused) {
                    client.close();
                    continue;
                }
                synchronized (this) {
                    open.add(client);
                    open.add(upstream);
                }
                Thread.ofVirtual().start(() -> pump(client, upstream));
                Thread.ofVirtual().start(() -> pump(upstream, client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        byte[] buffer = new byte[8192];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // one side closed or was cut
        } finally {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // closed already
            }
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closed already
        }
        cutAll();
    }
}
