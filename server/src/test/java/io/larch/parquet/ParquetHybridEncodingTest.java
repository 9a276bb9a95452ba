package io.larch.parquet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ParquetHybridEncodingTest {
    @Test
    void hybridEncodingRoundTrips() throws Exception {
        Random random = new Random(9);
        for (int trial = 0; trial < 300; trial++) {
            int bitWidth = 1 + random.nextInt(trial % 3 == 0 ? 20 : 3);
            int count = random.nextInt(3_000);
            int[] values = new int[count];
            for (int i = 0; i < count; ) {
                int run = random.nextBoolean() ? 1 + random.nextInt(3) : 1 + random.nextInt(40);
                int value = random.nextInt(1 << bitWidth);
                for (int k = 0; k < run && i < count; k++) {
                    values[i++] = value;
                }
            }
            ByteSink out = new ByteSink(16);
            ParquetChunkEncoder.hybrid(values, 0, count, bitWidth, out);
            int[] decoded = new int[count];
            ParquetChunkDecoder.hybrid(out.array(), 0, out.size(), bitWidth, decoded, 0, count);
            assertArrayEquals(values, decoded, "bit width " + bitWidth + ", " + count + " values");
        }
    }
}
