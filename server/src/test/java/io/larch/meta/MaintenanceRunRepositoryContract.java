package io.larch.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The record of maintenance runs, on each backend. */
abstract class MaintenanceRunRepositoryContract extends MetadataContract {
    MaintenanceRunRepository runs;

    @Override
    void openRepositories() {
        runs = new MaintenanceRunRepository(database);
    }

    @Test
    void aRunIsStartedFinishedAndTheLatestOfItsNodeFound() {
        assertEquals(Optional.empty(), runs.latest(0));
        long first = runs.started(0, "schedule", 100);
        long other = runs.started(1, "admin", 150);
        long second = runs.started(0, "admin", 200);
        assertEquals(Optional.of(new MaintenanceRunRepository.MaintenanceRun(second, 0, "admin", 200, 0, null, null)),
                runs.latest(0), "still running (or died): no end");
        runs.finished(second, 300, "ok", "{\"archived\":2}");
        assertEquals(Optional.of(new MaintenanceRunRepository.MaintenanceRun(second, 0, "admin", 200, 300, "ok",
                "{\"archived\":2}")), runs.latest(0));
        assertEquals(other, runs.latest(1).orElseThrow().id());
        assertEquals(true, first < other && other < second);
    }
}
