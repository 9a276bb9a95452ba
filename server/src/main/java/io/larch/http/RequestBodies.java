package io.larch.http;

import io.javalin.http.Context;
import io.larch.ingest.IngestLimits;
import io.larch.ingest.RejectedRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** Reads request bodies with a hard size cap, decompressing gzip (the cap applies to the decompressed size). */
final class RequestBodies {
    private RequestBodies() {
    }

    static byte[] read(Context ctx, int maxBytes) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBytes && !isGzip(ctx)) {
            throw tooLarge(maxBytes);
        }
        try (InputStream raw = ctx.bodyInputStream();
             InputStream in = isGzip(ctx) ? new GZIPInputStream(raw) : raw) {
            if (declared >= 0 && !isGzip(ctx)) {
                // The usual case: the body is exactly as long as declared, read into one array
                // (growing and trimming a buffer copied every body twice, ~12% of ingest's allocation).
                byte[] body = in.readNBytes((int) declared);
                if (body.length == declared && in.read() < 0) {
                    return body;
                }
                throw new RejectedRequestException(400, "the request body's length differs from its Content-Length");
            }
            byte[] buffer = new byte[(int) Math.min(Math.max(declared, 8192), maxBytes + 1L)];
            int length = 0;
            while (true) {
                if (length == buffer.length) {
                    if (buffer.length > maxBytes) {
                        throw tooLarge(maxBytes);
                    }
                    buffer = Arrays.copyOf(buffer, (int) Math.min(buffer.length * 2L, maxBytes + 1L));
                }
                int read = in.read(buffer, length, buffer.length - length);
                if (read < 0) {
                    break;
                }
                length += read;
                if (length > maxBytes) {
                    throw tooLarge(maxBytes);
                }
            }
            return Arrays.copyOf(buffer, length);
        } catch (ZipException e) {
            throw new RejectedRequestException(400, "body says Content-Encoding: gzip but is not valid gzip");
        } catch (IOException e) {
            throw new RejectedRequestException(400, "could not read the request body: " + e.getMessage());
        }
    }

    private static boolean isGzip(Context ctx) {
        String encoding = ctx.header("Content-Encoding");
        return encoding != null && encoding.trim().toLowerCase(Locale.ROOT).equals("gzip");
    }

    private static RejectedRequestException tooLarge(int maxBytes) {
        return new RejectedRequestException(413, "body is larger than " + (maxBytes / 1024)
                + " KB; send at most " + IngestLimits.MAX_EVENTS + " events and " + (maxBytes / 1024)
                + " KB per request");
    }
}
