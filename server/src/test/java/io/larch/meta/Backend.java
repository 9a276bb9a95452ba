package io.larch.meta;

import io.larch.testing.PostgresServer;
import java.nio.file.Path;

/** Where a repository contract runs: a fresh SQLite file, or a fresh database on the test PostgreSQL. */
enum Backend {
    SQLITE {
        @Override
        String newUrl(Path dir) {
            return "jdbc:sqlite:" + dir.resolve("larch.db");
        }
    },
    POSTGRES {
        @Override
        String newUrl(Path dir) {
            return PostgresServer.shared().newDatabase();
        }
    };

    /** The JDBC URL of a new, empty database (Flyway migrates it when it is opened). */
    abstract String newUrl(Path dir);
}
