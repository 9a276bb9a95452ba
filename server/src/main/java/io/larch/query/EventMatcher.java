package io.larch.query;

import io.larch.model.LogEvent;
import io.larch.model.Tokenizer;
import java.util.List;
import java.util.function.Predicate;

/**
 * Compiles a {@link Query} to a Java predicate over events: the executor for the head, the live
 * tail and alert rules. Must agree with {@link SqlCompiler} on every event (the differential test
 * checks this). The returned predicate is immutable and thread-safe.
 */
public final class EventMatcher {

    private EventMatcher() {
    }

    public static Predicate<LogEvent> compile(Query query) {
        return switch (query) {
            case Query.All all -> event -> true;
            case Query.And and -> allOf(and.clauses().stream().map(EventMatcher::compile).toList());
            case Query.Or or -> anyOf(or.clauses().stream().map(EventMatcher::compile).toList());
            case Query.Not not -> compile(not.clause()).negate();
            case Query.Word word -> event -> inText(event, text -> Tokenizer.containsToken(text, word.token()));
            case Query.Prefix prefix -> event -> inText(event, text -> Tokenizer.containsTokenPrefix(text, prefix.prefix()));
            case Query.Phrase phrase -> event -> inText(event, text -> Tokenizer.containsPhrase(text, phrase.tokens()));
            case Query.FieldEquals equals -> event -> equals.value().equals(equals.field().text(event));
            case Query.FieldPrefix prefix -> event -> {
                String value = prefix.field().text(event);
                return value != null && value.startsWith(prefix.prefix());
            };
            case Query.LevelIn levels -> event -> levels.levels().contains(event.level());
            case Query.LevelCompare compare -> event ->
                    compare.comparison().test(event.level().severity(), compare.level().severity());
            case Query.KindIn kinds -> event -> kinds.kinds().contains(event.kind());
            case Query.AttrEquals equals -> event -> equals.value().equals(event.attrs().get(equals.key()));
            case Query.AttrExists exists -> event -> event.attrs().containsKey(exists.key());
            case Query.AttrCompare compare -> event -> {
                Double number = Numbers.parse(event.attrs().get(compare.key()));
                return number != null && compare.comparison().test(number, compare.number());
            };
            case Query.ProjectIs project -> event -> event.projectId() == project.projectId();
            case Query.TimeWithin within -> event -> event.ts() >= within.fromMillis() && event.ts() < within.toMillis();
            case Query.OlderThan older -> event ->
                    event.ts() < older.ts() || (event.ts() == older.ts() && event.id() < older.id());
            case Query.IdAbove above -> event -> event.id() > above.id();
        };
    }

    /** Text search looks in the message, the source and the stack. */
    private static boolean inText(LogEvent event, Predicate<String> test) {
        return test.test(event.message())
                || (event.source() != null && test.test(event.source()))
                || (event.stack() != null && test.test(event.stack()));
    }

    private static Predicate<LogEvent> allOf(List<Predicate<LogEvent>> predicates) {
        Predicate<LogEvent>[] array = predicates.toArray(Predicate[]::new);
        return event -> {
            for (Predicate<LogEvent> predicate : array) {
                if (!predicate.test(event)) {
                    return false;
                }
            }
            return true;
        };
    }

    private static Predicate<LogEvent> anyOf(List<Predicate<LogEvent>> predicates) {
        Predicate<LogEvent>[] array = predicates.toArray(Predicate[]::new);
        return event -> {
            for (Predicate<LogEvent> predicate : array) {
                if (predicate.test(event)) {
                    return true;
                }
            }
            return false;
        };
    }
}
