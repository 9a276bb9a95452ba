package io.larch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark's SSE reader against a server that writes the stream in odd-sized chunks. */
class SseConnectionTest {
    @Test
    void readsBlocksAcrossChunkBoundaries() throws Exception {
        String body = "retry: 2000\n\nid: 6H02EB77C0000\nevent: log\ndata: {\"attrs\":{\"benchSeq\":\"5\",\"sentNanos\":\"123\"}}\n\n"
                + ": heartbeat\n\nevent: dropped\ndata: {\"dropped\":17,\"strikes\":1}\n\nevent: end\ndata: {\"reason\":\"bye\"}\n\n";
        try (ServerSocket server = new ServerSocket(0)) {
            Thread.ofVirtual().start(() -> serveChunked(server, body.getBytes(StandardCharsets.UTF_8), 7));
            SseConnection connection = SseConnection.open("http://127.0.0.1:" + server.getLocalPort(),
                    SseConnection.path("/api/log/stream", "user:u1"), "token", 5000, 64);
            List<String> blocks = new ArrayList<>();
            connection.read((type, id, data, nanos) -> blocks.add(type + "|" + id + "|" + data));
            assertEquals(List.of("retry|null|2000", "log|6H02EB77C0000|{\"attrs\":{\"benchSeq\":\"5\",\"sentNanos\":\"123\"}}",
                    "dropped|null|{\"dropped\":17,\"strikes\":1}", "end|null|{\"reason\":\"bye\"}"), blocks);
            assertEquals(1, connection.comments());
        }
    }

    @Test
    void readsNumbersQuotedOrNot() {
        assertEquals(123, TailClient.number("{\"sentNanos\":\"123\"}", "\"sentNanos\":"));
        assertEquals(123, TailClient.number("{\"sentNanos\":123}", "\"sentNanos\":"));
        assertEquals(-1, TailClient.number("{\"other\":1}", "\"sentNanos\":"));
    }

    private static void serveChunked(ServerSocket server, byte[] body, int chunk) {
        try (Socket socket = server.accept()) {
            BufferedReader request = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            while (!request.readLine().isEmpty()) {
                // the request head: not checked
            }
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < body.length; i += chunk) {
                int n = Math.min(chunk, body.length - i);
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body, i, n);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
