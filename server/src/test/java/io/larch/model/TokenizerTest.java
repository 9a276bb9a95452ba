package io.larch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenizerTest {
    private static void check(String text, String... tokens) {
        assertEquals(List.of(tokens), Tokenizer.tokens(text), "tokens of '" + text + "'");
    }

    @Test
    void splitsOnEverythingButLettersDigitsUnderscore() {
        check("Order 123 failed", "order", "123", "failed");
        check("user@example.com", "user", "example", "com");
        check("GET /api/v1/users?id=7", "get", "api", "v1", "users", "id", "7");
        check("snake_case_name", "snake_case_name");
        check("10.0.0.1:8080", "10", "0", "0", "1", "8080");
        check("  ", new String[0]);
        check("", new String[0]);
        check("---", new String[0]);
    }

    @Test
    void keepsNonAsciiInsideTokens() {
        check("Grüße aus Köln", "grüße", "aus", "köln");
        check("日本語のログ", "日本語のログ");
    }

    @Test
    void matchesWholeTokensPrefixesAndPhrases() {
        assertEquals(true, Tokenizer.containsToken("connection TIMEOUT after 30s", "timeout"));
        assertEquals(false, Tokenizer.containsToken("timeouts happen", "timeout"));
        assertEquals(true, Tokenizer.containsTokenPrefix("timeouts happen", "timeout"));
        assertEquals(false, Tokenizer.containsTokenPrefix("a timeout", "timeouts"));
        assertEquals(true, Tokenizer.containsPhrase("payment failed: card declined", List.of("failed", "card")));
        assertEquals(false, Tokenizer.containsPhrase("failed the card", List.of("failed", "card")));
        assertEquals(false, Tokenizer.containsPhrase("card failed", List.of("failed", "card")));
    }
}
