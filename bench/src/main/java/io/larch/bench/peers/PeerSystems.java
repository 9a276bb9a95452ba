package io.larch.bench.peers;

import java.net.ServerSocket;
import java.nio.file.Path;

/** Starts a peer by name. */
public final class PeerSystems {
    private PeerSystems() {
    }

    public static PeerSystem start(String name, Path larchJar, Path dir, String openSearchHeap) throws Exception {
        return switch (name) {
            case "larch" -> new LarchPeer(larchJar, dir);
            case "opensearch" -> {
                try {
                    Class.forName("org.codelibs.opensearch.runner.OpenSearchRunner");
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException("OpenSearch is not on the classpath: run the peers benchmark with "
                            + "'./larch bench peers', which builds with the peers Maven profile");
                }
                yield new OpenSearchPeer(dir, freePort(), openSearchHeap);
            }
            case "postgresql" -> new PostgresPeer(dir, freePort());
            default -> throw new IllegalArgumentException("unknown system '" + name + "'; use larch, opensearch, postgresql");
        };
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
