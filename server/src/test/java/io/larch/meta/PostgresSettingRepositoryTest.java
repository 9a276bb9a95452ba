package io.larch.meta;

class PostgresSettingRepositoryTest extends SettingRepositoryContract {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }
}
