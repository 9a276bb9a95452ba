package io.larch.testing;

import io.larch.meta.Database;
import java.nio.file.Path;

/** The metadata database of a test by name: {@code sqlite} (a file in {@code dir}) or {@code postgresql} (the test server). */
public final class MetadataBackends {
    private MetadataBackends() {
    }

    public static Database open(String backend, Path dir) {
        return switch (backend) {
            case "sqlite" -> Database.open("jdbc:sqlite:" + dir.resolve("larch.db"));
            case "postgresql" -> Database.open(PostgresServer.shared().newDatabase());
            default -> throw new IllegalArgumentException("unknown metadata backend " + backend);
        };
    }
}
