package io.larch.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The embedded archive: objects are files under one directory, at their key's path. Writes go
 * to {@code .tmp/} under the root, are fsynced and renamed into place (and the directory
 * fsynced), so an object is either absent or whole after a crash. Digests are computed from the
 * bytes on disk each time they are asked for: a local archive has no ETag to trust.
 */
public final class LocalDirObjectStore implements ObjectStore {
    /** Where objects are written before they are renamed into place; not an object key. */
    private static final String TMP_DIR = ".tmp";
    private final Path root;

    public LocalDirObjectStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root.resolve(TMP_DIR));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the archive directory " + this.root + ": " + e.getMessage(), e);
        }
    }

    @Override
    public StoredObject put(String key, Path file, byte[] md5) {
        Path target = pathOf(key);
        Optional<StoredObject> existing = stat(key);
        if (existing.isPresent() && existing.get().hasDigest(md5)) {
            return existing.get();
        }
        Path tmp = root.resolve(TMP_DIR).resolve(UUID.randomUUID() + ".tmp");
        try {
            MessageDigest digest = Digests.newMd5();
            try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
                Files.copy(in, tmp);
            }
            String received = HexFormat.of().formatHex(digest.digest());
            if (!received.equals(HexFormat.of().formatHex(md5))) {
                throw new ObjectDigestException("the archive received bytes with MD5 " + received + " for " + key
                        + ", not the " + HexFormat.of().formatHex(md5) + " that was sent; nothing was stored");
            }
            force(tmp);
            Files.createDirectories(target.getParent());
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory(target.getParent());
        } catch (IOException e) {
            throw new ObjectStoreUnavailableException("cannot write " + key + " to the archive directory " + root + ": "
                    + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
        StoredObject stored = stat(key).orElseThrow(() -> new ObjectStoreException(key + " vanished right after it was stored"));
        if (!stored.hasDigest(md5)) {
            throw new ObjectDigestException("the archive holds " + key + " with MD5 " + stored.md5Hex()
                    + " right after storing " + HexFormat.of().formatHex(md5));
        }
        return stored;
    }

    @Override
    public Optional<StoredObject> stat(String key) {
        Path path = pathOf(key);
        if (!Files.isRegularFile(path)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new StoredObject(key, Files.size(path), HexFormat.of().formatHex(Digests.md5(path))));
        } catch (IOException | UncheckedIOException e) {
            throw new ObjectStoreUnavailableException("cannot read " + key + " in the archive directory: " + e.getMessage(), e);
        }
    }

    @Override
    public void get(String key, Path target) {
        Path source = pathOf(key);
        Path tmp = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            MessageDigest digest = Digests.newMd5();
            try (InputStream in = new DigestInputStream(Files.newInputStream(source), digest)) {
                Files.copy(in, tmp);
            }
            String received = HexFormat.of().formatHex(digest.digest());
            String stored = HexFormat.of().formatHex(Digests.md5(source));
            if (!received.equals(stored)) {
                throw new ObjectDigestException(key + " changed while it was read from the archive; read it again");
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException(key);
        } catch (IOException e) {
            throw new ObjectStoreUnavailableException("cannot read " + key + " from the archive directory: " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(pathOf(key));
        } catch (IOException e) {
            throw new ObjectStoreUnavailableException("cannot delete " + key + " from the archive directory: " + e.getMessage(), e);
        }
    }

    @Override
    public List<StoredObject> list(String prefix) {
        List<StoredObject> objects = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                String key = root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                if (!key.startsWith(TMP_DIR + "/") && key.startsWith(prefix)) {
                    stat(key).ifPresent(objects::add);
                }
            }
        } catch (IOException e) {
            throw new ObjectStoreUnavailableException("cannot list the archive directory " + root + ": " + e.getMessage(), e);
        }
        objects.sort(Comparator.comparing(StoredObject::key));
        return objects;
    }

    @Override
    public String describe() {
        return root.toString();
    }

    @Override
    public void close() {
    }

    /** The file of {@code key}; a key that would leave the root (or name the temporary directory) is refused. */
    private Path pathOf(String key) {
        if (key.isEmpty() || key.startsWith("/") || key.startsWith(TMP_DIR + "/") || key.contains("\\")) {
            throw new IllegalArgumentException("not an object key: " + key);
        }
        Path path = root.resolve(key).normalize();
        if (!path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException("not an object key: " + key);
        }
        return path;
    }

    private static void force(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover temporary file is harmless: it is never an object
        }
    }
}
