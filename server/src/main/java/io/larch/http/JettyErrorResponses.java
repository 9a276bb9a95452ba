package io.larch.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The errors Jetty answers before a request reaches Larch's routes (a URL or headers too long, a
 * malformed request line or encoding): the same JSON body as {@link ErrorMapping}'s
 * ({@code {"error": "..."}}), saying what to do, instead of Jetty's HTML page.
 */
final class JettyErrorResponses extends ErrorHandler {
    private static final ObjectMapper JSON = new ObjectMapper();

    JettyErrorResponses() {
        setDefaultResponseMimeType("application/json");
        setShowStacks(false);
        setShowCauses(false);
    }

    /** Every method gets a body, not only GET, POST and HEAD: a DELETE deserves to know what was wrong too. */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected boolean generateAcceptableResponse(Request request, Response response, Callback callback, String contentType,
                                                 List<Charset> charsets, int code, String message, Throwable cause)
            throws java.io.IOException {
        return super.generateAcceptableResponse(request, response, callback, "application/json", charsets, code, message,
                cause);
    }

    @Override
    protected void writeErrorJson(Request request, PrintWriter writer, int code, String message, Throwable cause) {
        writer.write(body(code, message));
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        SecurityHeaders.NAMES_AND_VALUES.forEach(fields::put);
        return ByteBuffer.wrap(body(status, reason).getBytes(StandardCharsets.UTF_8));
    }

    static String body(int status, String reason) {
        return JSON.createObjectNode().put("error", message(status, reason)).toString();
    }

    /** What went wrong and what to do, for a refusal with {@code status}. */
    static String message(int status, String reason) {
        return switch (status) {
            case 414 -> "the URL is too long; send a shorter query (at most 8 KB of URL)";
            case 431 -> "the request headers are too large; send fewer or shorter headers";
            case 413 -> "the request body is too large (at most 1 MB; batches at most 512 KB)";
            case 415 -> "unsupported Content-Type; send application/json or application/x-ndjson";
            case 408 -> "the request took too long to arrive; retry";
            default -> "the request is malformed (" + (reason == null ? "HTTP " + status : reason)
                    + "); check the URL's percent-encoding, the method and the headers";
        };
    }
}
