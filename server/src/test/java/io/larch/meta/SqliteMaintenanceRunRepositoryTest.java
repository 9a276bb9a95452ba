package io.larch.meta;

class SqliteMaintenanceRunRepositoryTest extends MaintenanceRunRepositoryContract {
    @Override
    Backend backend() {
        return Backend.SQLITE;
    }
}
