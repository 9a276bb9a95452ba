package io.larch.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The body of every error response: {@code error} says what was wrong and what to do;
 * {@code details} lists per-item problems (e.g. each invalid event of a batch).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String error, List<?> details, Integer position) {
    public static ApiError of(String error) {
        return new ApiError(error, null, null);
    }
}
