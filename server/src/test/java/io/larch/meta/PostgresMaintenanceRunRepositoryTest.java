package io.larch.meta;

class PostgresMaintenanceRunRepositoryTest extends MaintenanceRunRepositoryContract {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }
}
