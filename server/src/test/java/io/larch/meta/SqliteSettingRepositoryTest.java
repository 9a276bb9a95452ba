package io.larch.meta;

class SqliteSettingRepositoryTest extends SettingRepositoryContract {
    @Override
    Backend backend() {
        return Backend.SQLITE;
    }
}
