package io.larch.meta;

class PostgresVercelFollowRepositoryTest extends VercelFollowRepositoryContract {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }
}
