package io.larch.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.InvalidInputException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetentionTest {
    private static final long NOW = 1_800_000_000_000L;

    @Test
    void tiersFollowTheAgeOfAPartsNewestEvent() {
        Retention retention = Retention.DEFAULT;
        check(retention, Duration.ZERO, Tier.HOT);
        check(retention, Duration.ofDays(7).minusMinutes(1), Tier.HOT);
        check(retention, Duration.ofDays(7), Tier.WARM);
        check(retention, Duration.ofDays(30), Tier.COLD);
        check(retention, Duration.ofDays(90).minusMinutes(1), Tier.COLD);
        check(retention, Duration.ofDays(90), Tier.EXPIRED);
        check(Retention.Preset.OVERFLOW.retention(), Duration.ofHours(23), Tier.HOT);
        check(Retention.Preset.OVERFLOW.retention(), Duration.ofHours(24), Tier.EXPIRED);
        check(Retention.Preset.WORKLOG.retention(), Duration.ofDays(89), Tier.COLD);
    }

    @Test
    void presetsAndOverrides() {
        assertTrue(Retention.DEFAULT.archives());
        assertTrue(!Retention.Preset.OVERFLOW.retention().archives(), "overflow has no cold tier");
        Retention overflow = Retention.of(Retention.Preset.OVERFLOW, null, null, Duration.ofHours(72));
        assertEquals(Duration.ofHours(72), overflow.hot());
        assertEquals(Duration.ofHours(72), overflow.warm());
        Retention longer = Retention.of(Retention.Preset.DEFAULT, null, null, Duration.ofDays(365));
        assertEquals(Duration.ofDays(30), longer.warm());
        assertEquals(Duration.ofDays(365), longer.deleteAfter());
    }

    @Test
    void rejectsRetentionsThatMakeNoSense() {
        rejects(Retention.Preset.OVERFLOW, null, null, Duration.ofHours(73), "at most 72h");
        rejects(Retention.Preset.OVERFLOW, null, Duration.ofHours(12), Duration.ofHours(24), "no cold tier");
        rejects(Retention.Preset.DEFAULT, Duration.ofDays(40), null, null, "hot (40d) <= warm (30d)");
        rejects(Retention.Preset.DEFAULT, null, null, Duration.ofDays(10), "warm (30d) <= deleteAfter (10d)");
        rejects(Retention.Preset.DEFAULT, Duration.ofMinutes(30), null, null, "at least 1h");
        assertThrows(InvalidInputException.class, () -> Retention.Preset.parse("weekly"));
        assertThrows(InvalidInputException.class, () -> Durations.parse("hot", "7 days"));
        assertEquals(Duration.ofHours(36), Durations.parse("hot", "36h"));
        assertEquals("36h", Durations.show(Duration.ofHours(36)));
        assertEquals("2d", Durations.show(Duration.ofHours(48)));
    }

    private static void check(Retention retention, Duration age, Tier expected) {
        assertEquals(expected, retention.tierOf(NOW - age.toMillis(), NOW), "age " + age);
    }

    private static void rejects(Retention.Preset preset, Duration hot, Duration warm, Duration deleteAfter, String why) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Retention.of(preset, hot, warm, deleteAfter));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }
}
