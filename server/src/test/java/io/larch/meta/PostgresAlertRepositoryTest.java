package io.larch.meta;

class PostgresAlertRepositoryTest extends AlertRepositoryContract {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }
}
