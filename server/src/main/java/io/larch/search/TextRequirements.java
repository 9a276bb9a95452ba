package io.larch.search;

import io.larch.part.TokenBloom;
import io.larch.part.TokenFilter;
import io.larch.query.Query;
import java.util.ArrayList;
import java.util.List;

/**
 * What a query needs from a row group's tokens, as a test against its bloom filter. Words and
 * phrases need their tokens, {@code field:value} on an indexed field needs that value; AND needs
 * all its clauses, OR any; everything else (prefixes, levels, attrs, NOT) needs nothing, so it
 * never rules a row group out.
 */
final class TextRequirements {
    private final Node root;

    private TextRequirements(Node root) {
        this.root = root;
    }

    /** The requirements of {@code query}, or null when it has none a bloom filter could check. */
    static TextRequirements of(Query query) {
        Node root = compile(query);
        return root instanceof Always ? null : new TextRequirements(root);
    }

    /** False only when no row of {@code block} can match. */
    boolean mayMatch(TokenFilter bloom, int block) {
        return root.test(bloom, block);
    }

    private sealed interface Node permits Always, Tokens, AllOf, AnyOf {
        boolean test(TokenFilter bloom, int block);
    }

    private record Always() implements Node {
        public boolean test(TokenFilter bloom, int block) {
            return true;
        }
    }

    /**
     * Needs every hash. {@code nonAscii}: some token is not ASCII, so a bloom written before
     * tokens were folded per code point ({@link TokenBloom#foldsPerCodePoint()}) may hold it
     * under another spelling and cannot rule the block out.
     */
    private record Tokens(long[] hashes, boolean nonAscii) implements Node {
        static Tokens of(List<String> tokens) {
            boolean nonAscii = tokens.stream().anyMatch(token -> token.chars().anyMatch(c -> c >= 0x80));
            return new Tokens(tokens.stream().mapToLong(TokenBloom::hash).toArray(), nonAscii);
        }

        public boolean test(TokenFilter bloom, int block) {
            if (nonAscii && !bloom.foldsPerCodePoint()) {
                return true;
            }
            for (long hash : hashes) {
                if (!bloom.mightContain(block, hash)) {
                    return false;
                }
            }
            return true;
        }
    }

    private record AllOf(List<Node> nodes) implements Node {
        public boolean test(TokenFilter bloom, int block) {
            for (Node node : nodes) {
                if (!node.test(bloom, block)) {
                    return false;
                }
            }
            return true;
        }
    }

    private record AnyOf(List<Node> nodes) implements Node {
        public boolean test(TokenFilter bloom, int block) {
            for (Node node : nodes) {
                if (node.test(bloom, block)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static Node compile(Query query) {
        return switch (query) {
            case Query.Word word -> Tokens.of(List.of(word.token()));
            case Query.Phrase phrase -> Tokens.of(phrase.tokens());
            case Query.FieldEquals equals when TokenBloom.INDEXED_FIELDS.contains(equals.field().column()) ->
                    new Tokens(new long[] {TokenBloom.fieldHash(equals.field().column(), equals.value())}, false);
            case Query.And and -> {
                List<Node> nodes = new ArrayList<>();
                for (Query clause : and.clauses()) {
                    Node node = compile(clause);
                    if (!(node instanceof Always)) {
                        nodes.add(node);
                    }
                }
                yield nodes.isEmpty() ? new Always() : nodes.size() == 1 ? nodes.getFirst() : new AllOf(nodes);
            }
            case Query.Or or -> {
                List<Node> nodes = new ArrayList<>();
                for (Query clause : or.clauses()) {
                    Node node = compile(clause);
                    if (node instanceof Always) {
                        yield node;
                    }
                    nodes.add(node);
                }
                yield new AnyOf(nodes);
            }
            default -> new Always();
        };
    }
}
