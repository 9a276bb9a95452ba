package io.larch.datadir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

/**
 * How the CLI on the same machine reaches the running server: its URL and a local admin token,
 * in {@code run/server.json} inside the data dir, readable by the owner only. The token is
 * random per server start and is never stored anywhere else.
 */
public record ServerInfo(Path file, String url, String localToken) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static Path location(Path dataDir) {
        return dataDir.resolve(FileNames.RUN_DIR).resolve(FileNames.SERVER_INFO);
    }

    public static ServerInfo write(Path dataDir, String url, String localToken) throws IOException {
        Path file = location(dataDir);
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(FileNames.SERVER_INFO + FileNames.TMP_SUFFIX);
        Files.deleteIfExists(tmp);
        Files.createFile(tmp);
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: rely on the data dir's own permissions
        }
        Files.write(tmp, JSON.writeValueAsBytes(Map.of("url", url, "localToken", localToken,
                "pid", ProcessHandle.current().pid())));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new ServerInfo(file, url, localToken);
    }

    /** The running server's info, if the file exists and reads. */
    public static Optional<ServerInfo> read(Path dataDir) {
        Path file = location(dataDir);
        try {
            JsonNode node = JSON.readTree(file.toFile());
            return Optional.of(new ServerInfo(file, node.get("url").asText(), node.get("localToken").asText()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    public void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a stale file is harmless: the CLI checks the data dir lock first
        }
    }
}
