package io.larch.objectstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.config.LarchConfig;
import io.larch.testing.S3Server;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract against a real S3 server (s3proxy on 127.0.0.1), then what only S3 has: outages, two key pairs, ETags. */
class S3ObjectStoreTest extends ObjectStoreContract {
    /** Fast retries so an outage costs a test well under a second. */
    static final RetryPolicy FAST = new RetryPolicy(4, Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofSeconds(3));
    static final AtomicInteger TESTS = new AtomicInteger();
    static S3Server s3;
    /** Each test has its own folder in the bucket, so it starts empty. */
    String prefix;

    @BeforeAll
    static void startS3() {
        s3 = S3Server.startNew();
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @Override
    ObjectStore openStore() {
        s3.start();
        prefix = "t" + TESTS.incrementAndGet() + "/";
        return new S3ObjectStore(s3.bucket(prefix), FAST);
    }

    /** PutObject calls that reached the server: a second upload would count. */
    @Override
    Object uploadWitness(String key) {
        return s3.putCount();
    }

    @Test
    void keysLiveUnderThePrefixAndListsStripIt() throws IOException {
        put("app/x.parquet", file("a", "x"));
        assertTrue(s3.holds(prefix + "app/x.parquet"));
        assertEquals(List.of("app/x.parquet"), keys(store.list("app/")));
        assertEquals("s3://larch-test/" + prefix + " at " + s3.endpoint(), store.describe());
    }

    @Test
    void s3DownIsUnavailableAfterBoundedRetriesAndAPutAfterItIsBackUploadsOnce() throws IOException {
        Path file = file("a", "archived while S3 was down");
        s3.stop();
        try {
            long start = System.nanoTime();
            ObjectStoreUnavailableException down = assertThrows(ObjectStoreUnavailableException.class,
                    () -> store.put("k/down", file, Digests.md5(file)));
            assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(3)) < 0, "bounded by the policy");
            assertTrue(down.getMessage().contains("failed 4 times"), down.getMessage());
            assertTrue(down.getMessage().contains("check LARCH_S3_ENDPOINT and that the bucket exists"), down.getMessage());
            assertThrows(ObjectStoreUnavailableException.class, () -> store.stat("k/down"));
            assertThrows(ObjectStoreUnavailableException.class, () -> store.get("k/down", tmp.resolve("t")));
            assertThrows(ObjectStoreUnavailableException.class, () -> store.list("k/"));
            assertThrows(ObjectStoreUnavailableException.class, () -> store.delete("k/down"));
        } finally {
            s3.start();
        }
        int before = s3.putCount();
        StoredObject stored = store.put("k/down", file, Digests.md5(file));
        assertEquals(before + 1, s3.putCount(), "one upload");
        assertEquals(Optional.of(stored), store.stat("k/down"));
        assertEquals("archived while S3 was down", new String(get("k/down"), StandardCharsets.UTF_8));
    }

    @Test
    void aPutRetriesUntilS3IsBackWithinItsBudget() throws Exception {
        Path file = file("a", "retried");
        RetryPolicy patient = new RetryPolicy(50, Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofSeconds(10));
        try (ObjectStore retrying = new S3ObjectStore(s3.bucket(prefix), patient)) {
            s3.stop();
            int before = s3.putCount();
            Thread restarter = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(400);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                s3.start();
            });
            StoredObject stored = retrying.put("k/retried", file, Digests.md5(file));
            restarter.join();
            assertEquals(before + 1, s3.putCount(), "uploaded once, after S3 came back");
            assertEquals(7, stored.sizeBytes());
        } finally {
            s3.start();
        }
    }

    @Test
    void separateReadCredentialsServeReadsAndWritesUseTheWriteOnes() throws IOException {
        Path file = file("a", "least privilege");
        try (ObjectStore split = new S3ObjectStore(s3.bucket(prefix, S3Server.READ), FAST)) {
            StoredObject stored = split.put("k/split", file, Digests.md5(file));
            assertEquals(Optional.of(stored), split.stat("k/split"));
            assertEquals(List.of(stored), split.list("k/"));
            Path target = tmp.resolve("split");
            split.get("k/split", target);
            assertEquals("least privilege", Files.readString(target));
            split.delete("k/split");
            assertEquals(Optional.empty(), split.stat("k/split"));
        }
    }

    @Test
    void wrongReadCredentialsFailReadsWithWhatToCheckWhilePutsWork() throws IOException {
        Path file = file("a", "written, not readable");
        LarchConfig.S3Credentials wrong = new LarchConfig.S3Credentials(S3Server.READ.accessKeyId(), "not-the-secret");
        try (ObjectStore badReads = new S3ObjectStore(s3.bucket(prefix, wrong), FAST)) {
            int before = s3.putCount();
            StoredObject stored = badReads.put("k/w", file, Digests.md5(file));
            assertEquals(before + 1, s3.putCount());
            assertEquals(Optional.of(stored), store.stat("k/w"), "stored: the write credentials work");
            Path target = tmp.resolve("t");
            ObjectStoreException refused = assertThrows(ObjectStoreException.class, () -> badReads.get("k/w", target));
            assertFalse(refused instanceof ObjectStoreUnavailableException, "a refusal is not retried as an outage");
            assertTrue(refused.getMessage().contains("refused the read credentials"), refused.getMessage());
            assertTrue(refused.getMessage().contains("check LARCH_S3_READ_ACCESS_KEY_ID and LARCH_S3_READ_SECRET_ACCESS_KEY"),
                    refused.getMessage());
            assertFalse(Files.exists(target));
            assertThrows(ObjectStoreException.class, () -> badReads.stat("k/w"));
            assertThrows(ObjectStoreException.class, () -> badReads.list("k/"));
        }
    }

    @Test
    void readOnlyCredentialsCannotWriteAndTheErrorNamesTheWriteSettings() throws IOException {
        Path file = file("a", "x");
        LarchConfig.S3 readOnlyWriter = new LarchConfig.S3(S3Server.BUCKET, Optional.of(s3.endpoint()), "us-east-1", true, prefix,
                S3Server.READ, Optional.empty());
        try (ObjectStore readOnly = new S3ObjectStore(readOnlyWriter, FAST)) {
            ObjectStoreException refused = assertThrows(ObjectStoreException.class,
                    () -> readOnly.put("k/ro", file, Digests.md5(file)));
            assertTrue(refused.getMessage().contains("refused the write credentials"), refused.getMessage());
            assertTrue(refused.getMessage().contains("check LARCH_S3_ACCESS_KEY_ID and LARCH_S3_SECRET_ACCESS_KEY"), refused.getMessage());
        }
        assertEquals(Optional.empty(), store.stat("k/ro"));
    }

    @Test
    void aCorruptedStoredObjectFailsGetWithADigestError() throws IOException {
        put("k/rotten", file("a", "good bytes"));
        s3.overwriteBytes(prefix + "k/rotten", "evil bytes".getBytes(StandardCharsets.UTF_8));
        Path target = tmp.resolve("t");
        ObjectDigestException bad = assertThrows(ObjectDigestException.class, () -> store.get("k/rotten", target));
        assertTrue(bad.getMessage().contains("damaged"), bad.getMessage());
        assertFalse(Files.exists(target), "nothing damaged is left at the target");
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void aMissingBucketSaysToCreateIt() throws IOException {
        Path file = file("a", "x");
        LarchConfig.S3 missing = new LarchConfig.S3("no-such-bucket", Optional.of(s3.endpoint()), "us-east-1", true, "",
                S3Server.WRITE, Optional.empty());
        try (ObjectStore nowhere = new S3ObjectStore(missing, FAST)) {
            ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> nowhere.put("k", file, Digests.md5(file)));
            assertTrue(e.getMessage().contains("check LARCH_S3_BUCKET"), e.getMessage());
        }
    }

    @Test
    void etagsReadAsMd5s() {
        assertEquals("0123456789abcdef0123456789abcdef", S3ObjectStore.md5Hex("\"0123456789ABCDEF0123456789abcdef\""));
        assertEquals("0123456789abcdef0123456789abcdef", S3ObjectStore.md5Hex("0123456789abcdef0123456789abcdef"));
        assertEquals("0123456789abcdef0123456789abcdef-2", S3ObjectStore.md5Hex("\"0123456789abcdef0123456789abcdef-2\""));
        assertEquals("", S3ObjectStore.md5Hex(null));
    }
}
