package io.larch.meta;

class PostgresProjectRepositoryTest extends ProjectRepositoryContract {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }
}
