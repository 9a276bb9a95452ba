package io.larch.meta;

class SqliteFingerprintRepositoryTest extends FingerprintRepositoryContract {
    @Override
    Backend backend() {
        return Backend.SQLITE;
    }
}
