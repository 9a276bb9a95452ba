package io.larch.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.query.Query.And;
import io.larch.query.Query.AttrCompare;
import io.larch.query.Query.AttrEquals;
import io.larch.query.Query.AttrExists;
import io.larch.query.Query.Comparison;
import io.larch.query.Query.FieldEquals;
import io.larch.query.Query.FieldPrefix;
import io.larch.query.Query.KindIn;
import io.larch.query.Query.LevelCompare;
import io.larch.query.Query.LevelIn;
import io.larch.query.Query.Not;
import io.larch.query.Query.Or;
import io.larch.query.Query.Phrase;
import io.larch.query.Query.Prefix;
import io.larch.query.Query.Word;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueryParserTest {
    private static void check(String text, Query expected) {
        assertEquals(expected, QueryParser.parse(text), "parse of '" + text + "'");
    }

    private static void fails(String text, String message, int position) {
        QueryException e = assertThrows(QueryException.class, () -> QueryParser.parse(text), text);
        assertEquals(message + " at position " + position, e.getMessage(), "error for '" + text + "'");
        assertEquals(position, e.position());
    }

    private static Word w(String token) {
        return new Word(token);
    }

    @Test
    void parsesWordsPhrasesAndPrefixes() {
        check("", new Query.All());
        check("   ", new Query.All());
        check("*", new Query.All());
        check("timeout", w("timeout"));
        check("TimeOut", w("timeout"));
        check("\"card declined\"", new Phrase(List.of("card", "declined")));
        check("\"say \\\"hi\\\"\"", new Phrase(List.of("say", "hi")));
        check("\"one\"", w("one"));
        check("time*", new Prefix("time"));
        check("10.0.0.1", new Phrase(List.of("10", "0", "0", "1")));
        check("order-123", new Phrase(List.of("order", "123")));
        check("Error:", w("error"));
        check("or", w("or"));
    }

    @Test
    void parsesFields() {
        check("level:error", new LevelIn(Set.of(Level.ERROR)));
        check("level:WARNING", new LevelIn(Set.of(Level.WARN)));
        check("level>=warn", new LevelCompare(Comparison.GE, Level.WARN));
        check("level<info", new LevelCompare(Comparison.LT, Level.INFO));
        check("kind:build", new KindIn(Set.of(Kind.BUILD)));
        check("source:checkout", new FieldEquals(Field.SOURCE, "checkout"));
        check("source:check*", new FieldPrefix(Field.SOURCE, "check"));
        check("user:*", new FieldPrefix(Field.USER, ""));
        check("user:\"Ann Lee\"", new FieldEquals(Field.USER, "Ann Lee"));
        check("user:\"a*\"", new FieldEquals(Field.USER, "a*"));
        check("conversation:c-1", new FieldEquals(Field.CONVERSATION, "c-1"));
        check("build:b1 deployment:d2", new And(List.of(new FieldEquals(Field.BUILD, "b1"), new FieldEquals(Field.DEPLOYMENT, "d2"))));
        check("fingerprint:abc", new FieldEquals(Field.FINGERPRINT, "abc"));
        check("status:running", new FieldEquals(Field.STATUS, "running"));
        check("trace:t-9", new FieldEquals(Field.TRACE, "t-9"));
        check("attrs.region:eu", new AttrEquals("region", "eu"));
        check("attrs.http.status:500", new AttrEquals("http.status", "500"));
        check("attrs.region:*", new AttrExists("region"));
        check("attrs.note:\"a b\"", new AttrEquals("note", "a b"));
        check("attrs.duration>500", new AttrCompare("duration", Comparison.GT, 500));
        check("attrs.duration<=0.5", new AttrCompare("duration", Comparison.LE, 0.5));
        check("\"https://example.com/x\"", new Phrase(List.of("https", "example", "com", "x")));
    }

    @Test
    void parsesBooleanStructure() {
        check("a b", new And(List.of(w("a"), w("b"))));
        check("a AND b", new And(List.of(w("a"), w("b"))));
        check("a OR b", new Or(List.of(w("a"), w("b"))));
        check("a b OR c", new Or(List.of(new And(List.of(w("a"), w("b"))), w("c"))));
        check("a (b OR c)", new And(List.of(w("a"), new Or(List.of(w("b"), w("c"))))));
        check("-debug", new Not(w("debug")));
        check("NOT debug", new Not(w("debug")));
        check("a -b", new And(List.of(w("a"), new Not(w("b")))));
        check("-(a OR b)", new Not(new Or(List.of(w("a"), w("b")))));
        check("NOT NOT a", new Not(new Not(w("a"))));
        check("((a))", w("a"));
    }

    @Test
    void reportsWhereTheQueryIsWrong() {
        fails("(timeout", "missing ')' for the '(' at position 1", 9);
        fails("timeout)", "unexpected ')'", 8);
        fails("OR timeout", "'OR' needs a term before it", 1);
        fails("timeout OR", "'OR' needs a term after it", 9);
        fails("a AND", "'AND' needs a term after it", 3);
        fails("NOT", "'NOT' needs a term after it", 1);
        fails("a -", "'-' needs a term right after it (like -debug)", 3);
        fails("()", "empty parentheses", 1);
        fails("\"open", "unterminated quote", 1);
        fails("level:loud", "unknown level 'loud'; use one of trace, debug, info, warn, error, fatal", 7);
        fails("kind:job", "unknown kind 'job'; use one of app, work, build, deploy, system, action, lifecycle", 6);
        fails("levle:error", "unknown field 'levle'; fields are level, kind, source, user, conversation, build, "
                + "deployment, trace, fingerprint, status, attrs.<key> (to search the text itself, put it in quotes)", 1);
        fails("https://example.com", "unknown field 'https'; fields are level, kind, source, user, conversation, build, "
                + "deployment, trace, fingerprint, status, attrs.<key> (to search the text itself, put it in quotes)", 1);
        fails("source>3", "only level and attrs.<key> can be compared with >; use source:value", 7);
        fails("attrs.duration>slow", "attrs.duration> needs a finite decimal number like 42 or -0.5e3, got 'slow'", 16);
        fails("attrs.n>inf", "attrs.n> needs a finite decimal number like 42 or -0.5e3, got 'inf'", 9);
        fails("attrs.n>1_000", "attrs.n> needs a finite decimal number like 42 or -0.5e3, got '1_000'", 9);
        fails("attrs.:x", "missing attribute name after 'attrs.'", 7);
        fails("level>=", "missing value after 'level>='", 8);
        fails("a\"b\"", "unexpected '\"' inside a word; quote the whole phrase", 2);
        fails("!!!", "'!!!' has nothing to search for (no letters or digits)", 1);
        fails("foo-bar*", "a prefix search (*) works on one word, not 'foo-bar*'", 1);
        fails("x ".repeat(200), "query has more than 128 terms", 257);
        fails("(".repeat(40) + "a" + ")".repeat(40), "query is nested more than 32 levels deep", 33);
    }
}
