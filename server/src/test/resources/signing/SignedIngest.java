// Signed ingest from Java 17+: java SignedIngest.java, with LARCH_URL, LARCH_KEY and LARCH_SIGNING_SECRET set.
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public class SignedIngest {
    public static void main(String[] args) throws Exception {
        byte[] body = "{\"events\":[{\"message\":\"hello signed\"}]}".getBytes(StandardCharsets.UTF_8);
        String timestamp = Long.toString(System.currentTimeMillis() / 1000);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(System.getenv("LARCH_SIGNING_SECRET").getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
        String signature = "v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        HttpRequest request = HttpRequest.newBuilder(URI.create(System.getenv("LARCH_URL") + "/api/log"))
                .header("Authorization", "Bearer " + System.getenv("LARCH_KEY"))
                .header("Content-Type", "application/json")
                .header("X-Larch-Timestamp", timestamp)
                .header("X-Larch-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        System.out.println(response.statusCode() + " " + response.body());
        System.exit(response.statusCode() == 202 ? 0 : 1);
    }
}
