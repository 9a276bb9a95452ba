package io.larch.meta;

class SqlitePartRepositoryTest extends PartRepositoryContract {
    @Override
    Backend backend() {
        return Backend.SQLITE;
    }
}
