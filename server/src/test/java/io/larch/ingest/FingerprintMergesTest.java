package io.larch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.FingerprintMerge;
import io.larch.model.InvalidInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Merge rules resolve through chains, and neither cycles nor over-long chains can be made, from either end. */
class FingerprintMergesTest {
    @Test
    void chainsResolveAndCyclesAreRefusedFromEitherEnd() {
        FingerprintMerges merges = new FingerprintMerges(List.of(new FingerprintMerge(1, "a", "b", 0, "admin")));
        merges.put(1, "b", "c");
        assertEquals("c", merges.resolve(1, "a"));
        assertEquals("x", merges.resolve(2, "x"), "another project has no rules");
        assertTrue(assertThrows(InvalidInputException.class, () -> merges.checkNoCycle(1, "c", "a")).getMessage()
                .contains("cycle"));
        merges.checkNoCycle(1, "z", "a");
    }

    @Test
    void aChainLongerThanTheLimitIsRefusedWhereverItWouldGrow() {
        FingerprintMerges merges = new FingerprintMerges(List.of());
        for (int i = 0; i < FingerprintMerges.MAX_CHAIN; i++) {
            merges.checkNoCycle(1, "f" + i, "f" + (i + 1));
            merges.put(1, "f" + i, "f" + (i + 1));
        }
        assertEquals("f" + FingerprintMerges.MAX_CHAIN, merges.resolve(1, "f0"));
        assertThrows(InvalidInputException.class, () -> merges.checkNoCycle(1, "head", "f0"), "at the start");
        assertThrows(InvalidInputException.class, () -> merges.checkNoCycle(1, "f" + FingerprintMerges.MAX_CHAIN, "tail"),
                "at the end, which the chain into the new rule's fingerprint makes too long");
    }
}
