package io.larch.testing;

import io.larch.config.LarchConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.options.PutOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;
import org.jclouds.rest.AuthorizationException;

/**
 * A real S3 server in the test JVM: s3proxy on a free loopback port over jclouds' filesystem
 * blobstore in a temporary directory, with one bucket. Two identities: {@link #WRITE} may do
 * anything, {@link #READ} may only read (its writes are answered 403 AccessDenied), like a pair
 * of least-privilege R2 tokens.
 *
 * <pre>
 * try (S3Server s3 = S3Server.startNew()) {
 *     ObjectStore store = new S3ObjectStore(s3.bucket("larch/"), RetryPolicy.DEFAULT);
 *     s3.stop();  // "S3 is down": connections are refused
 *     s3.start(); // back, on the same port, with the same objects
 * }
 * </pre>
 *
 * <p>{@link #putCount()} counts PutObject calls that reached the store, so a test can prove an
 * upload did not happen; {@link #overwriteBytes} changes an object's bytes behind S3's back
 * (its stored ETag stays), as a damaged disk would.
 */
public final class S3Server implements AutoCloseable {
    public static final LarchConfig.S3Credentials WRITE = new LarchConfig.S3Credentials("larch-writer", "writer-secret-0123456789");
    public static final LarchConfig.S3Credentials READ = new LarchConfig.S3Credentials("larch-reader", "reader-secret-0123456789");
    public static final String BUCKET = "larch-test";

    private final Path baseDir;
    private final int port;
    private final BlobStoreContext context;
    private final CountingBlobStore writable;
    private final BlobStore readOnly;
    /** The running server; null while stopped. Guarded by this. */
    private S3Proxy proxy;

    private S3Server(Path baseDir, int port) {
        this.baseDir = baseDir;
        this.port = port;
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", baseDir.toString());
        this.context = ContextBuilder.newBuilder("filesystem").overrides(properties).build(BlobStoreContext.class);
        this.writable = new CountingBlobStore(context.getBlobStore());
        this.readOnly = new ReadOnlyBlobStore(context.getBlobStore());
        writable.createContainerInLocation(null, BUCKET);
    }

    /** Starts a server with an empty bucket {@link #BUCKET} on a free port of 127.0.0.1. */
    public static S3Server startNew() {
        try {
            S3Server server = new S3Server(Files.createTempDirectory("larch-s3"), freePort());
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server again after {@link #stop}, on the same port with the same objects. */
    public synchronized void start() {
        if (proxy != null) {
            return;
        }
        S3Proxy next = S3Proxy.builder()
                .blobStore(writable)
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, WRITE.accessKeyId(), WRITE.secretAccessKey())
                .jettyMaxThreads(24)
                .build();
        next.setBlobStoreLocator((identity, container, blob) -> {
            if (WRITE.accessKeyId().equals(identity)) {
                return Map.entry(WRITE.secretAccessKey(), writable);
            }
            if (READ.accessKeyId().equals(identity)) {
                return Map.entry(READ.secretAccessKey(), readOnly);
            }
            return null;
        });
        try {
            next.start();
            while (!"STARTED".equals(next.getState())) {
                Thread.sleep(5);
            }
        } catch (Exception e) {
            throw new IllegalStateException("s3proxy did not start on port " + port, e);
        }
        proxy = next;
    }

    /** Stops serving: new connections are refused until {@link #start}. The objects stay. */
    public synchronized void stop() {
        if (proxy == null) {
            return;
        }
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("s3proxy did not stop", e);
        }
        proxy = null;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The bucket settings for a store with the write identity for both sides; {@code prefix} empty or ending in /. */
    public LarchConfig.S3 bucket(String prefix) {
        return new LarchConfig.S3(BUCKET, Optional.of(endpoint()), "us-east-1", true, prefix, WRITE, Optional.empty());
    }

    /** The bucket settings with separate read credentials. */
    public LarchConfig.S3 bucket(String prefix, LarchConfig.S3Credentials read) {
        return new LarchConfig.S3(BUCKET, Optional.of(endpoint()), "us-east-1", true, prefix, WRITE, Optional.of(read));
    }

    /** PutObject calls that reached the store since start. */
    public int putCount() {
        return writable.puts.get();
    }

    /** Replaces the bytes of the object under {@code bucketKey} (prefix included) in place, keeping its stored ETag. */
    public void overwriteBytes(String bucketKey, byte[] bytes) {
        Path file = baseDir.resolve(BUCKET).resolve(bucketKey);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no object " + bucketKey + " at " + file);
        }
        try {
            // TRUNCATE_EXISTING keeps the inode, so the MD5 kept in its extended attributes stays.
            Files.write(file, bytes, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether anything is stored under {@code bucketKey}, as a file in the blobstore's directory. */
    public boolean holds(String bucketKey) {
        return Files.isRegularFile(baseDir.resolve(BUCKET).resolve(bucketKey));
    }

    @Override
    public void close() {
        stop();
        context.close();
        try (Stream<Path> files = Files.walk(baseDir)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    /** The writer's view: everything, with PutObject counted. */
    private static final class CountingBlobStore extends ForwardingBlobStore {
        final AtomicInteger puts = new AtomicInteger();

        CountingBlobStore(BlobStore delegate) {
            super(delegate);
        }

        @Override
        public String putBlob(String container, Blob blob) {
            puts.incrementAndGet();
            return super.putBlob(container, blob);
        }

        @Override
        public String putBlob(String container, Blob blob, PutOptions options) {
            puts.incrementAndGet();
            return super.putBlob(container, blob, options);
        }
    }

    /** The reader's view: writes are refused, which s3proxy answers 403 AccessDenied. */
    private static final class ReadOnlyBlobStore extends ForwardingBlobStore {
        ReadOnlyBlobStore(BlobStore delegate) {
            super(delegate);
        }

        @Override
        public String putBlob(String container, Blob blob) {
            throw new AuthorizationException("read-only identity");
        }

        @Override
        public String putBlob(String container, Blob blob, PutOptions options) {
            throw new AuthorizationException("read-only identity");
        }

        @Override
        public void removeBlob(String container, String name) {
            throw new AuthorizationException("read-only identity");
        }
    }
}
