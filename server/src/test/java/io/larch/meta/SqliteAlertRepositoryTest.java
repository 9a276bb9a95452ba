package io.larch.meta;

class SqliteAlertRepositoryTest extends AlertRepositoryContract {
    @Override
    Backend backend() {
        return Backend.SQLITE;
    }
}
