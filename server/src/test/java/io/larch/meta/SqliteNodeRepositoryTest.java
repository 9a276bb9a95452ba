package io.larch.meta;

class SqliteNodeRepositoryTest extends NodeRepositoryContract {
    @Override
    Backend backend() {
        return Backend.SQLITE;
    }
}
