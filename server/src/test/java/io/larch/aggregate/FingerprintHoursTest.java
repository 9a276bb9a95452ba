package io.larch.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A part's per-fingerprint totals add up its hourly rows and keep the latest message. */
class FingerprintHoursTest {
    private static final long H = FingerprintHours.HOUR_MILLIS;

    @Test
    void totalsSumCountsSpanTimesAndKeepTheLatestSample() {
        List<FingerprintHours.HourRow> rows = List.of(
                new FingerprintHours.HourRow(2 * H, 4, "fp1", 3, 2 * H + 10, 2 * H + 900, "late error", 70),
                new FingerprintHours.HourRow(0, 2, "fp1", 5, 5, 900, "early info", 10),
                new FingerprintHours.HourRow(H, 2, "fp2", 1, H + 1, H + 1, "only", 20),
                // Same last time as the row above it: the higher id is the latest.
                new FingerprintHours.HourRow(2 * H, 2, "fp1", 2, 2 * H + 50, 2 * H + 900, "late info", 71),
                new FingerprintHours.HourRow(H, 3, "fp1", 4, H + 7, H + 8, "middle", 40));
        FingerprintHours.PartHours part = FingerprintHours.PartHours.of(rows);
        assertEquals(0, part.firstHour());
        assertEquals(2 * H, part.lastHour());
        assertEquals(List.of(
                new FingerprintHours.HourRow(-1, -1, "fp1", 14, 5, 2 * H + 900, "late info", 71),
                new FingerprintHours.HourRow(-1, -1, "fp2", 1, H + 1, H + 1, "only", 20)), part.totals());
    }
}
