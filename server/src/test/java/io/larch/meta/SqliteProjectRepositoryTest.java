package io.larch.meta;

class SqliteProjectRepositoryTest extends ProjectRepositoryContract {
    @Override
    Backend backend() {
        return Backend.SQLITE;
    }
}
