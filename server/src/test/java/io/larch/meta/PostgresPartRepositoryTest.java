package io.larch.meta;

class PostgresPartRepositoryTest extends PartRepositoryContract {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }
}
