package io.larch.meta;

class PostgresEraseRepositoryTest extends EraseRepositoryContract {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }
}
