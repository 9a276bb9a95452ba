package io.larch.meta;

class SqliteEraseRepositoryTest extends EraseRepositoryContract {
    @Override
    Backend backend() {
        return Backend.SQLITE;
    }
}
