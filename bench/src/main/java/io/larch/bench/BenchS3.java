package io.larch.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/** s3proxy in the bench JVM on a free loopback port, over jclouds' filesystem blobstore in a directory. */
final class BenchS3 implements AutoCloseable {
    static final String BUCKET = "larch-bench";
    static final String ACCESS_KEY_ID = "bench-writer";
    static final String SECRET_ACCESS_KEY = "bench-writer-secret-0123456789";

    private final BlobStoreContext context;
    private final S3Proxy proxy;
    private final int port;

    private BenchS3(Path baseDir) throws Exception {
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", baseDir.toString());
        context = ContextBuilder.newBuilder("filesystem").overrides(properties).build(BlobStoreContext.class);
        context.getBlobStore().createContainerInLocation(null, BUCKET);
        port = freePort();
        proxy = S3Proxy.builder().blobStore(context.getBlobStore()).endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY_ID, SECRET_ACCESS_KEY)
                .jettyMaxThreads(24).build();
        proxy.start();
        while (!"STARTED".equals(proxy.getState())) {
            Thread.sleep(5);
        }
    }

    /** Starts a server with the empty bucket {@link #BUCKET}, storing objects under {@code baseDir}. */
    static BenchS3 start(Path baseDir) throws Exception {
        return new BenchS3(baseDir);
    }

    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        context.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
