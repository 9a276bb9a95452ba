package io.larch.meta;

class PostgresNodeRepositoryTest extends NodeRepositoryContract {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }
}
