package io.larch.part;

/**
 * Token filters over blocks of consecutive events: a part's {@link TokenBloom} (one block per row
 * group) or the head's (one per few hundred events). What a query needs is tested against a block
 * here before its events are read.
 */
public interface TokenFilter {
    /** False only when no event of {@code block} has a token (or indexed field value) with this hash. */
    boolean mightContain(int block, long hash);

    /**
     * Whether non-ASCII tokens were hashed as {@link io.larch.model.Tokenizer#fold} folds them;
     * when false, a query's non-ASCII token cannot rule a block out.
     */
    boolean foldsPerCodePoint();
}
