package io.larch.meta;

class SqliteBuildLogRepositoryTest extends BuildLogRepositoryContract {
    @Override
    Backend backend() {
        return Backend.SQLITE;
    }
}
