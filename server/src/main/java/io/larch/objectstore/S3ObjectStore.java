package io.larch.objectstore;

import io.larch.config.LarchConfig;
import io.larch.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, s3proxy) through AWS SDK v2 on the
 * JDK's URLConnection.
 *
 * <p>Two clients: the write credentials upload and delete (and do the checks of an upload: the
 * stat before it and the HeadObject after it), the read credentials download, stat and list. With
 * no read credentials the write ones do both. The SDK's own retries are off: this class retries
 * (see {@link RetryPolicy}) so that it can tell a transient failure from a final one and bound the
 * total time. The SDK's newer flexible checksums are off too ({@code WHEN_REQUIRED}): uploads
 * carry {@code Content-MD5}, which every S3-compatible server checks, and downloads are checked
 * against the ETag, the MD5 of a single-part upload (Larch never uploads in parts).
 *
 * <p>Crash safety of {@link #put}: S3 makes an object visible whole or not at all, so a crash
 * during an upload leaves the previous object (or none); the caller's retry uploads again. Of
 * {@link #get}: the download goes to a temporary file beside the target, renamed once its MD5
 * matched; a crash leaves at most that temporary file, never a partial target.
 *
 * <p>Thread-safe: the SDK clients are.
 */
public final class S3ObjectStore implements ObjectStore {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** The longest silence within one response: a stalled download is retried, not waited on forever. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern MD5_HEX = Pattern.compile("[0-9a-f]{32}");
    /** Service error codes that say "try again": throttling and the server's own trouble. */
    private static final Set<String> TRANSIENT_CODES = Set.of("SlowDown", "RequestTimeout", "InternalError",
            "ServiceUnavailable", "Throttling", "ThrottlingException", "TooManyRequests");
    private static final Set<String> DIGEST_CODES = Set.of("BadDigest", "InvalidDigest");
    private static final Set<String> CREDENTIAL_CODES = Set.of("AccessDenied", "InvalidAccessKeyId",
            "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "AllAccessDisabled");

    private final LarchConfig.S3 bucket;
    private final RetryPolicy retries;
    private final SdkHttpClient writeHttp;
    private final SdkHttpClient readHttp;
    private final S3Client writer;
    /** The same client as {@link #writer} when there are no separate read credentials. */
    private final S3Client reader;

    public S3ObjectStore(LarchConfig.S3 bucket, RetryPolicy retries) {
        this.bucket = bucket;
        this.retries = retries;
        this.writeHttp = httpClient();
        this.writer = client(bucket, bucket.write(), writeHttp);
        if (bucket.read().isPresent()) {
            this.readHttp = httpClient();
            this.reader = client(bucket, bucket.read().get(), readHttp);
        } else {
            this.readHttp = null;
            this.reader = writer;
        }
    }

    public S3ObjectStore(LarchConfig.S3 bucket) {
        this(bucket, RetryPolicy.DEFAULT);
    }

    private static SdkHttpClient httpClient() {
        return UrlConnectionHttpClient.builder().connectionTimeout(CONNECT_TIMEOUT).socketTimeout(READ_TIMEOUT).build();
    }

    private static S3Client client(LarchConfig.S3 bucket, LarchConfig.S3Credentials credentials, SdkHttpClient http) {
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(http)
                .region(Region.of(bucket.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(credentials.accessKeyId(), credentials.secretAccessKey())))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(bucket.pathStyle()).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        bucket.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /**
     * Stats the key (with the write credentials: an upload must not depend on the read ones),
     * returns what is there when it already has this size and MD5, else uploads with
     * {@code Content-MD5} and checks the result with HeadObject.
     */
    @Override
    public StoredObject put(String key, Path file, byte[] md5) {
        if (md5.length != 16) {
            throw new IllegalArgumentException("an MD5 is 16 bytes, got " + md5.length);
        }
        String s3Key = s3Key(key);
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " to upload it as " + key + ": " + e.getMessage(), e);
        }
        Optional<StoredObject> existing = statWith(writer, key, s3Key, Side.WRITE);
        if (existing.isPresent() && existing.get().sizeBytes() == size && existing.get().hasDigest(md5)) {
            return existing.get();
        }
        String contentMd5 = Base64.getEncoder().encodeToString(md5);
        call("upload", key, Side.WRITE, () -> writer.putObject(b -> b.bucket(bucket.bucket()).key(s3Key)
                .contentLength(size).contentMD5(contentMd5).contentType("application/octet-stream"), RequestBody.fromFile(file)));
        StoredObject stored = statWith(writer, key, s3Key, Side.WRITE).orElseThrow(() -> new ObjectStoreException(
                key + " is not in " + describe() + " right after it was uploaded; the bucket may be filtering or expiring objects"));
        if (stored.sizeBytes() != size || !stored.hasDigest(md5)) {
            throw new ObjectDigestException(describe() + " holds " + key + " with " + stored.sizeBytes() + " bytes and ETag "
                    + stored.md5Hex() + " right after uploading " + size + " bytes with MD5 " + HexFormat.of().formatHex(md5)
                    + " (is server-side encryption with KMS on? it makes ETags that are not MD5s)");
        }
        return stored;
    }

    @Override
    public Optional<StoredObject> stat(String key) {
        return statWith(reader, key, s3Key(key), Side.READ);
    }

    private Optional<StoredObject> statWith(S3Client client, String key, String s3Key, Side side) {
        return call("stat", key, side, () -> {
            try {
                HeadObjectResponse head = client.headObject(b -> b.bucket(bucket.bucket()).key(s3Key));
                return Optional.of(new StoredObject(key, head.contentLength(), md5Hex(head.eTag())));
            } catch (NoSuchKeyException e) {
                return Optional.empty();
            }
        });
    }

    @Override
    public void get(String key, Path target) {
        String s3Key = s3Key(key);
        Path tmp = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            call("download", key, Side.READ, () -> {
                download(key, s3Key, tmp);
                return null;
            });
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + " (downloaded " + key + "): " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** One try at a download into {@code tmp}; a broken connection surfaces as {@link UncheckedIOException} (retried). */
    private void download(String key, String s3Key, Path tmp) {
        MessageDigest digest = Digests.newMd5();
        long received;
        String expected;
        long expectedSize;
        try (ResponseInputStream<GetObjectResponse> body = reader.getObject(b -> b.bucket(bucket.bucket()).key(s3Key));
             InputStream in = new DigestInputStream(body, digest)) {
            expected = md5Hex(body.response().eTag());
            expectedSize = body.response().contentLength();
            received = Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchKeyException e) {
            throw new ObjectNotFoundException(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (received != expectedSize || !actual.equals(expected)) {
            throw new ObjectDigestException("downloaded " + received + " bytes of " + key + " with MD5 " + actual + " but "
                    + describe() + " reports " + expectedSize + " bytes with MD5 " + expected
                    + ": the stored object is damaged or was changed behind Larch's back; it was not used");
        }
    }

    @Override
    public void delete(String key) {
        String s3Key = s3Key(key);
        call("delete", key, Side.WRITE, () -> writer.deleteObject(b -> b.bucket(bucket.bucket()).key(s3Key)));
    }

    @Override
    public List<StoredObject> list(String prefix) {
        List<StoredObject> objects = new ArrayList<>();
        String continuation = null;
        do {
            String token = continuation;
            ListObjectsV2Request request = ListObjectsV2Request.builder().bucket(bucket.bucket())
                    .prefix(bucket.prefix() + prefix).continuationToken(token).build();
            ListObjectsV2Response page = call("list", prefix + "*", Side.READ, () -> reader.listObjectsV2(request));
            for (S3Object object : page.contents()) {
                // A key ending in / is a folder marker (made by S3 consoles, and listed by some
                // servers for every directory), never an object Larch wrote.
                if (object.key().endsWith("/")) {
                    continue;
                }
                objects.add(new StoredObject(object.key().substring(bucket.prefix().length()), object.size(), md5Hex(object.eTag())));
            }
            continuation = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (continuation != null);
        objects.sort(Comparator.comparing(StoredObject::key));
        return objects;
    }

    @Override
    public String describe() {
        return "s3://" + bucket.bucket() + "/" + bucket.prefix() + bucket.endpoint().map(e -> " at " + e).orElse("");
    }

    @Override
    public void close() {
        writer.close();
        writeHttp.close();
        if (readHttp != null) {
            reader.close();
            readHttp.close();
        }
    }

    /** Which credentials a call used, so that a refusal names the settings to check. */
    private enum Side {
        READ, WRITE
    }

    /**
     * Runs {@code action}, retrying transient failures per {@link #retries}. Final failures are
     * translated at once: a missing key, a bad digest, refused credentials.
     */
    private <T> T call(String what, String key, Side side, Supplier<T> action) {
        long start = System.nanoTime();
        long deadline = start + retries.maxTotal().toNanos();
        RuntimeException last = null;
        int attempt = 0;
        while (attempt < retries.maxAttempts()) {
            attempt++;
            try {
                return action.get();
            } catch (ObjectStoreException e) {
                throw e;
            } catch (UncheckedIOException e) {
                last = e;
            } catch (SdkException e) {
                if (!isTransient(e)) {
                    throw translate(what, key, side, e);
                }
                last = e;
            }
            if (attempt == retries.maxAttempts()) {
                break;
            }
            // Monotonic time bounds the retries; this is not time any logic depends on.
            long waitNanos = retries.backoffAfter(attempt).toNanos();
            if (System.nanoTime() + waitNanos > deadline) {
                break;
            }
            try {
                Thread.sleep(Duration.ofNanos(waitNanos));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ObjectStoreUnavailableException(what + " of " + key + " was interrupted", e);
            }
        }
        Duration spent = Duration.ofNanos(System.nanoTime() - start);
        throw new ObjectStoreUnavailableException(what + " of " + key + " at " + describe() + " failed " + attempt
                + (attempt == 1 ? " time" : " times") + " in " + spent.toMillis() + " ms (" + reason(last)
                + "); check " + Settings.S3_ENDPOINT.name() + " and that the bucket exists and is reachable; Larch tries again later", last);
    }

    /** Connection refused or reset, timeouts, 5xx and throttling: the same call may well work later. */
    static boolean isTransient(SdkException e) {
        if (e instanceof AwsServiceException service) {
            int status = service.statusCode();
            String code = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
            return status >= 500 || status == 429 || status == 408 || (code != null && TRANSIENT_CODES.contains(code));
        }
        if (e instanceof SdkClientException) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof IOException) {
                    return true;
                }
            }
            return e.retryable() || e.getClass().getSimpleName().contains("Timeout");
        }
        return e.retryable();
    }

    private ObjectStoreException translate(String what, String key, Side side, SdkException e) {
        if (e instanceof AwsServiceException service) {
            String reported = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
            // A HEAD answer has no body, so no error code: name the status instead.
            String code = reported == null || reported.isBlank() ? "HTTP " + service.statusCode() : reported;
            if (DIGEST_CODES.contains(code) || (service.statusCode() == 400 && code.toLowerCase(Locale.ROOT).contains("digest"))) {
                return new ObjectDigestException(describe() + " rejected the upload of " + key + " (" + code
                        + "): the bytes it received do not have the MD5 that was sent; nothing was stored");
            }
            if ("NoSuchKey".equals(code)) {
                return new ObjectNotFoundException(key);
            }
            if ("NoSuchBucket".equals(code)) {
                return new ObjectStoreException("the bucket " + bucket.bucket() + " does not exist at " + describe()
                        + ": check " + Settings.S3_BUCKET.name() + " and " + Settings.S3_ENDPOINT.name()
                        + ", and create the bucket (Larch does not)", e);
            }
            if (service.statusCode() == 403 || CREDENTIAL_CODES.contains(code)) {
                return new ObjectStoreException(describe() + " refused the " + (side == Side.READ ? "read" : "write")
                        + " credentials for the " + what + " of " + key + " (" + code + "): " + credentialHint(side), e);
            }
            return new ObjectStoreException(what + " of " + key + " at " + describe() + " failed: " + code + " (HTTP "
                    + service.statusCode() + ")", e);
        }
        return new ObjectStoreException(what + " of " + key + " at " + describe() + " failed: " + e.getMessage()
                + "; check the LARCH_S3_* settings", e);
    }

    private String credentialHint(Side side) {
        if (side == Side.READ && bucket.read().isPresent()) {
            return "check " + Settings.S3_READ_ACCESS_KEY_ID.name() + " and " + Settings.S3_READ_SECRET_ACCESS_KEY.name()
                    + ", and that this key may read the bucket";
        }
        return "check " + Settings.S3_ACCESS_KEY_ID.name() + " and " + Settings.S3_SECRET_ACCESS_KEY.name()
                + ", and that this key may " + (side == Side.READ ? "read" : "write to") + " the bucket";
    }

    private static String reason(Throwable last) {
        if (last == null) {
            return "no answer";
        }
        Throwable root = last;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return "last: " + message;
    }

    /** The bucket's key of an object key: the prefix, then the key. */
    private String s3Key(String key) {
        if (key.isEmpty() || key.startsWith("/")) {
            throw new IllegalArgumentException("not an object key: " + key);
        }
        return bucket.prefix() + key;
    }

    /** An ETag as an MD5 in lower-case hex; an ETag that is not one (a multipart upload's) stays as it is, so it never matches. */
    static String md5Hex(String eTag) {
        if (eTag == null) {
            return "";
        }
        String bare = eTag.strip();
        if (bare.startsWith("W/")) {
            bare = bare.substring(2);
        }
        if (bare.length() >= 2 && bare.startsWith("\"") && bare.endsWith("\"")) {
            bare = bare.substring(1, bare.length() - 1);
        }
        String lower = bare.toLowerCase(Locale.ROOT);
        return MD5_HEX.matcher(lower).matches() ? lower : bare;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover temporary file is harmless: it is never the target
        }
    }
}
