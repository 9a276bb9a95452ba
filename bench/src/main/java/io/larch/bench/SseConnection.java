package io.larch.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * One live-tail connection on a plain socket (HTTP/1.1, chunked or not), read by the thread that
 * calls {@link #read}: meant for a virtual thread each, so 10,000 streams need no 10,000 platform
 * threads and no selector code. The caller sizes the two buffers: small for the idle-connection
 * benchmark's thousands, large for streams that carry everything. Not thread-safe, except {@link #close}, which any thread may call to stop a read.
 */
final class SseConnection implements AutoCloseable {
    /** Receives each SSE block (the lines up to a blank line) on the reading thread. */
    @FunctionalInterface
    interface Listener {
        /** {@code type} is "message" when the block names none; {@code id} and {@code data} may be null. */
        void block(String type, String id, String data, long arrivalNanos);
    }

    private final Socket socket;
    private final int status;
    private final String errorBody;
    private final LineReader lines;
    private volatile boolean closing;
    /** Comment lines seen (": heartbeat"). Read and written by the reading thread. */
    private long comments;

    private SseConnection(Socket socket, int status, String errorBody, LineReader lines) {
        this.socket = socket;
        this.status = status;
        this.errorBody = errorBody;
        this.lines = lines;
    }

    /** The path with {@code q} (when not null) as its query parameter, URL-encoded. */
    static String path(String path, String q) {
        return q == null ? path : path + "?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8);
    }

    /**
     * Connects, sends the GET and reads the response head. A status other than 200 leaves the
     * body (up to 4 KB) in {@link #errorBody} and the connection closed.
     */
    static SseConnection open(String baseUrl, String pathAndQuery, String token, int timeoutMillis, int bufferBytes)
            throws IOException {
        URI base = URI.create(baseUrl);
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(timeoutMillis);
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), timeoutMillis);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                    + "\r\nAuthorization: Bearer " + token + "\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream raw = new BufferedInputStream(socket.getInputStream(), bufferBytes);
            String statusLine = LineReader.readAsciiLine(raw);
            if (statusLine == null || !statusLine.startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP response: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            boolean chunked = false;
            long contentLength = -1;
            for (String header = LineReader.readAsciiLine(raw); header != null && !header.isEmpty();
                    header = LineReader.readAsciiLine(raw)) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                } else if (lower.startsWith("content-length:")) {
                    contentLength = Long.parseLong(lower.substring("content-length:".length()).trim());
                }
            }
            InputStream body = chunked ? new ChunkedInputStream(raw) : raw;
            if (status != 200) {
                byte[] error = contentLength >= 0 ? body.readNBytes((int) Math.min(contentLength, 4096)) : body.readNBytes(4096);
                socket.close();
                return new SseConnection(socket, status, new String(error, StandardCharsets.UTF_8), null);
            }
            socket.setSoTimeout(0);
            return new SseConnection(socket, status, null, new LineReader(body, bufferBytes));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    int status() {
        return status;
    }

    String errorBody() {
        return errorBody;
    }

    long comments() {
        return comments;
    }

    /**
     * Reads blocks until the server ends the stream (returns normally) or {@link #close} is
     * called (returns normally too); other I/O failures are thrown.
     */
    void read(Listener listener) throws IOException {
        String type = null;
        String id = null;
        String data = null;
        try {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.isEmpty()) {
                    if (type != null || data != null || id != null) {
                        listener.block(type == null ? "message" : type, id, data, System.nanoTime());
                    }
                    type = null;
                    id = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    comments++;
                } else if (line.startsWith("data:")) {
                    String value = value(line, 5);
                    data = data == null ? value : data + "\n" + value;
                } else if (line.startsWith("id:")) {
                    id = value(line, 3);
                } else if (line.startsWith("event:")) {
                    type = value(line, 6);
                } else if (line.startsWith("retry:")) {
                    listener.block("retry", null, value(line, 6), System.nanoTime());
                }
            }
        } catch (IOException e) {
            if (!closing) {
                throw e;
            }
        }
    }

    private static String value(String line, int from) {
        return line.length() > from && line.charAt(from) == ' ' ? line.substring(from + 1) : line.substring(from);
    }

    @Override
    public void close() {
        closing = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** A chunked HTTP/1.1 body: the chunks' bytes, end of stream at the last (empty) chunk. */
    private static final class ChunkedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;
        private boolean afterChunk;
        private boolean done;

        ChunkedInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (done) {
                return -1;
            }
            if (remaining == 0) {
                if (afterChunk) {
                    LineReader.readAsciiLine(in);
                }
                String size = LineReader.readAsciiLine(in);
                if (size == null) {
                    done = true;
                    return -1;
                }
                int semicolon = size.indexOf(';');
                remaining = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                afterChunk = true;
                if (remaining == 0) {
                    done = true;
                    return -1;
                }
            }
            int n = in.read(buffer, offset, (int) Math.min(length, remaining));
            if (n < 0) {
                done = true;
                return -1;
            }
            remaining -= n;
            return n;
        }
    }

    /** Lines of UTF-8 text ending in LF (a CR before it dropped), read through one buffer. */
    static final class LineReader {
        private final InputStream in;
        private byte[] buffer;
        private int start;
        private int end;

        LineReader(InputStream in, int bufferSize) {
            this.in = in;
            this.buffer = new byte[bufferSize];
        }

        /** The next line, or null at the end of the stream (a last line without LF is returned). */
        String readLine() throws IOException {
            int scanned = start;
            while (true) {
                for (int i = scanned; i < end; i++) {
                    if (buffer[i] == '\n') {
                        int lineEnd = i > start && buffer[i - 1] == '\r' ? i - 1 : i;
                        String line = new String(buffer, start, lineEnd - start, StandardCharsets.UTF_8);
                        start = i + 1;
                        return line;
                    }
                }
                if (start > 0) {
                    System.arraycopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                scanned = end;
                if (end == buffer.length) {
                    buffer = Arrays.copyOf(buffer, buffer.length * 2);
                }
                int n = in.read(buffer, end, buffer.length - end);
                if (n < 0) {
                    if (end > start) {
                        String line = new String(buffer, start, end - start, StandardCharsets.UTF_8);
                        start = end;
                        return line;
                    }
                    return null;
                }
                end += n;
            }
        }

        /** One header or chunk-size line, byte by byte from a buffered stream. */
        static String readAsciiLine(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream(64);
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    byte[] bytes = line.toByteArray();
                    int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, length, StandardCharsets.US_ASCII);
                }
                line.write(b);
            }
            return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
        }
    }
}
