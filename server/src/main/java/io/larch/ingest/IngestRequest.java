package io.larch.ingest;

import io.larch.security.RateLimits;
import io.larch.security.Redactor;

/**
 * One batch to store and the project's rules for it.
 *
 * @param body        the decoded body (after gzip)
 * @param redactor    the project's redaction, or null when it is off
 * @param limits      the project's rate limits (the server's with the project's overrides)
 */
public record IngestRequest(long projectId, byte[] body, String contentType, Redactor redactor, RateLimits limits) {
}
