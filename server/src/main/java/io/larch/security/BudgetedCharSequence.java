package io.larch.security;

/**
 * A text that lets a regular expression read only so many characters. {@code java.util.regex}
 * reads its input through {@link #charAt} alone, so counting those calls bounds the work of any
 * match, however badly the pattern backtracks; once the budget is spent {@code charAt} throws
 * {@link BudgetExceeded} and the match is abandoned. One instance serves one matching thread.
 */
final class BudgetedCharSequence implements CharSequence {
    /** Thrown when the budget is spent. Preallocated and without a stack trace: it is control flow, and may be frequent under attack. */
    static final class BudgetExceeded extends RuntimeException {
        static final BudgetExceeded INSTANCE = new BudgetExceeded();

        private BudgetExceeded() {
            super("regular expression exceeded its budget of character reads", null, false, false);
        }
    }

    private final String text;
    private long remainingReads;

    BudgetedCharSequence(String text, long reads) {
        this.text = text;
        this.remainingReads = reads;
    }

    @Override
    public char charAt(int index) {
        if (--remainingReads < 0) {
            throw BudgetExceeded.INSTANCE;
        }
        return text.charAt(index);
    }

    @Override
    public int length() {
        return text.length();
    }

    /** Not counted: the matcher asks for a sub-sequence only to hand out a match it has already found. */
    @Override
    public CharSequence subSequence(int start, int end) {
        return text.subSequence(start, end);
    }

    @Override
    public String toString() {
        return text;
    }
}
