package io.larch.meta;

class SqliteVercelFollowRepositoryTest extends VercelFollowRepositoryContract {
    @Override
    Backend backend() {
        return Backend.SQLITE;
    }
}
