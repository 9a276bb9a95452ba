package io.larch.part;

/**
 * The bloom filter layout every token filter uses: {@link #BITS_PER_TOKEN} bits and
 * {@link #HASHES} probes per distinct token, probe i at {@code (h1 + i * h2) mod bits} of the
 * token's 64-bit hash. Shared by the part files ({@link TokenBloomWriter}) and the head's
 * in-memory blocks, so one hash answers for both.
 */
public final class BloomBits {
    /**
     * 13 bits and 9 hashes per token: about 0.2% false positives. At 1% a needle search over
     * 50 M events read ~65 row groups for nothing (one per 100 blocks); at 0.2%, ~13, for 30%
     * more filter bytes (the filters are under a tenth of a part).
     */
    static final int BITS_PER_TOKEN = 13;
    static final int HASHES = 9;

    private BloomBits() {
    }

    /** The filter words for {@code tokens}, sized for how many there are. */
    public static long[] of(LongHashSet tokens) {
        int words = (int) Math.max(1, ((long) Math.max(1, tokens.size()) * BITS_PER_TOKEN + 63) / 64);
        long[] bits = new long[words];
        long numBits = (long) words * 64;
        tokens.forEach(hash -> {
            for (int i = 1; i <= HASHES; i++) {
                long bit = probe(hash, i, numBits);
                bits[(int) (bit >>> 6)] |= 1L << (bit & 63);
            }
        });
        return bits;
    }

    /** False only when {@code hash} was not among the tokens {@code bits} were made {@link #of}. */
    public static boolean mightContain(long[] bits, long hash) {
        long numBits = (long) bits.length * 64;
        for (int i = 1; i <= HASHES; i++) {
            long bit = probe(hash, i, numBits);
            if ((bits[(int) (bit >>> 6)] & (1L << (bit & 63))) == 0) {
                return false;
            }
        }
        return true;
    }

    /** Bit {@code i} (1-based) of {@code hash} in a filter of {@code numBits}. */
    static long probe(long hash, int i, long numBits) {
        int combined = (int) hash + i * (int) (hash >>> 32);
        return (combined & Integer.MAX_VALUE) % numBits;
    }
}
