package io.larch.meta;

class PostgresFingerprintRepositoryTest extends FingerprintRepositoryContract {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }
}
