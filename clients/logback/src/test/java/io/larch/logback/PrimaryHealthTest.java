package io.larch.logback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PrimaryHealthTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final PrimaryHealth health = new PrimaryHealth(now::get, 30_000,
            Pattern.compile(PrimaryHealth.DEFAULT_QUOTA_PATTERN));

    @Test
    void anErrorMakesItFailingUntilAQuietPeriodPasses() {
        assertFalse(health.isFailing(true));
        health.statusSeen(PrimaryHealth.ERROR, "cannot connect to logs.example.com", false);
        assertTrue(health.isFailing(true));
        now.addAndGet(29_999);
        assertTrue(health.isFailing(true));
        health.statusSeen(PrimaryHealth.ERROR, "cannot connect again", false);
        now.addAndGet(29_999);
        assertTrue(health.isFailing(true), "the quiet period starts again at each failure");
        now.addAndGet(1);
        assertFalse(health.isFailing(true));
    }

    @Test
    void quotaMessagesCountAtAnyLevelOtherMessagesDoNot() {
        health.statusSeen(PrimaryHealth.INFO, "flushed 100 events", false);
        health.statusSeen(PrimaryHealth.WARN, "slow response", false);
        assertFalse(health.isFailing(true));
        for (String quota : new String[] {"HTTP 429 from provider", "Quota exceeded", "rate limited", "Too Many Requests"}) {
            PrimaryHealth fresh = new PrimaryHealth(now::get, 1000, Pattern.compile(PrimaryHealth.DEFAULT_QUOTA_PATTERN));
            fresh.statusSeen(PrimaryHealth.WARN, quota, false);
            assertTrue(fresh.isFailing(true), quota);
            assertEquals(quota, fresh.reason(true));
        }
        health.statusSeen(PrimaryHealth.WARN, "sent 4290 bytes", false);
        assertFalse(health.isFailing(true), "429 only as a number of its own");
    }

    @Test
    void aStoppedPrimaryIsFailing() {
        assertTrue(health.isFailing(false));
        assertEquals("it is not started", health.reason(false));
    }

    @Test
    void afterThreeExceptionsLogbackGoesSilentSoItStaysFailing() {
        for (int i = 0; i < 3; i++) {
            health.statusSeen(PrimaryHealth.ERROR, "Appender [PRIMARY] failed to append.", true);
        }
        now.addAndGet(3_600_000);
        assertTrue(health.isFailing(true));
        assertTrue(health.reason(true).startsWith("it threw 3 times"));
    }
}
