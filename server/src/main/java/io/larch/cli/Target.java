package io.larch.cli;

import io.larch.config.LarchConfig;
import io.larch.datadir.DataDirLock;
import io.larch.datadir.ServerInfo;
import java.io.IOException;
import java.util.Optional;

/**
 * Where a CLI command acts: through the HTTP API of a running server, or directly on the data
 * dir when no server holds it (the CLI then holds the data dir lock until it exits).
 */
sealed interface Target extends AutoCloseable {

    record Remote(String url, String token) implements Target {
        @Override
        public void close() {
        }
    }

    record Local(LarchConfig config, DataDirLock lock) implements Target {
        @Override
        public void close() throws IOException {
            lock.close();
        }
    }

    /**
     * @param serverUrl an explicit server (then {@code token} is required), or null to find the
     *                  server that holds the data dir
     */
    static Target resolve(LarchConfig config, String serverUrl, String token) throws IOException {
        if (serverUrl != null) {
            String credential = token != null ? token : config.adminToken().orElse(null);
            if (credential == null) {
                throw new IllegalArgumentException("--server needs --token (an API key or the admin token) "
                        + "or LARCH_ADMIN_TOKEN in the environment");
            }
            return new Remote(serverUrl.replaceAll("/+$", ""), credential);
        }
        Optional<DataDirLock> lock = DataDirLock.tryAcquire(config.dataDir());
        if (lock.isPresent()) {
            return new Local(config, lock.get());
        }
        ServerInfo info = ServerInfo.read(config.dataDir()).orElseThrow(() -> new IllegalStateException(
                "a Larch process holds data dir " + config.dataDir() + " but left no "
                        + ServerInfo.location(config.dataDir()) + "; pass --server URL and --token"));
        return new Remote(info.url(), token != null ? token : info.localToken());
    }
}
