package io.larch.query;

import java.util.List;

/** A SQL boolean expression with {@code ?} placeholders and the values to bind, in order. */
public record CompiledSql(String expression, List<Object> parameters) {
}
