package io.larch.meta;

class PostgresBuildLogRepositoryTest extends BuildLogRepositoryContract {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }
}
